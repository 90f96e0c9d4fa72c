// A node's part in a finding, in the words every renderer uses (the pairs' part is
// describePairEvidence in src/shared/format.ts).
import type { NodeEvidence } from '../shared/report.ts';

/** "node-3 (kernel 6.1.0-18-amd64): lookups 300, answeredAtResolverMarks 12, timeouts 0". */
export function describeNodeEvidence(node: NodeEvidence): string {
  const counts = Object.entries(node.counts).map(([name, n]) => `${name} ${n}`).join(', ');
  return `${node.node}${node.kernelVersion ? ` (kernel ${node.kernelVersion})` : ''}: ${counts}`;
}
