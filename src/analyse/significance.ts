// Exact tests for "this proportion is above p0", and false-discovery-rate control across
// the many pairs of one matrix: an N-node run tests N² pairs, and at 95 % each a clean
// 100-node matrix would otherwise flag hundreds of them.
import { logBinomialPmf, logUpperTail, probabilityOf } from './discrete-tails.ts';

/** ln P(X >= k) for X ~ Binomial(n, p0), in log space (discrete-tails.ts). */
export function logBinomialUpperTail(k: number, n: number, p0: number): number {
  if (p0 <= 0) return k <= 0 ? 0 : -Infinity;
  if (p0 >= 1) return k <= n ? 0 : -Infinity;
  const q0 = 1 - p0;
  const odds = p0 / q0;
  return logUpperTail(k, {
    first: 0,
    last: n,
    mode: Math.min(n, Math.floor((n + 1) * p0)),
    logPmf: (x) => logBinomialPmf(x, n, p0, q0),
    up: (x) => ((n - x) / (x + 1)) * odds,
    down: (x) => (x / (n - x + 1)) / odds,
  });
}

/** P(X >= k) for X ~ Binomial(n, p0): the one-sided p-value of k failures in n when the true rate is p0. */
export function binomialUpperTail(k: number, n: number, p0: number): number {
  return probabilityOf(logBinomialUpperTail(k, n, p0));
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

/**
 * e-BH (Wang & Ramdas, "False discovery rate control with e-values", JRSS B 84, 2022): given
 * m e-values, reject the k largest where k is the largest rank with e_(k) >= m / (q·k). It
 * keeps the expected share of false discoveries <= q under any dependence between the tests,
 * and e-values may come from tests stopped at data-dependent times (sequential-test.ts),
 * which Benjamini-Hochberg on fixed-n p-values does not allow. In log space (e-values of
 * thousands of probes overflow a double). `m`: the tests, when the e-values of 0 (ln e
 * = -Infinity) among them are left out of the list. Returns the smallest ln e rejected;
 * Infinity when nothing is.
 */
export function eBenjaminiHochbergCutoff(logEValues: readonly number[], q: number, m = logEValues.length): number {
  const sorted = logEValues.filter((logE) => logE > -Infinity).sort((a, b) => b - a);
  for (let k = sorted.length; k >= 1; k--) {
    if (sorted[k - 1] >= Math.log(m / (q * k))) return sorted[k - 1];
  }
  return Infinity;
}
