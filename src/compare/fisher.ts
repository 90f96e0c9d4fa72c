// Fisher's exact test for two proportions (Fisher, "The Design of Experiments", 1935;
// Agresti, "Categorical Data Analysis", 2nd ed. 2002, §3.5.1). Why not the two-proportion
// z-test: losses here are mostly 0 of 300 vs a handful of 300, and the z-test's normal
// approximation needs every expected cell count to be about 5 or more (Cochran 1954);
// at 0 vs 5 its pooled variance makes it anti-conservative. Fisher's test conditions on the
// margins and sums exact hypergeometric probabilities, so it holds at any count, including
// zeros; it is conservative on small tables, which for a CI gate is the right side to err on.

/** ln(n!): exact sums below the table size, Stirling's series (error < 1e-15 relative) above. */
const LOG_FACTORIAL_TABLE = (() => {
  const table = [0];
  for (let i = 1; i < 1024; i++) table.push(table[i - 1] + Math.log(i));
  return table;
})();

export function logFactorial(n: number): number {
  if (n < LOG_FACTORIAL_TABLE.length) return LOG_FACTORIAL_TABLE[n];
  const inverse = 1 / n;
  const inverse2 = inverse * inverse;
  return n * Math.log(n) - n + 0.5 * Math.log(2 * Math.PI * n) + inverse * (1 / 12 - inverse2 * (1 / 360 - inverse2 / 1260));
}

function logChoose(n: number, k: number): number {
  return logFactorial(n) - logFactorial(k) - logFactorial(n - k);
}

/**
 * One-sided p-value that group 1's rate is above group 2's: P(X >= k1) where X, group 1's
 * share of the k1 + k2 events, is hypergeometric given the margins.
 */
export function fisherUpperTail(k1: number, n1: number, k2: number, n2: number): number {
  if (!(k1 >= 0 && k1 <= n1 && k2 >= 0 && k2 <= n2)) throw new RangeError(`fisherUpperTail needs 0 <= k <= n, got ${k1}/${n1} and ${k2}/${n2}`);
  const events = k1 + k2;
  const total = n1 + n2;
  if (k1 === 0) return 1;
  const last = Math.min(events, n1);
  let term = Math.exp(logChoose(events, k1) + logChoose(total - events, n1 - k1) - logChoose(total, n1));
  let tail = term;
  // pmf(x + 1) / pmf(x) = (K - x)(n1 - x) / ((x + 1)(N - K - n1 + x + 1)).
  for (let x = k1; x < last && term > tail * 1e-17; x++) {
    term *= ((events - x) * (n1 - x)) / ((x + 1) * (total - events - n1 + x + 1));
    tail += term;
  }
  return Math.min(1, tail);
}

export interface TwoSidedTest {
  /** Two-sided: twice the smaller one-sided p-value (Agresti 2002, §3.5.3), at most 1. */
  pValue: number;
  /** Which side the smaller one-sided p-value is on; 'none' when the rates are equal. */
  direction: 'higher' | 'lower' | 'none';
}

/** Is group 1's rate (k1 of n1) different from group 2's (k2 of n2), and which way? */
export function fisherTwoSided(k1: number, n1: number, k2: number, n2: number): TwoSidedTest {
  const higher = fisherUpperTail(k1, n1, k2, n2);
  const lower = fisherUpperTail(k2, n2, k1, n1);
  const direction = k1 * n2 === k2 * n1 ? 'none' : higher < lower ? 'higher' : 'lower';
  return { pValue: Math.min(1, 2 * Math.min(higher, lower)), direction };
}
