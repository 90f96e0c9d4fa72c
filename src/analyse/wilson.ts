// Wilson score interval for a binomial proportion (Wilson 1927; Newcombe, "Two-sided
// confidence intervals for the single proportion", Stat. Med. 1998, method 3). Unlike
// the normal approximation it stays inside [0, 1] and is honest at k = 0 and small n,
// which is the usual case here: tens to hundreds of probes, few or no failures.
import type { ProportionInterval } from '../shared/report.ts';

/** Two-sided 95 %: the normal quantile 1 - 0.05/2. */
const Z_95 = 1.959963984540054;

export interface Proportion {
  ratio: number;
  low: number;
  high: number;
}

export function wilsonInterval(k: number, n: number): Proportion {
  const z = Z_95;
  if (!(n > 0) || k < 0 || k > n) throw new RangeError(`wilsonInterval needs 0 <= k <= n and n > 0, got k=${k} n=${n}`);
  const p = k / n;
  const z2 = z * z;
  const denominator = 1 + z2 / n;
  const centre = (p + z2 / (2 * n)) / denominator;
  const halfWidth = (z / denominator) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  // Clamp rounding at the edges: k = 0 gives exactly 0, k = n exactly 1.
  return { ratio: p, low: k === 0 ? 0 : Math.max(0, centre - halfWidth), high: k === n ? 1 : Math.min(1, centre + halfWidth) };
}

/** The report form: all null when nothing was attempted. */
export function proportionInterval(k: number, n: number): ProportionInterval {
  return n > 0 ? wilsonInterval(k, n) : { ratio: null, low: null, high: null };
}
