// What the run stands on, said once at the top of the table and in the HTML run settings:
// how much of the mesh it probed, and how many pairs each verdict has.
import { countOf, formatDuration, formatPercent } from '../shared/format.ts';
import { groupBy } from '../shared/group-by.ts';
import type { Coverage, MatrixReport, PairReport } from '../shared/report.ts';

/** "Coverage: 480 of 9900 directed node pairs probed (4.8%); every pair within 21 windows of 1 min (21 min)." */
export function coverageLine(coverage: Coverage): string {
  const share = coverage.possiblePairs ? ` (${formatPercent(coverage.probedPairs / coverage.possiblePairs)})` : '';
  const probed = `${coverage.probedPairs} of ${coverage.possiblePairs} directed node pairs probed${share}`;
  if (coverage.fullMeshAfterMs === 0) return `Coverage: ${probed}: the whole mesh.`;
  if (coverage.fullMeshAfterMs === null) return `Coverage: ${probed}; the others are never probed by this sample (--sample, --window rotate it).`;
  const windows = coverage.windows && coverage.windowMs ? ` within ${countOf(coverage.windows, 'window')} of ${formatDuration(coverage.windowMs)}` : '';
  return `Coverage: ${probed}; every pair${windows} (${formatDuration(coverage.fullMeshAfterMs)} from the start).`;
}

/**
 * How many pairs each verdict has, and what deciding the inconclusive ones would take: the
 * median pair's further probes and time at the run's rate, and the pairs no run length decides.
 */
export function verdictSummary(report: MatrixReport): string {
  // One pass over the pairs, not one per verdict: a 5,000-node run has 165,000.
  const byVerdict = groupBy(report.pairs, (pair) => pair.verdict);
  const withVerdict = (verdict: PairReport['verdict']) => byVerdict.get(verdict) ?? [];
  const flagged = withVerdict('flagged');
  const inconclusive = withVerdict('inconclusive');
  const critical = flagged.filter((pair) => pair.status === 'critical').length;
  const counts = `Verdicts (per pair and protocol): ${flagged.length} flagged${critical ? ` (${critical} critical)` : ''}, ${withVerdict('clear').length} clear, ${inconclusive.length} inconclusive.`;
  if (inconclusive.length === 0) return counts;
  const decidable = inconclusive.map((pair) => pair.toDecide).filter((d): d is NonNullable<PairReport['toDecide']> => d != null).sort((a, b) => a.probes - b.probes);
  const undecidable = inconclusive.length - decidable.length;
  const threshold = formatPercent(report.thresholds.lossRatio);
  const needs = (d: NonNullable<PairReport['toDecide']>) =>
    `${d.probes} more probes${d.seconds === null ? '' : ` (${formatDuration(d.seconds * 1000)} at the run's rate)`} to tell loss below ${threshold} from above it`;
  const how = '(a longer --duration, or confirmation probing)';
  if (inconclusive.length === 1) {
    return `${counts} The inconclusive pair ${decidable.length ? `needs ${needs(decidable[0])} ${how}` : `loses too close to ${threshold} for any run length to decide`}.`;
  }
  const parts: string[] = [];
  if (decidable.length) parts.push(`${decidable.length === 1 ? 'one' : 'the median one'} needs ${needs(decidable[(decidable.length - 1) >> 1])}`);
  if (undecidable) parts.push(`${countOf(undecidable, 'pair')} ${undecidable === 1 ? 'loses' : 'lose'} too close to ${threshold} for any run length to decide`);
  return `${counts} Of the inconclusive, ${parts.join('; ')} ${how}.`;
}
