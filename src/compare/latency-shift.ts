// Is one run's latency distribution slower than another's? A report keeps p50/p90/p99/max
// per pair (from histograms, within RELATIVE_ACCURACY), not the samples, so a rank test
// (Mann-Whitney) cannot be run on it. The quantiles do support a precedence test (Nelson,
// "Tables for a precedence life test", Technometrics 1963): take the faster run's q-quantile,
// an order statistic with m = n - ceil(q·n) samples above it; if the slower run's r-quantile
// lies above it, at least x = n - ceil(r·n) + 1 of the slower run's samples do. With the two
// runs exchangeable (no change), P(at least x above the faster run's (m+1)-th largest) is the
// hypergeometric tail of the 2×2 table (x of n_slow, m of n_fast), i.e. Fisher's one-sided
// test (fisher.ts; checked against the precedence formula). Bounds only make it conservative.
// The bar is the faster quantile raised by the factor and margin the matrix analysis judges
// a latency problem by, so a significant shift is also a large one and scheduling jitter
// between runs is not one; the test tries four quantiles as the bar (Bonferroni).
// With per-pair histograms in the report (an additive `latencyHistogram` field in pairs[])
// a rank test on the bucket counts would replace these bounds.
import type { LatencySummary } from '../shared/report.ts';
import { RELATIVE_ACCURACY } from '../shared/histogram.ts';
import { probabilityOf } from '../analyse/discrete-tails.ts';
import { logFisherUpperTail } from './fisher.ts';

export type LatencyQuantile = keyof LatencySummary;

export interface LatencySample extends LatencySummary {
  /** Successful probes behind the quantiles. */
  n: number;
}

/** A shift worth reporting: slower's quantile at least factor × and margin above faster's. */
export interface LatencyBar {
  factor: number;
  marginMs: number;
}

export interface LatencyShift {
  /** One-sided, Bonferroni-adjusted over the quantiles tried as bars. */
  pValue: number;
  /** The faster run's quantile the bar was raised from, and the bar. */
  fasterQuantile: LatencyQuantile;
  barMs: number;
  /** The slower run's lowest quantile above the bar. */
  slowerQuantile: LatencyQuantile;
  /** Samples above the bar: at most `fasterAbove` of `fasterN`, at least `slowerAbove` of `slowerN`. */
  fasterAbove: number;
  fasterN: number;
  slowerAbove: number;
  slowerN: number;
}

const QUANTILES: readonly { name: LatencyQuantile; q: number }[] = [
  { name: 'p50', q: 0.5 }, { name: 'p90', q: 0.9 }, { name: 'p99', q: 0.99 }, { name: 'max', q: 1 },
];

/** The histogram's error: a quantile is within RELATIVE_ACCURACY of a sample; the maximum is exact. */
const accuracy = (q: number) => (q === 1 ? 0 : RELATIVE_ACCURACY);

/** The strongest evidence that `slower` is slower than `faster` by more than the bar; null when none. */
export function latencyShift(slower: LatencySample, faster: LatencySample, bar: LatencyBar): LatencyShift | null {
  let best: LatencyShift | null = null;
  for (const from of QUANTILES) {
    const value = faster[from.name];
    if (value === null || faster.n === 0 || slower.n === 0) continue;
    const sampleAtMost = value / (1 - accuracy(from.q));
    const barMs = Math.max(bar.factor * sampleAtMost, sampleAtMost + bar.marginMs);
    const to = QUANTILES.find(({ name, q }) => {
      const sample = slower[name];
      return sample !== null && sample / (1 + accuracy(q)) > barMs;
    });
    if (!to) continue;
    const fasterAbove = faster.n - Math.ceil(from.q * faster.n);
    const slowerAbove = slower.n - Math.ceil(to.q * slower.n) + 1;
    const shift = { pValue: 0, fasterQuantile: from.name, barMs, slowerQuantile: to.name, fasterAbove, fasterN: faster.n, slowerAbove, slowerN: slower.n };
    shift.pValue = probabilityOf(logShiftPValue(shift));
    if (!best || logShiftPValue(shift) < logShiftPValue(best)) best = shift;
  }
  return best;
}

/** ln of a shift's p-value: strengths compared in log space, where two tiny p-values are not both 0. */
export function logShiftPValue(shift: LatencyShift): number {
  return Math.log(QUANTILES.length) + logFisherUpperTail(shift.slowerAbove, shift.slowerN, shift.fasterAbove, shift.fasterN);
}
