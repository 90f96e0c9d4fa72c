// `-o table`: the node × node heatmap (rows: from, columns: to) with a DNS column, then the
// nodes without data and the findings. Too many nodes for the width: grouped by a label
// (the zone by default), else the worst pairs as a list.
import { formatMs, formatPercent } from '../shared/format.ts';
import { groupBy } from '../shared/group-by.ts';
import { byNodeName } from '../shared/node-order.ts';
import type { NetworkPath } from '../shared/plan.ts';
import { isResolver, type MatrixReport, type NodeReport, type PairReport, type Thresholds } from '../shared/report.ts';
import { paint } from './ansi.ts';
import { byWorstLoss, DIAGONAL_CELL, lossCell, NO_DATA_CELL, UNMEASURED_CELL, verdictGrade, verdictWord, type HeatCell } from './cells.ts';
import { cellIndex } from './cell-index.ts';
import { compactTable } from './compact-table.ts';
import { firstSorted } from './first-sorted.ts';
import { renderFindings } from './findings.ts';
import { coverageLine, verdictSummary } from './run-summary.ts';
import { renderTimeline } from './timeline.ts';
import { heatmapWidth, renderHeatmap, type HeatmapModel } from './heatmap.ts';
import { labelCandidates } from './names.ts';
import { wrap } from './wrap.ts';

export interface TableOptions {
  /** ANSI colours; the CLI turns them off when stdout is not a TTY or NO_COLOR is set. */
  color: boolean;
  /** Terminal columns (default 80). */
  width?: number;
  /** One row and column per value of this node label (or 'kernel') instead of per node. */
  groupBy?: string;
}

export const ZONE_LABEL = 'topology.kubernetes.io/zone';
const GROUP_BY_KERNEL = 'kernel';
const DEFAULT_WIDTH = 80;
const WORST_PAIRS_SHOWN = 15;
/** The order heatmaps of several paths are shown in. */
export const PATHS: readonly NetworkPath[] = ['pod', 'host', 'service'];

/** A heatmap's network: a path, and on a dual-stack cluster one of its families. */
export interface Network {
  path: NetworkPath;
  family?: 'ipv6';
  /** "pod network"; "pod network (IPv6)", and "(IPv4)" beside it on a dual-stack cluster. */
  name: string;
}

export interface NetworkPairs {
  network: Network;
  pairs: PairReport[];
}

/** The networks `pairs` cross, in the order they are shown (by path, IPv4 first), each with its pairs in their order. */
export function byNetwork(pairs: readonly PairReport[]): NetworkPairs[] {
  // In one pass (a 5,000-node run has 165,000 pairs); an IPv4 pair's key is its path, no string built for it.
  const keyOf = (path: NetworkPath, family: PairReport['family']) => (family === undefined ? path : `${path} ${family}`);
  const groups = groupBy(pairs, (pair) => keyOf(pair.path, pair.family));
  const dualStack = [...groups.values()].some(([pair]) => pair.family === 'ipv6');
  return PATHS.flatMap((path) => [undefined, 'ipv6' as const].flatMap((family): NetworkPairs[] => {
    const onIt = groups.get(keyOf(path, family));
    if (!onIt) return [];
    const name = `${path} network${family ? ' (IPv6)' : dualStack ? ' (IPv4)' : ''}`;
    return [{ network: { path, ...(family && { family }), name }, pairs: onIt }];
  }));
}

/**
 * The sections in order; `-o wide` passes its own (per-protocol heatmaps, the node table)
 * to go after the heatmap's legend, before the nodes without data and the findings.
 */
export function renderTable(report: MatrixReport, options: TableOptions, wideSections: readonly string[] = []): string {
  const width = tableWidth(options);
  const resolverPairs = report.pairs.filter((pair) => isResolver(pair.destination));
  const nodePairs = report.pairs.filter((pair) => !isResolver(pair.destination));
  const networks = byNetwork(nodePairs);
  // The DNS column goes with the first matrix; with DNS alone, it is a matrix of its own.
  const matrices = (networks.length ? networks : [null]).map((onNetwork, i) => {
    const network = onNetwork?.network;
    const pairs = onNetwork?.pairs ?? [];
    const dns = i === 0 ? resolverPairs : [];
    const protocols = [...new Set(pairs.map((pair) => pair.protocol))].join('/');
    const title = network ? `Loss % on the ${network.name}, row to column, worst of ${protocols}${dns.length ? ' and to DNS' : ''}` : 'DNS loss % per node';
    return matrixSection(report, { title, pairs, resolverPairs: dns, cell: lossCell, worstFirst: byWorstLoss }, options);
  });
  return [
    [wrap(header(report, nodePairs, resolverPairs), width, ''), report.coverage ? wrap(coverageLine(report.coverage), width, '') : ''].filter(Boolean).join('\n'),
    ...matrices,
    legend(report.thresholds, options.color, width),
    wrap(verdictSummary(report), width, ''),
    ...wideSections,
    noDataSection(report.nodes, width),
    report.timeline ? renderTimeline(report.timeline, { color: options.color, width }) : '',
    renderFindings(report.findings, report.thresholds, { color: options.color, width }),
  ].filter(Boolean).join('\n\n') + '\n';
}

export function tableWidth(options: TableOptions): number {
  return options.width ?? DEFAULT_WIDTH;
}

function header(report: MatrixReport, nodePairs: readonly PairReport[], resolverPairs: readonly PairReport[]): string {
  const measured = report.nodes.filter((node) => node.status === 'ok').length;
  // Per source, not a string per pair: a 5,000-node run has 165,000.
  const directed = [...groupBy(nodePairs, (pair) => pair.source).values()].reduce((count, fromSource) => count + new Set(fromSource.map((pair) => pair.destination)).size, 0);
  const protocols = [...new Set(nodePairs.map((pair) => pair.protocol))].join('/');
  const dnsFrom = new Set(resolverPairs.map((pair) => pair.source)).size;
  const measuredWhat = [directed ? `${directed} directed node pairs × ${protocols}` : '', dnsFrom ? `DNS from ${dnsFrom} nodes` : ''].filter(Boolean).join(', ') || 'nothing';
  const runtimes = [...new Set(report.nodes.map((node) => node.containerRuntime).filter((r) => r))].sort();
  const onRuntimes = runtimes.length ? `; container runtime ${runtimes.join(', ')}` : '';
  return `netprobe matrix, run ${report.run.id}: ${measured} of ${report.nodes.length} nodes measured; ${measuredWhat}; ${report.run.start} to ${report.run.end}${onRuntimes}`;
}

/** One heatmap: its title, node pairs (none: a DNS-only matrix) and DNS column, how a cell reads its pairs, and which pairs are worst. */
export interface MatrixSpec {
  title: string;
  pairs: PairReport[];
  resolverPairs: PairReport[];
  cell: (pairs: readonly PairReport[]) => HeatCell;
  /** Orders the pairs listed when the nodes fit neither the width nor zones. */
  worstFirst: (a: PairReport, b: PairReport) => number;
}

/** The heatmap per node when it fits the width, else per zone, else the worst pairs as a list. */
export function matrixSection(report: MatrixReport, spec: MatrixSpec, options: TableOptions): string {
  const width = tableWidth(options);
  if (options.groupBy) return groupedSection(report, spec, options.groupBy, `${spec.title}, by ${options.groupBy}`, options.color, width);

  const nodeNames = report.nodes.map((node) => node.name);
  const modelWith = nodeModel(report.nodes, spec);
  for (const labels of labelCandidates(nodeNames)) {
    const model = modelWith(labels);
    if (heatmapWidth(model) <= width) return [wrap(`${spec.title}:`, width, ''), renderHeatmap(model, options.color), wrap(labels.legend, width, '')].filter(Boolean).join('\n');
  }
  const tooMany = `${nodeNames.length} nodes do not fit ${width} columns`;
  const zones = new Set(report.nodes.map((node) => node.labels[ZONE_LABEL]));
  if (zones.size > 1 && report.nodes.every((node) => ZONE_LABEL in node.labels)) {
    return groupedSection(report, spec, ZONE_LABEL, `${spec.title}, by zone (${tooMany}; -o html shows every node)`, options.color, width);
  }
  const measured = spec.pairs.concat(spec.resolverPairs).filter((pair) => pair.attempts > 0);
  return worstPairsSection(firstSorted(measured, WORST_PAIRS_SHOWN, spec.worstFirst), `${spec.title}: ${tooMany} and have no zone label; the worst ${WORST_PAIRS_SHOWN} pairs (-o html shows every node, --group-by LABEL groups them):`, options.color, width);
}

/** The node heatmap for whichever labels fit; its pairs are indexed when the first cell is drawn (none is when no labels fit). */
function nodeModel(nodes: readonly NodeReport[], spec: MatrixSpec): (labels: ReadonlyMap<string, string>) => HeatmapModel {
  const names = nodes.map((node) => node.name);
  let indexed: NodeCells | undefined;
  const cells = () => (indexed ??= nodeCells(nodes, spec));
  return (labels) => ({
    rows: names,
    columns: spec.pairs.length ? names : [],
    labels,
    cell: (row, column) => cells().cell(row, column),
    extra: spec.resolverPairs.length ? { title: 'DNS', cell: (row) => cells().dns(row) } : undefined,
  });
}

interface NodeCells {
  cell(row: string, column: string): HeatCell;
  dns(row: string): HeatCell;
}

function nodeCells(nodes: readonly NodeReport[], spec: MatrixSpec): NodeCells {
  const { pairs, resolverPairs } = spec;
  const noData = new Set(nodes.filter((node) => node.status === 'no-data').map((node) => node.name));
  // A destination whose responder died on this path is no data in its column, not "not measured".
  const path = pairs[0]?.path;
  const deadColumns = new Set(nodes.filter((node) => node.paths?.some((p) => p.path === path && p.destinationNoData)).map((node) => node.name));
  const pairsAt = cellIndex(pairs, (pair) => pair.source, (pair) => pair.destination);
  const dnsBySource = groupBy(resolverPairs, (pair) => pair.source);
  const measuredOr = (found: PairReport[] | undefined, ends: string[]): HeatCell =>
    found ? spec.cell(found) : ends.some((end) => noData.has(end)) ? NO_DATA_CELL : UNMEASURED_CELL;
  return {
    cell: (row, column) => (row === column ? DIAGONAL_CELL : deadColumns.has(column) ? NO_DATA_CELL : measuredOr(pairsAt(row, column), [row, column])),
    dns: (row) => measuredOr(dnsBySource.get(row), [row]),
  };
}

function groupedSection(report: MatrixReport, spec: MatrixSpec, label: string, title: string, color: boolean, width: number): string {
  const { pairs, resolverPairs } = spec;
  const groupOf = new Map(report.nodes.map((node) => [node.name, label === GROUP_BY_KERNEL ? (node.kernelVersion ?? '(unknown)') : (node.labels[label] ?? '(none)')]));
  const members = groupBy(report.nodes, (node) => groupOf.get(node.name)!);
  const groups = [...members.keys()].sort(byNodeName);
  // String(): a pair from a node the report does not list has no group, and so no cell.
  const pairsAt = cellIndex(pairs, (pair) => String(groupOf.get(pair.source)), (pair) => String(groupOf.get(pair.destination)));
  const dnsByGroup = groupBy(resolverPairs, (pair) => groupOf.get(pair.source) ?? '(none)');
  const cellOf = (found: PairReport[] | undefined) => (found ? spec.cell(found) : UNMEASURED_CELL);
  const modelWith = (labels: ReadonlyMap<string, string>): HeatmapModel => ({
    rows: groups,
    columns: pairs.length ? groups : [],
    labels,
    cell: (row, column) => cellOf(pairsAt(row, column)),
    extra: resolverPairs.length ? { title: 'DNS', cell: (row) => cellOf(dnsByGroup.get(row)) } : undefined,
  });
  const candidates = labelCandidates(groups);
  const labels = candidates.find((candidate) => heatmapWidth(modelWith(candidate)) <= width) ?? candidates[candidates.length - 1];
  const sizes = groups.map((group) => `${labels.get(group) === group ? group : `${labels.get(group)}=${group}`} (${members.get(group)!.length} nodes)`);
  return [wrap(`${title}:`, width, ''), renderHeatmap(modelWith(labels), color), wrap(sizes.join('  '), width, '')].join('\n');
}

/** The pairs listed, worst first. */
function worstPairsSection(worst: readonly PairReport[], title: string, color: boolean, width: number): string {
  const rows = worst.map((pair) => [
    pair.source,
    pair.destination,
    pair.protocol,
    formatPercent(pair.loss.ratio!),
    `${formatPercent(pair.loss.low!)}-${formatPercent(pair.loss.high!)}`,
    pair.synLoss?.ratio != null ? formatPercent(pair.synLoss.ratio) : '',
    pair.latencyMs.p99 === null ? '' : formatMs(pair.latencyMs.p99),
    paintVerdict(pair, color),
  ]);
  return `${wrap(title, width, '')}\n${compactTable(['from', 'to', 'proto', 'loss', '95% CI', 'SYN loss', 'p99', 'verdict'], rows, ['left', 'left', 'left', 'right', 'right', 'right', 'right', 'left'])}`;
}

function paintVerdict(pair: PairReport, color: boolean): string {
  const grade = verdictGrade([pair]);
  const word = verdictWord(pair);
  return grade === 'inconclusive' ? word : paint(word, grade === 'clear' ? 'green' : grade === 'warning' ? 'yellow' : 'red', color);
}

function legend(thresholds: Thresholds, color: boolean, width: number): string {
  const grades = color ? ` (${paint('red', 'red', true)}, ${paint('yellow', 'yellow', true)}, ${paint('green', 'green', true)})` : '';
  const threshold = formatPercent(thresholds.lossRatio);
  return wrap(`Cells: loss % (probes, or SYNs when connects succeed late), worst of the pair's protocols, marked by verdict${grades}: `
    + `! flagged critical, * flagged warning (see findings), ? inconclusive (too few probes yet to tell loss below ${threshold} from above), `
    + `no mark clear (shown below ${threshold}); \\ same node, · not measured, n/a no data.`, width, '');
}

function noDataSection(nodes: readonly NodeReport[], width: number): string {
  const missing = nodes.filter((node) => node.status === 'no-data');
  const deadDestinations = nodes.filter((node) => node.status === 'ok').flatMap((node) => (node.paths ?? []).filter((p) => p.destinationNoData).map((p) => ({ node, p })));
  return [
    ...(missing.length ? [`No data from ${missing.length} node${missing.length > 1 ? 's' : ''}:`, ...missing.map((node) => wrap(`${node.name}: ${node.noDataReason}`, width, '  ', '    '))] : []),
    ...(deadDestinations.length ? ['No data as a destination (the probes to it are left out, not counted as loss):',
      ...deadDestinations.map(({ node, p }) => wrap(`${node.name} on the ${p.path} network: ${p.destinationNoData}`, width, '  ', '    '))] : []),
  ].join('\n');
}

