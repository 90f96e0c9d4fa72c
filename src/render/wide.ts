// `-o wide`: the table, plus what its worst-of cells fold together: a loss heatmap per
// protocol and path, a p99 heatmap per protocol and path, and a node table with the
// kernel, SYN retransmits inferred vs counted, and the counter deltas that moved.
import { NET_COUNTER_NAMES, type NetCounters } from '../shared/agent-result.ts';
import type { Protocol } from '../shared/plan.ts';
import { isResolver, type MatrixReport, type NodeReport } from '../shared/report.ts';
import { visibleLength } from './ansi.ts';
import { byWorstLatency, byWorstLoss, latencyCell, lossCell } from './cells.ts';
import { compactTable } from './compact-table.ts';
import { latencyFloorNote } from './latency-floor.ts';
import { labelCandidates } from './names.ts';
import { byNetwork, matrixSection, renderTable, tableWidth, type TableOptions } from './table.ts';
import { wrap } from './wrap.ts';

const NODE_PROTOCOLS: readonly Protocol[] = ['tcp', 'udp'];

/** Two-line headers keep the node table within 80 columns. TCPSynRetrans is the "SYN counted" column. */
const COUNTER_HEADERS: Record<Exclude<keyof NetCounters, 'TCPSynRetrans'>, string> = {
  ListenDrops: 'Listen\nDrops',
  ListenOverflows: 'Listen\nOverflows',
  RetransSegs: 'Retrans\nSegs',
  AttemptFails: 'Attempt\nFails',
  InErrors: 'UDP\nInErrors',
  RcvbufErrors: 'UDP Rcvbuf\nErrors',
  SndbufErrors: 'UDP Sndbuf\nErrors',
};
const COUNTERS = NET_COUNTER_NAMES.filter((name) => name !== 'TCPSynRetrans') as (keyof typeof COUNTER_HEADERS)[];

export function renderWide(report: MatrixReport, options: TableOptions): string {
  const width = tableWidth(options);
  const nodePairs = report.pairs.filter((pair) => !isResolver(pair.destination));
  const heatmaps = byNetwork(nodePairs).flatMap(({ network, pairs }) => NODE_PROTOCOLS.map((protocol) => ({ network, protocol, pairs: pairs.filter((pair) => pair.protocol === protocol) })))
    .filter(({ pairs }) => pairs.length > 0);
  const networksOfOneProtocol = new Set(heatmaps.filter(({ network }) => heatmaps.filter((heatmap) => heatmap.network === network).length === 1).map(({ network }) => network));
  // With one protocol on a network, the table's worst-of heatmap is already that protocol's.
  const loss = heatmaps.filter(({ network }) => !networksOfOneProtocol.has(network)).map(({ network, protocol, pairs }) => matrixSection(report, {
    title: `${protocol.toUpperCase()} loss % on the ${network.name}, row to column${protocol === 'tcp' ? ' (SYN-level when connects succeed late)' : ''}`,
    pairs, resolverPairs: [], cell: lossCell, worstFirst: byWorstLoss,
  }, options));
  const latency = heatmaps.map(({ network, protocol, pairs }) => matrixSection(report, {
    title: `${protocol.toUpperCase()} p99 latency on the ${network.name}, row to column`,
    pairs, resolverPairs: [], cell: latencyCell, worstFirst: byWorstLatency,
  }, options));
  const latencyLegend = latency.length
    ? [
      wrap('p99 cells: ms, or whole seconds with "s" (a TCP connect after one SYN retransmit takes 1s); ! critical, * warning where the pair\'s latency is flagged; - nothing succeeded.', width, ''),
      wrap(latencyFloorNote(report.nodes), width, ''),
    ].filter(Boolean).join('\n')
    : '';
  return renderTable(report, options, [...loss, ...latency, latencyLegend, nodeTable(report.nodes, width)]);
}

/** A node table row: the node, or one of its paths when its agents on two networks read different counters. */
interface NodeRow {
  node: NodeReport;
  path: string | null;
  counters: NetCounters | null;
  synRetransmits: NodeReport['synRetransmits'];
}

function nodeRows(nodes: readonly NodeReport[]): NodeRow[] {
  return nodes.flatMap((node): NodeRow[] => {
    const measured = node.paths?.filter((p) => p.counters) ?? [];
    return measured.length > 1
      ? measured.map((p) => ({ node, path: p.path, counters: p.counters, synRetransmits: p.synRetransmits }))
      : [{ node, path: null, counters: node.counters, synRetransmits: node.synRetransmits }];
  });
}

/** One row per node (per node and network with --network both); counter columns only for counters that moved on some node. */
function nodeTable(nodes: readonly NodeReport[], width: number): string {
  if (nodes.length === 0) return '';
  const rows = nodeRows(nodes);
  const perPath = rows.some((row) => row.path);
  const moved = COUNTERS.filter((name) => rows.some((row) => (row.counters?.[name] ?? 0) !== 0));
  const head = ['node', ...(perPath ? ['network'] : []), 'kernel', 'status', 'SYN\ninferred', 'SYN\ncounted', ...moved.map((name) => COUNTER_HEADERS[name])];
  const textColumns = perPath ? 4 : 3;
  const aligns = head.map((_, i) => (i < textColumns ? 'left' as const : 'right' as const));
  const tableWith = (labels: ReadonlyMap<string, string>) => compactTable(head, rows.map((row) => [
    labels.get(row.node.name)!,
    ...(perPath ? [row.path ?? '-'] : []),
    row.node.kernelVersion ?? '-',
    row.node.status === 'ok' ? 'ok' : 'no data',
    String(row.synRetransmits?.inferred ?? '-'),
    String(row.synRetransmits?.counted ?? '-'),
    ...moved.map((name) => String(row.counters?.[name] ?? '-')),
  ]), aligns);
  const candidates = labelCandidates(nodes.map((node) => node.name));
  const fits = (text: string) => text.split('\n').every((line) => visibleLength(line) <= width);
  // The first labels whose table fits, else the last (shortest); each table drawn once: at 5,000 nodes a table takes seconds.
  let labels = candidates[0];
  let table = '';
  for (labels of candidates) {
    table = tableWith(labels);
    if (fits(table)) break;
  }
  const warnings = nodes.flatMap((node) => node.warnings.map((warning) => wrap(`${node.name}: ${warning}`, width, '  ', '    ')));
  return [
    wrap(`Nodes: kernel, SYN retransmits inferred from connect times vs counted by the kernel (TCPSynRetrans), and the counter deltas over the run${moved.length ? ' that moved' : ' (all zero)'}:`, width, ''),
    table,
    wrap(labels.legend, width, ''),
    warnings.length ? `Agent warnings:\n${warnings.join('\n')}` : '',
  ].filter(Boolean).join('\n');
}
