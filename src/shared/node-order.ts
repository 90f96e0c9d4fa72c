// Node names in natural order: node-2 before node-10. One collator: localeCompare per call
// costs a collator lookup each time, which dominates sorting N² pairs.
const collator = new Intl.Collator('en', { numeric: true });

export const byNodeName: (a: string, b: string) => number = collator.compare;
