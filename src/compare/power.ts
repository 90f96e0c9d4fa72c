// How much a comparison could have seen. "No significant regression" from two short runs
// means little if only a large loss increase could have been significant: this says how
// large, for a pair and for a node with the runs' sample sizes, and how long both runs would
// have to last to detect a given increase. Both by Fisher's test (fisher.ts), at the level a
// lone change needs to pass Benjamini-Hochberg among the comparison's tests (q / m).
import { fisherTwoSided } from './fisher.ts';

export interface PowerAt {
  /** Sample sizes behind it: the median pair's (or node's pooled) probes before and after, and the loss rate before (all pairs pooled). */
  probesBefore: number;
  probesAfter: number;
  lossBefore: number;
  /** The significance level a lone change needs (q / m). */
  level: number;
  /** The smallest loss increase (after minus before) that would have been significant; null when even 100 % loss would not. */
  smallestIncrease: number | null;
  /** The --duration both runs would need, at the same rate and pairs, for `increase` to be significant; null past a week. */
  durationForIncrease: number | null;
}

export interface ComparisonPower {
  /** The loss increase the durations are sized for. */
  increase: number;
  /** How long the after run probed (ms): the durations scale from it. */
  durationMs: number;
  pair: PowerAt | null;
  node: PowerAt | null;
}

/** The sample sizes of one kind of test (pairs, or nodes' pooled pairs). */
export interface Samples {
  before: readonly number[];
  after: readonly number[];
  lostBefore: number;
  tests: number;
}

const LONGEST_MS = 7 * 24 * 3600 * 1000;

export function comparisonPower(pairs: Samples, nodes: Samples, options: { falseDiscoveryRate: number; increase: number; durationMs: number }): ComparisonPower {
  const at = (samples: Samples): PowerAt | null => {
    if (samples.before.length === 0 || samples.tests === 0) return null;
    const probesBefore = median(samples.before);
    const probesAfter = median(samples.after);
    const totalBefore = samples.before.reduce((a, b) => a + b, 0);
    const lossBefore = totalBefore > 0 ? samples.lostBefore / totalBefore : 0;
    const level = options.falseDiscoveryRate / samples.tests;
    return {
      probesBefore, probesAfter, lossBefore, level,
      smallestIncrease: smallestSignificantIncrease(probesBefore, probesAfter, lossBefore, level),
      durationForIncrease: durationToDetect(probesBefore, probesAfter, lossBefore, options.increase, level, options.durationMs),
    };
  };
  return { increase: options.increase, durationMs: options.durationMs, pair: at(pairs), node: at(nodes) };
}

/** Is kAfter of nAfter significantly above kBefore of nBefore at `level` (Fisher, two-sided, the way compare tests it)? */
function higherAt(kAfter: number, nAfter: number, kBefore: number, nBefore: number, level: number): boolean {
  const test = fisherTwoSided(kAfter, nAfter, kBefore, nBefore);
  return test.direction === 'higher' && test.pValue <= level;
}

/** The same for rates, the counts rounded as they would be observed. */
function significant(nBefore: number, nAfter: number, lossBefore: number, lossAfter: number, level: number): boolean {
  return higherAt(Math.min(nAfter, Math.ceil(lossAfter * nAfter)), nAfter, Math.round(lossBefore * nBefore), nBefore, level);
}

/** The smallest after-count's rate above before's that Fisher's test finds significant, minus before's rate. */
export function smallestSignificantIncrease(nBefore: number, nAfter: number, lossBefore: number, level: number): number | null {
  if (nBefore === 0 || nAfter === 0) return null;
  const kBefore = Math.round(lossBefore * nBefore);
  const passes = (kAfter: number) => higherAt(kAfter, nAfter, kBefore, nBefore, level);
  if (!passes(nAfter)) return null;
  // The p-value falls as the after count grows: bisect for the first count that passes.
  let low = Math.floor((kBefore / nBefore) * nAfter);
  let high = nAfter;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (passes(middle)) high = middle;
    else low = middle;
  }
  return high / nAfter - kBefore / nBefore;
}

/** The shortest duration (whole seconds) at which both runs' probes, grown in proportion, make `increase` significant. */
export function durationToDetect(nBefore: number, nAfter: number, lossBefore: number, increase: number, level: number, durationMs: number): number | null {
  if (nBefore === 0 || nAfter === 0 || !(durationMs > 0) || !(increase > 0)) return null;
  const at = (ms: number) => significant(Math.max(1, Math.round((nBefore * ms) / durationMs)), Math.max(1, Math.round((nAfter * ms) / durationMs)), lossBefore, lossBefore + increase, level);
  if (!at(LONGEST_MS)) return null;
  let low = 0;
  let high = 1000;
  while (!at(high)) {
    low = high;
    high *= 2;
  }
  // Seconds are what --duration is given in.
  while (high - low > 1000) {
    const middle = Math.round((low + high) / 2000) * 1000;
    if (middle <= low || middle >= high) break;
    if (at(middle)) high = middle;
    else low = middle;
  }
  return high;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[(sorted.length - 1) >> 1];
}
