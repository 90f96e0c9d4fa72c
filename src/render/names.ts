// Node names short enough for heatmap columns. Tried in order: the names as they are; the
// names without what they all share ("ip-10-0-1-5.ec2.internal" → "1-5"); n1, n2, ….

const SEPARATOR = /[-._]/;

/** Name → label (distinct, non-empty), and how to read the labels back. */
export class NodeLabels extends Map<string, string> {
  /** Printed under the heatmap; '' when the labels are the names. */
  legend = '';
}

function nodeLabels(entries: [string, string][], legend: string): NodeLabels {
  const labels = new NodeLabels(entries);
  labels.legend = legend;
  return labels;
}

/** The candidates, longest (clearest) first. */
export function labelCandidates(names: readonly string[]): NodeLabels[] {
  const candidates = [nodeLabels(names.map((name) => [name, name]), '')];
  const stripped = stripShared(names);
  if (stripped) candidates.push(stripped);
  candidates.push(nodeLabels(names.map((name, i) => [name, `n${i + 1}`]), names.map((name, i) => `n${i + 1}=${name}`).join('  ')));
  return candidates;
}

function stripShared(names: readonly string[]): NodeLabels | null {
  if (names.length < 2) return null;
  const prefix = cutAtSeparator(commonPrefix(names));
  const suffix = reverse(cutAtSeparator(commonPrefix(names.map(reverse))));
  if (!prefix && !suffix) return null;
  const entries = names.map((name): [string, string] => [name, name.slice(prefix.length, name.length - suffix.length)]);
  const distinct = new Set(entries.map(([, label]) => label));
  if (distinct.size < names.length || distinct.has('')) return null;
  const shared = [prefix && `"${prefix}" before`, suffix && `"${suffix}" after`].filter(Boolean).join(' and ');
  return nodeLabels(entries, `Names shortened: ${shared} each label.`);
}

function commonPrefix(names: readonly string[]): string {
  let prefix = names[0];
  for (const name of names) while (!name.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

/** Keeps the prefix up to and including its last separator, so "node-1" of node-1/node-10 stays whole. */
function cutAtSeparator(prefix: string): string {
  for (let i = prefix.length - 1; i >= 0; i--) if (SEPARATOR.test(prefix[i])) return prefix.slice(0, i + 1);
  return '';
}

function reverse(text: string): string {
  return [...text].reverse().join('');
}
