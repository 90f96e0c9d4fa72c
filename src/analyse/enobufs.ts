// "No buffer space available": the neighbour (ARP) table or socket buffers are full. TCP
// sees ENOBUFS (EINVAL on kernels 3.6-6.5), UDP only in the Udp SndbufErrors counter
// because the kernel swallows the error without IP_RECVERR. Field notes. Nodes whose loss
// also has the neighbour-table overflow signature are told by neighbour-overflow.ts.
import type { Finding, NodeEvidence, NodeReport, PairReport } from '../shared/report.ts';
import { countOf } from '../shared/format.ts';
import { kernelBefore } from './kernel.ts';
import { counterOverPaths } from './nodes.ts';
import type { FindingContext } from './finding-context.ts';

/** What a node's kernel said about sends it could not make: ENOBUFS outcomes, EINVAL where it means ENOBUFS, SndbufErrors; only those above 0. */
export function bufferErrorCounts(node: NodeReport, fromNode: readonly PairReport[]): Record<string, number> {
  const einvalMeansEnobufs = kernelBefore(node.kernelVersion, 6, 6) === true && kernelBefore(node.kernelVersion, 3, 6) === false;
  const allCounts: [string, number][] = [
    ['ENOBUFS', fromNode.reduce((n, pair) => n + pair.enobufs, 0)],
    ['EINVAL', einvalMeansEnobufs ? fromNode.reduce((n, pair) => n + (pair.errors.EINVAL ?? 0), 0) : 0],
    ['SndbufErrors', counterOverPaths(node, 'SndbufErrors')],
  ];
  return Object.fromEntries(allCounts.filter(([, n]) => n > 0));
}

/** `told`: nodes another finding already names as neighbour-table overflow. */
export function enobufsFinding(context: FindingContext, told: ReadonlySet<string> = new Set()): Finding | null {
  const nodes: NodeEvidence[] = [];
  for (const node of context.nodes.values()) {
    if (told.has(node.name)) continue;
    const counts = bufferErrorCounts(node, (context.bySource.get(node.name) ?? []).map((j) => j.report));
    if (Object.keys(counts).length > 0) nodes.push({ node: node.name, kernelVersion: node.kernelVersion, counts });
  }
  if (nodes.length === 0) return null;
  const details = nodes.map((n) => `${n.node}: ${Object.entries(n.counts).map(([name, c]) => `${name} ${c}`).join(', ')}`);
  return {
    severity: 'warning',
    kind: 'enobufs',
    pattern: 'nodes',
    subject: nodes.map((n) => n.node).join(', '),
    path: null,
    protocols: [],
    message: `No buffer space on ${countOf(nodes.length, 'node')} (${details.join('; ')}): the neighbour table or socket buffers are full.`,
    hint: 'Neighbour (ARP) table: entries (`ip neigh | wc -l`) vs net.ipv4.neigh.default.gc_thresh1/2/3 (defaults 128/512/1024; gc_thresh3 is a hard limit '
      + "shared by all namespaces, set in the host namespace), table_fulls in /proc/net/stat/arp_cache, 'neighbor table overflow' in the kernel log: "
      + 'raise gc_thresh2/3 or keep entries well below gc_thresh2 (a VXLAN overlay is one L2 network). Else full socket send buffers (net.core.wmem_default).',
    evidence: { pairs: [], nodes },
  };
}
