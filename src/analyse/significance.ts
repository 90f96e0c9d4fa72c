// Exact tests for "this proportion is above p0", and false-discovery-rate control across
// the many pairs of one matrix: an N-node run tests N² pairs, and at 95 % each a clean
// 100-node matrix would otherwise flag hundreds of them.

/** P(X >= k) for X ~ Binomial(n, p0): the one-sided p-value of k failures in n when the true rate is p0. */
export function binomialUpperTail(k: number, n: number, p0: number): number {
  if (k <= 0) return 1;
  if (k > n) return 0;
  if (p0 <= 0) return 0;
  if (p0 >= 1) return 1;
  // log P(X = k) = log C(n, k) + k log p0 + (n - k) log(1 - p0), then the terms upward.
  let logTerm = k * Math.log(p0) + (n - k) * Math.log1p(-p0);
  for (let j = 1; j <= k; j++) logTerm += Math.log((n - k + j) / j);
  let term = Math.exp(logTerm);
  let tail = term;
  const oddsRatio = p0 / (1 - p0);
  for (let i = k; i < n && term > tail * 1e-17; i++) {
    term *= ((n - i) / (i + 1)) * oddsRatio;
    tail += term;
  }
  return Math.min(1, tail);
}

/**
 * Benjamini & Hochberg (J. R. Stat. Soc. B, 1995): the largest p-value cutoff such that
 * rejecting every test at or below it keeps the expected share of false discoveries <= q.
 * Returns -1 when nothing is rejected. With only true nulls this bounds P(any flag) by q.
 */
export function falseDiscoveryCutoff(pValues: readonly number[], q: number): number {
  const sorted = pValues.filter((p) => p < 1).sort((a, b) => a - b);
  let cutoff = -1;
  sorted.forEach((p, i) => {
    if (p <= ((i + 1) / pValues.length) * q) cutoff = p;
  });
  return cutoff;
}
