// Exact references for the tail probabilities (src/analyse/discrete-tails.ts), computed a
// different way from the code they check. Ratios of neighbouring pmf terms are exact
// integers (for a binomial p, the double's own value as m/2^e), summed in BigInt fixed point
// at 2^-256; the one pmf value the sum is scaled by is a log factorial in 60-digit decimal
// arithmetic (decimal.js): exactly from n! below 200, above it Stirling's series to the
// B20 term, whose error is below 13/n^21 < 1e-47. So the reference is good to ~1e-45.
import { Decimal } from 'decimal.js';

const D = Decimal.clone({ precision: 60 });

/** What the code must meet: |Δ ln P| ≤ 1e-12·max(1, |ln P|), i.e. relative error 1e-12 for ordinary p-values, relative in log space for tiny ones. */
export const TOLERANCE = 1e-12;
export const logError = (actual: number, exact: number) => Math.abs(actual - exact) / Math.max(1, Math.abs(exact));
const SCALE_BITS = 256n;
const SCALE = 1n << SCALE_BITS;
// Bernoulli-number coefficients B_2j / (2j(2j − 1)) of Stirling's series.
const STIRLING = [[1, 12], [-1, 360], [1, 1260], [-1, 1680], [1, 1188], [-691, 360360], [1, 156], [-3617, 122400], [43867, 244188], [-174611, 125400]];
const HALF_LN_2PI = D.ln(D.acos(-1).times(2)).div(2);
const logFactorials = new Map<number, Decimal>();

export function lnFactorial(n: number): Decimal {
  let cached = logFactorials.get(n);
  if (cached) return cached;
  if (n < 200) {
    let f = 1n;
    for (let i = 2n; i <= BigInt(n); i++) f *= i;
    cached = D.ln(f.toString());
  } else {
    const x = new D(n);
    cached = x.plus(0.5).times(D.ln(x)).minus(x).plus(HALF_LN_2PI);
    for (const [j, [num, den]] of STIRLING.entries()) cached = cached.plus(new D(num).div(x.pow(2 * j + 1).times(den)));
  }
  logFactorials.set(n, cached);
  return cached;
}

const lnChoose = (n: number, k: number) => lnFactorial(n).minus(lnFactorial(k)).minus(lnFactorial(n - k));

/** A double as the exact fraction m / 2^e. */
function exactFraction(p: number): [bigint, bigint] {
  let x = p;
  let e = 0n;
  while (!Number.isInteger(x)) {
    x *= 2;
    e++;
  }
  return [BigInt(x), 1n << e];
}

/** ln Σ pmf(x)/pmf(start) over start, start + step, … while terms fall (start is past the mode on that side). */
function lnRatioSum(start: number, end: number, step: 1 | -1, ratio: (x: number) => [bigint, bigint]): Decimal {
  let term = SCALE;
  let sum = SCALE;
  for (let x = start; x !== end; x += step) {
    const [a, b] = ratio(x);
    term = (term * a) / b;
    sum += term;
    // Log-concave: what is left is below term·r/(1 − r), r = a/b; stop below 2^-200 of the sum.
    if (term === 0n || (b > a && (term * a) << 200n < sum * (b - a))) break;
  }
  return D.ln(sum.toString()).minus(D.ln(SCALE.toString()));
}

interface ExactDistribution {
  first: number;
  last: number;
  /** Exact, as integers. */
  mode: number;
  lnPmf: (x: number) => Decimal;
  up: (x: number) => [bigint, bigint];
  down: (x: number) => [bigint, bigint];
}

function lnUpperTail(k: number, d: ExactDistribution): Decimal {
  if (k <= d.first) return new D(0);
  if (k > d.last) return new D(-Infinity);
  if (k > d.mode) return d.lnPmf(k).plus(lnRatioSum(k, d.last, 1, d.up));
  const lower = D.exp(d.lnPmf(k - 1).plus(lnRatioSum(k - 1, d.first, -1, d.down)));
  return D.ln(new D(1).minus(lower));
}

/** ln P(X >= k), X ~ Binomial(n, p) with p exactly the double given. */
export function exactLnBinomialUpperTail(k: number, n: number, p: number): Decimal {
  const [m, d] = exactFraction(p);
  const lnP = D.ln(new D(m.toString()).div(d.toString()));
  const lnQ = D.ln(new D((d - m).toString()).div(d.toString()));
  const N = BigInt(n);
  return lnUpperTail(k, {
    first: 0,
    last: n,
    mode: Number(((N + 1n) * m) / d),
    lnPmf: (x) => lnChoose(n, x).plus(lnP.times(x)).plus(lnQ.times(n - x)),
    up: (x) => [(N - BigInt(x)) * m, BigInt(x + 1) * (d - m)],
    down: (x) => [BigInt(x) * (d - m), (N - BigInt(x) + 1n) * m],
  });
}

/** ln P(X >= k1), X ~ Hypergeometric (k1 + k2 events, n1 + n2 trials, n1 drawn): Fisher's one-sided tail. */
export function exactLnFisherUpperTail(k1: number, n1: number, k2: number, n2: number): Decimal {
  const events = k1 + k2;
  const total = n1 + n2;
  const nonEvents = total - events;
  const big = BigInt;
  return lnUpperTail(k1, {
    first: Math.max(0, n1 - nonEvents),
    last: Math.min(events, n1),
    mode: Number((big(n1 + 1) * big(events + 1)) / big(total + 2)),
    lnPmf: (x) => lnChoose(events, x).plus(lnChoose(nonEvents, n1 - x)).minus(lnChoose(total, n1)),
    up: (x) => [big(events - x) * big(n1 - x), big(x + 1) * big(nonEvents - n1 + x + 1)],
    down: (x) => [big(x) * big(nonEvents - n1 + x), big(events - x + 1) * big(n1 - x + 1)],
  });
}
