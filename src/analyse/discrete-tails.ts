// Binomial and hypergeometric tails in log space. A tail of 1e-400 must stay a number and
// one next to 1 must stay 1: at 2 of 45,600 against 5 % the first terms are e^-2300, and a
// sum that starts from them is 0 before it reaches the terms that matter. Here the largest
// term of the tail summed comes from Loader's saddle-point form (Loader, "Fast and accurate
// computation of binomial probabilities", 2000), free of the cancellation between large log
// factorials; the others from the ratios of neighbouring terms (integer products, one
// rounding each), summed outward from it, so no term exceeds it and none underflows before
// it stops mattering. Checked against exact arithmetic in test/support/exact-tails.ts.

const LN_2PI = Math.log(2 * Math.PI);

/** δ(n) = ln n! − ln(√(2πn)·(n/e)^n), exactly from n! up to 15 (n! is exact in a double). */
const SMALL_STIRLING_ERRORS = Array.from({ length: 16 }, (_, n) => {
  let factorial = 1;
  for (let i = 2; i <= n; i++) factorial *= i;
  return n === 0 ? 0 : Math.log(factorial) - (n + 0.5) * Math.log(n) + n - 0.5 * LN_2PI;
});

/** Stirling's error δ(n), n a whole number; beyond 15 its series (next term below 1e-16). */
function stirlingError(n: number): number {
  if (n < SMALL_STIRLING_ERRORS.length) return SMALL_STIRLING_ERRORS[n];
  const inverse2 = 1 / (n * n);
  return (1 / 12 - inverse2 * (1 / 360 - inverse2 * (1 / 1260 - inverse2 * (1 / 1680 - inverse2 / 1188)))) / n;
}

/**
 * Loader's deviance term x·ln(x/mean) + mean − x, by its series in v = (x − mean)/(x + mean)
 * when x is near the mean, where the direct form cancels.
 */
function deviance(x: number, mean: number): number {
  if (Math.abs(x - mean) >= 0.1 * (x + mean)) return x * Math.log(x / mean) + mean - x;
  const v = (x - mean) / (x + mean);
  let sum = (x - mean) * v;
  let power = 2 * x * v;
  for (let j = 1; ; j++) {
    power *= v * v;
    const next = sum + power / (2 * j + 1);
    if (next === sum) return sum;
    sum = next;
  }
}

/** ln P(X = x), X ~ Binomial(n, p); q = 1 − p given by the caller, who may know it better than 1 − p. */
export function logBinomialPmf(x: number, n: number, p: number, q: number): number {
  if (x < 0 || x > n) return -Infinity;
  if (p === 0 || q === 0) return x === (p === 0 ? 0 : n) ? 0 : -Infinity;
  // log1p(−p) is ln(1 − p) to the last bit, also where q = 1 − p was rounded.
  if (x === 0) return n * Math.log1p(-p);
  if (x === n) return n * Math.log(p);
  const exponent = stirlingError(n) - stirlingError(x) - stirlingError(n - x) - deviance(x, n * p) - deviance(n - x, n * q);
  // ln(2π·x·(n − x)/n), with (n − x)/n to one rounding whichever way x leans.
  return exponent - 0.5 * (LN_2PI + Math.log(x) + Math.log((n - x) / n));
}

/** A log-concave pmf (binomial, hypergeometric) on [first, last], by its mode, its ln pmf and the ratios of neighbouring terms. */
export interface DiscreteDistribution {
  first: number;
  last: number;
  mode: number;
  logPmf: (x: number) => number;
  /** pmf(x + 1) / pmf(x) */
  up: (x: number) => number;
  /** pmf(x − 1) / pmf(x) */
  down: (x: number) => number;
}

/**
 * ln P(X >= k). Above the mode the tail's largest term is k's, and the sum walks up from it;
 * at or below the mode the other tail, from k − 1 down, is the smaller one and P = 1 − it,
 * so a p-value next to 1 keeps its last bits. Log-concave means the ratios only shrink on
 * the way out, so once a term t with ratio r is falling, all that is left is below
 * t·r/(1 − r): the walk stops when that is below the sum's last bit.
 */
export function logUpperTail(k: number, d: DiscreteDistribution): number {
  if (k <= d.first) return 0;
  if (k > d.last) return -Infinity;
  const walk = (start: number, ratio: (x: number) => number, step: 1 | -1, end: number) => {
    let sum = 1;
    let term = 1;
    for (let x = start; x !== end; x += step) {
      const r = ratio(x);
      term *= r;
      sum += term;
      if (term * r <= sum * Number.EPSILON * (1 - r)) break;
    }
    return d.logPmf(start) + Math.log(sum);
  };
  return k > d.mode ? walk(k, d.up, 1, d.last) : Math.log1p(-Math.exp(walk(k - 1, d.down, -1, d.first)));
}

/** A probability from its logarithm, kept inside [0, 1] whatever the rounding. */
export function probabilityOf(logP: number): number {
  return Math.min(1, Math.max(0, Math.exp(logP)));
}
