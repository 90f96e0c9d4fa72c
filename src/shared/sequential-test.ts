// Is a pair's loss above the threshold, below it, or not yet known? Decided by an
// anytime-valid test, so that probing may go on until the evidence decides (confirmation
// probing) without inflating the error rates — a fixed-n test (Wilson, exact binomial)
// looked at after every probe would flag clean pairs far more often than it says.
//
// The test is a mixture martingale (Robbins 1970, "Statistical methods related to the law
// of the iterated logarithm", Ann. Math. Statist. 41; Howard, Ramdas, McAuliffe, Sekhon 2021,
// "Time-uniform, nonparametric, nonasymptotic confidence sequences", Ann. Statist. 49):
//   E_n(p) = ∫ q^k (1-q)^(n-k) dπ(q) / (p^k (1-p)^(n-k))
// is, for the true loss p, a nonnegative martingale with mean 1, so by Ville's inequality
// P(E_n(p) ever reaches T) <= 1/T at any stopping time. The likelihood p^k(1-p)^(n-k) falls
// away from k/n on either side, so E_n(threshold) >= T with k/n above the threshold bounds
// every p at or below it (flagged), and with k/n below it every p at or above it (clear):
// a false flag or a false clear has probability at most 1/T, however long one probes.
// E_n is also an e-value (Vovk & Wang 2021), which is what e-BH needs across many pairs
// (Wang & Ramdas 2022, "False discovery rate control with e-values", JRSS B 84).
//
// π is a mixture of Beta(1, b) priors scaled to the threshold: most weight just below it
// (clearing a clean pair is the slow side: about 870 lossless probes at a 0.5 % threshold,
// against 765 for a single fixed-n Wilson look), some on loss far above it (40 % loss is
// flagged within 10 probes). Plain data in, numbers out: the agent imports this to know
// when to stop confirming a pair, the analysis to give every pair its verdict.

export type Verdict = 'flagged' | 'clear' | 'inconclusive';

export interface EvidenceRule {
  /** The loss ratio a pair is judged against. */
  threshold: number;
  /** e-value at which loss above the threshold is flagged: P(false flag) <= 1 / flagAt. */
  flagAt: number;
  /** e-value at which loss below the threshold is clear: P(false clear) <= 1 / clearAt. */
  clearAt: number;
}

export interface Judgement {
  verdict: Verdict;
  /** ln E_n(threshold): the evidence against "the loss is at the threshold". */
  logEvidence: number;
}

/** Weights and Beta(1, b) scales of the mixing prior, b = scale / threshold (tuned: see the header). */
const PRIOR: readonly { weight: number; scale: number }[] = [
  { weight: 0.5, scale: 4 },
  { weight: 0.25, scale: 1 / 4 },
  { weight: 0.25, scale: 1 / 40 },
];

/** ln(n!) exactly summed below 1024, Stirling's series above (relative error < 1e-15). */
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

/** ln B(x, y) for whole numbers x, y >= 1. */
function logBeta(x: number, y: number): number {
  return logFactorial(x - 1) + logFactorial(y - 1) - logFactorial(x + y - 1);
}

/** ln E_n(p0) for k failures in n trials; 0 when nothing was tried. */
export function logEvidence(k: number, n: number, p0: number): number {
  if (!(Number.isInteger(k) && Number.isInteger(n) && k >= 0 && k <= n)) throw new RangeError(`logEvidence needs whole numbers 0 <= k <= n, got k=${k} n=${n}`);
  if (!(p0 > 0 && p0 < 1)) throw new RangeError(`logEvidence needs 0 < p0 < 1, got ${p0}`);
  if (n === 0) return 0;
  // ∫ q^k (1-q)^(n-k) Beta(q; 1, b) dq = B(1 + k, b + n - k) / B(1, b), the prior's parts summed in
  // log space. Plain loops, no arrays: the agent evaluates this after every confirmation probe.
  let top = -Infinity;
  let second = -Infinity;
  let third = -Infinity;
  for (let i = 0; i < PRIOR.length; i++) {
    const b = Math.max(1, Math.round(PRIOR[i].scale / p0));
    const term = Math.log(PRIOR[i].weight) + logBeta(1 + k, b + n - k) - logBeta(1, b);
    if (term > top) [top, second, third] = [term, top, second];
    else if (term > second) [second, third] = [term, second];
    else third = term;
  }
  const mixture = top + Math.log(1 + Math.exp(second - top) + Math.exp(third - top));
  return mixture - (k * Math.log(p0) + (n - k) * Math.log1p(-p0));
}

export function judge(k: number, n: number, rule: EvidenceRule): Judgement {
  const logE = logEvidence(k, n, rule.threshold);
  const observed = n > 0 ? k / n : rule.threshold;
  if (observed > rule.threshold && logE >= Math.log(rule.flagAt)) return { verdict: 'flagged', logEvidence: logE };
  if (observed < rule.threshold && logE >= Math.log(rule.clearAt)) return { verdict: 'clear', logEvidence: logE };
  return { verdict: 'inconclusive', logEvidence: logE };
}

/**
 * How many probes in all (n included) would decide, if failures went on at the rate seen so
 * far; null when that does not happen within `limit` probes (a rate too close to the threshold).
 */
export function probesToDecide(k: number, n: number, rule: EvidenceRule, limit = 1_000_000): number | null {
  const rate = n > 0 ? k / n : 0;
  const decidedAt = (total: number) => judge(Math.min(total, Math.max(k, Math.round(rate * total))), total, rule).verdict !== 'inconclusive';
  if (decidedAt(n)) return n;
  // The evidence grows with probes at a steady rate: double to bracket, then bisect.
  let low = n;
  let high = Math.max(1, 2 * n);
  while (!decidedAt(high)) {
    if (high >= limit) return null;
    low = high;
    high = Math.min(limit, 2 * high);
  }
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (decidedAt(middle)) high = middle;
    else low = middle;
  }
  return high;
}
