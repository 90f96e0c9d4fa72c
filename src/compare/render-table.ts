// `compare -o table`: what changed between two runs, for a person: the nodes with their
// kernels side by side (the point of a before/after kernel upgrade), then the significant
// regressions worst first, the improvements, and the pairs measured in only one run.
import { formatMs, formatPercent, pairName } from '../shared/format.ts';
import { paint } from '../render/ansi.ts';
import { compactTable } from '../render/compact-table.ts';
import { wrap } from '../render/wrap.ts';
import type { Change, CompareReport, Count, MeasureComparison, NodeComparison, PairChange, PairKey, ProportionComparison } from './compare-report.ts';

export interface CompareTableOptions {
  color: boolean;
  width?: number;
}

const DEFAULT_WIDTH = 80;
/** Changes and one-run pairs listed per section; -o json has them all. */
const LISTED = 20;
const MEASURE_NAMES: Record<MeasureComparison['measure'], string> = { loss: 'loss', 'syn-loss': 'SYN loss', latency: 'latency' };

export function renderCompareTable(report: CompareReport, options: CompareTableOptions): string {
  const width = options.width ?? DEFAULT_WIDTH;
  return [
    wrap(header(report), width, ''),
    ...report.notes.map((note) => wrap(`note: ${note}`, width, '', '  ')),
    nodesSection(report.nodes, options.color),
    changesSection(`Regressions (${report.regressions.length}), worst first:`, report.regressions, 'red', options.color),
    changesSection(`Improvements (${report.improvements.length}):`, report.improvements, 'green', options.color),
    onlyInOneRun('before', report.onlyBefore, width),
    onlyInOneRun('after', report.onlyAfter, width),
    wrap(legend(report), width, ''),
  ].filter(Boolean).join('\n\n') + '\n';
}

function header(report: CompareReport): string {
  const { summary, before, after, settings } = report;
  const run = (ref: CompareReport['before']) => `run ${ref.runId} (${ref.file}, ${ref.start})`;
  const verdict = summary.regressions || summary.nodeRegressions
    ? `${summary.regressions} regression${summary.regressions === 1 ? '' : 's'} in pairs, ${summary.nodeRegressions} node${summary.nodeRegressions === 1 ? '' : 's'} regressed`
    : 'no significant regression';
  return `netprobe compare: before ${run(before)}, after ${run(after)}. ${summary.pairsCompared} pairs in both runs: ${verdict}, `
    + `${summary.improvements} improvement${summary.improvements === 1 ? '' : 's'} (${summary.tests} tests at a ${formatPercent(settings.falseDiscoveryRate)} false discovery rate); `
    + `${summary.onlyBefore} pairs only before, ${summary.onlyAfter} only after.`;
}

function paintChange(text: string, change: Change, color: boolean): string {
  return change === 'regressed' ? paint(text, 'red', color) : change === 'improved' ? paint(text, 'green', color) : text;
}

function nodesSection(nodes: readonly NodeComparison[], color: boolean): string {
  const measure = (node: NodeComparison, name: ProportionComparison['measure']) => {
    const m = node.measures.find((x) => x.measure === name);
    return m ? paintChange(`${ratio(m.before)} -> ${ratio(m.after)}`, m.change, color) : '';
  };
  const rows = nodes.map((node) => [
    node.name,
    node.kernelBefore ?? '?',
    node.kernelChanged ? paint(node.kernelAfter ?? '?', 'bold', color) : (node.kernelAfter ?? '?'),
    node.statusBefore === node.statusAfter ? node.statusBefore : paintChange(`${node.statusBefore} -> ${node.statusAfter}`, node.change, color),
    measure(node, 'loss'),
    measure(node, 'syn-loss'),
    `${node.pairsRegressed}/${node.pairsImproved}`,
    paintChange(node.change, node.change, color),
  ]);
  return `Nodes (loss pooled over each node's pairs):\n${compactTable(
    ['node', 'kernel before', 'kernel after', 'status', 'loss', 'SYN loss', 'pairs -/+', 'change'],
    rows, ['left', 'left', 'left', 'left', 'right', 'right', 'right', 'left'])}`;
}

function changesSection(title: string, changes: readonly PairChange[], style: 'red' | 'green', color: boolean): string {
  if (changes.length === 0) return '';
  const rows = changes.slice(0, LISTED).map((change) => [
    pairName(change),
    `${change.protocol}/${change.path}`,
    paint(MEASURE_NAMES[change.measure], style, color),
    describeSide(change, 'before'),
    describeSide(change, 'after'),
    formatPValue(change.pValue),
  ]);
  const more = changes.length - rows.length;
  const table = compactTable(['pair', 'proto', 'measure', 'before', 'after', 'p'], rows, ['left', 'left', 'left', 'right', 'right', 'right']);
  return `${title}\n${table}${more > 0 ? `\n… and ${more} more (-o json lists them all)` : ''}`;
}

function describeSide(change: MeasureComparison, side: 'before' | 'after'): string {
  if (change.measure !== 'latency') return `${ratio(change[side])} (${change[side].k}/${change[side].n})`;
  const { p50, p99 } = change[side];
  return p50 === null || p99 === null ? 'no successes' : `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`;
}

function ratio(count: Count): string {
  return count.ratio === null ? 'n/a' : formatPercent(count.ratio);
}

/** Two significant digits: 0.0123 → "0.012", 3.4e-9 → "3.4e-9". */
export function formatPValue(p: number): string {
  return p >= 0.001 ? String(Number(p.toPrecision(2))) : p.toExponential(1);
}

function onlyInOneRun(side: 'before' | 'after', pairs: readonly PairKey[], width: number): string {
  if (pairs.length === 0) return '';
  const listed = pairs.slice(0, LISTED).map((pair) => `${pairName(pair)} ${pair.protocol}/${pair.path}`);
  const more = pairs.length - listed.length;
  return wrap(`Only in the ${side} run (${pairs.length}): ${listed.join(', ')}${more > 0 ? `, … and ${more} more` : ''}.`, width, '', '  ');
}

function legend(report: CompareReport): string {
  const { latencyFactor, latencyMarginMs } = report.settings;
  return `Loss and SYN loss: Fisher's exact test; latency: a quantile of one run past max(${latencyFactor}× the other's, +${formatMs(latencyMarginMs)}), `
    + 'tested on the samples above it. Only changes significant across all the tests are listed. Nodes: pairs -/+ are its pairs regressed/improved.';
}
