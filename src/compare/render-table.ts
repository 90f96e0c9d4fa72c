// `compare -o table`: what changed between two runs, for a person: the nodes with their
// kernels side by side (the point of a before/after kernel upgrade), then the significant
// regressions worst first, the improvements, and the pairs measured in only one run.
import { countOf, formatMs, formatPercent, pairName } from '../shared/format.ts';
import { networkKey } from '../analyse/pairs.ts';
import { paint } from '../render/ansi.ts';
import { compactTable } from '../render/compact-table.ts';
import { wrap } from '../render/wrap.ts';
import type { Change, CompareReport, Count, MeasureComparison, NewFinding, NodeComparison, PairChange, PairKey, PowerAt, ProportionComparison } from './compare-report.ts';

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
    newCriticalSection(report.newCritical, width, options.color),
    changesSection(`Regressions (${report.regressions.length}), worst first:`, report.regressions, 'red', options.color),
    changesSection(`Improvements (${report.improvements.length}):`, report.improvements, 'green', options.color),
    onlyInOneRun('before', report.onlyBefore, width),
    onlyInOneRun('after', report.onlyAfter, width),
    wrap(powerStatement(report), width, ''),
    wrap(legend(report), width, ''),
  ].filter(Boolean).join('\n\n') + '\n';
}

function header(report: CompareReport): string {
  const { summary, before, after, settings } = report;
  const run = (ref: CompareReport['before']) => `run ${ref.runId} (${ref.file}, ${ref.start})`;
  const regressed = summary.regressions || summary.nodeRegressions
    ? `${summary.regressions} regression${summary.regressions === 1 ? '' : 's'} in pairs, ${summary.nodeRegressions} node${summary.nodeRegressions === 1 ? '' : 's'} regressed`
    : 'no significant regression';
  const verdict = summary.newCritical ? `${regressed}, ${countOf(summary.newCritical, 'new critical finding')} after` : regressed;
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
    `${change.protocol}/${networkKey(change)}`,
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
  const listed = pairs.slice(0, LISTED).map((pair) => `${pairName(pair)} ${pair.protocol}/${networkKey(pair)}`);
  const more = pairs.length - listed.length;
  return wrap(`Only in the ${side} run (${pairs.length}): ${listed.join(', ')}${more > 0 ? `, … and ${more} more` : ''}.`, width, '', '  ');
}

function newCriticalSection(findings: readonly NewFinding[], width: number, color: boolean): string {
  if (findings.length === 0) return '';
  const lines = findings.slice(0, LISTED).map((f) => wrap(`${paint('CRITICAL', 'red', color)} ${f.kind}, ${f.pattern}: ${f.subject}: ${f.message}`, width, '  ', '    '));
  return [`Critical findings of the after run that the before run did not have (${findings.length}):`, ...lines].join('\n');
}

/**
 * "Power: with these sample sizes the smallest loss increase that could have been significant
 * is +60% for a pair (15 probes before, 15 after, 0% lost before) and +4.6% for a node (195
 * and 195). To detect a +0.50% increase (--detect), run both with --duration 37m (per pair) or
 * 3m (per node); now 15s, at the same rate and pairs."
 */
function powerStatement(report: CompareReport): string {
  const { power } = report;
  const smallest = (who: string, at: PowerAt | null) => (at
    ? `${at.smallestIncrease === null ? 'none (too few probes)' : `+${formatPercent(at.smallestIncrease)}`} for ${who} (${at.probesBefore} probes before, ${at.probesAfter} after, ${formatPercent(at.lossBefore)} lost before)`
    : '');
  const parts = [smallest('a pair', power.pair), smallest('a node', power.node)].filter(Boolean);
  if (parts.length === 0) return '';
  const duration = (who: string, at: PowerAt | null) => (at ? `${at.durationForIncrease === null ? 'no duration up to a week' : durationFlag(at.durationForIncrease)} (${who})` : '');
  const durations = [duration('per pair', power.pair), duration('per node', power.node)].filter(Boolean).join(' or ');
  return `Power: with these sample sizes the smallest loss increase that could have been significant is ${parts.join(' and ')}. `
    + `To detect a +${formatPercent(power.increase)} increase (--detect), run both with --duration ${durations}; now ${durationFlag(power.durationMs)}, at the same rate and pairs.`;
}

/** ms as a --duration value: "45s", "27m", "2h30m". */
export function durationFlag(ms: number): string {
  const seconds = Math.ceil(ms / 1000);
  if (seconds < 120) return `${seconds}s`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 120) return `${minutes}m`;
  return `${Math.floor(minutes / 60)}h${minutes % 60 ? `${minutes % 60}m` : ''}`;
}

function legend(report: CompareReport): string {
  const { latencyFactor, latencyMarginMs } = report.settings;
  return `Loss and SYN loss: Fisher's exact test; latency: a quantile of one run past max(${latencyFactor}× the other's, +${formatMs(latencyMarginMs)}), `
    + 'tested on the samples above it. Only changes significant across all the tests are listed. Nodes: pairs -/+ are its pairs regressed/improved.';
}
