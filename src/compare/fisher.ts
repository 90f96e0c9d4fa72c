// Fisher's exact test for two proportions (Fisher, "The Design of Experiments", 1935;
// Agresti, "Categorical Data Analysis", 2nd ed. 2002, §3.5.1). Why not the two-proportion
// z-test: losses here are mostly 0 of 300 vs a handful of 300, and the z-test's normal
// approximation needs every expected cell count to be about 5 or more (Cochran 1954);
// at 0 vs 5 its pooled variance makes it anti-conservative. Fisher's test conditions on the
// margins and sums exact hypergeometric probabilities, so it holds at any count, including
// zeros; it is conservative on small tables, which for a CI gate is the right side to err on.

import { logBinomialPmf, logUpperTail, probabilityOf } from '../analyse/discrete-tails.ts';

/**
 * ln P(X >= k1), X ~ Hypergeometric: group 1's share of the k1 + k2 events given the margins.
 * Its pmf as three binomial pmfs, ln b(x; K, p) + ln b(n1 − x; N − K, p) − ln b(n1; N, p): the
 * powers of p cancel for any p, and p = n1/N keeps all three near their modes (Loader 2000).
 */
export function logFisherUpperTail(k1: number, n1: number, k2: number, n2: number): number {
  if (!(Number.isInteger(k1) && Number.isInteger(k2) && k1 >= 0 && k1 <= n1 && k2 >= 0 && k2 <= n2)) throw new RangeError(`fisherUpperTail needs 0 <= k <= n, got ${k1}/${n1} and ${k2}/${n2}`);
  const events = k1 + k2;
  const total = n1 + n2;
  const nonEvents = total - events;
  // p + q exactly 1 (the larger share by division, the other by subtraction, exact past 1/2):
  // Loader's form carries n·(p + q − 1), which cancels between the three pmfs only then.
  const p = n1 >= n2 ? n1 / total : 1 - n2 / total;
  const q = 1 - p;
  return logUpperTail(k1, {
    first: Math.max(0, n1 - nonEvents),
    last: Math.min(events, n1),
    // floor((n1 + 1)(K + 1) / (N + 2)); the product stays exact below 2^53.
    mode: Math.floor(((n1 + 1) * (events + 1)) / (total + 2)),
    logPmf: (x) => logBinomialPmf(x, events, p, q) + logBinomialPmf(n1 - x, nonEvents, p, q) - logBinomialPmf(n1, total, p, q),
    up: (x) => ((events - x) * (n1 - x)) / ((x + 1) * (nonEvents - n1 + x + 1)),
    down: (x) => (x * (nonEvents - n1 + x)) / ((events - x + 1) * (n1 - x + 1)),
  });
}

/** One-sided p-value that group 1's rate is above group 2's: P(X >= k1). */
export function fisherUpperTail(k1: number, n1: number, k2: number, n2: number): number {
  return probabilityOf(logFisherUpperTail(k1, n1, k2, n2));
}

export interface TwoSidedTest {
  /** Two-sided: twice the smaller one-sided p-value (Agresti 2002, §3.5.3), at most 1. */
  pValue: number;
  /** Which way group 1's observed rate lies from group 2's; 'none' when they are equal. */
  direction: 'higher' | 'lower' | 'none';
}

/** Is group 1's rate (k1 of n1) different from group 2's (k2 of n2), and which way? */
export function fisherTwoSided(k1: number, n1: number, k2: number, n2: number): TwoSidedTest {
  const logSmaller = Math.min(logFisherUpperTail(k1, n1, k2, n2), logFisherUpperTail(k2, n2, k1, n1));
  // From the rates themselves: two p-values that are both below the smallest double say nothing about the way.
  const cross = k1 * n2 - k2 * n1;
  return { pValue: probabilityOf(Math.LN2 + logSmaller), direction: cross > 0 ? 'higher' : cross < 0 ? 'lower' : 'none' };
}
