// Random counts for the tail-probability property tests: seeded (seededRandom) so a failure
// names a seed and case that reproduce, spread over 1 to 10^6 trials and over the body and
// the far tails of each distribution.
import { seededRandom } from './agent-results.ts';

export interface CountSource {
  /** Log-uniform in [lo, hi]. */
  logUniform(lo: number, hi: number): number;
  /** Log-uniform whole number of trials in [1, max]. */
  trials(max: number): number;
  /** A rate: mostly small (loss rates), sometimes close to 1. */
  rate(): number;
  /** round(n·rate + z·sd), z standard normal times `spread`, clamped to [0, n]. */
  countNear(n: number, rate: number, spread: number): number;
  chance(p: number): boolean;
}

export function countSource(seed: number): CountSource {
  const random = seededRandom(seed);
  const logUniform = (lo: number, hi: number) => Math.exp(Math.log(lo) + random() * (Math.log(hi) - Math.log(lo)));
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return {
    logUniform,
    trials: (max) => Math.round(logUniform(1, max)),
    rate: () => (random() < 0.85 ? logUniform(1e-6, 0.5) : 1 - logUniform(1e-6, 0.5)),
    countNear: (n, rate, spread) => Math.min(n, Math.max(0, Math.round(n * rate + spread * gaussian() * Math.sqrt(n * rate * (1 - rate))))),
    chance: (p) => random() < p,
  };
}
