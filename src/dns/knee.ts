// The knee of the ramp, as resperf(1) reads its plot: the query rate up to which the
// response rate follows the query rate; past it the server drops or delays queries.
// Here: the last step of the leading run of clean steps, a step being clean when at
// most `lossThreshold` of its queries went unanswered on their first send (lost, timed
// out, answered only at the 5 s resend mark, or not sent for the outstanding bound).
// The first unclean step ends the run even if a later step looks clean again: capacity
// that comes and goes is not capacity.
import type { LoadStep } from './steps.ts';

export type KneeVerdict =
  /** A clean step, then an unclean one: the knee lies between them. */
  | 'knee'
  /** Every step was clean: the capacity is at least the last step's rate. */
  | 'none-up-to-max'
  /** The first step already lost queries: the capacity is below it. */
  | 'below-first-step';

export interface Knee {
  verdict: KneeVerdict;
  /** The last clean step's offered rate (total over the loaders), or null below the first step. */
  qps: number | null;
  /** Its 1-based step number. */
  step: number | null;
}

export function isClean(step: Pick<LoadStep, 'planned' | 'answeredFirstSend'>, lossThreshold: number): boolean {
  return step.planned > 0 && (step.planned - step.answeredFirstSend) / step.planned <= lossThreshold;
}

export function findKnee(steps: readonly LoadStep[], lossThreshold: number): Knee {
  const firstUnclean = steps.findIndex((s) => !isClean(s, lossThreshold));
  if (firstUnclean === 0 || steps.length === 0) return { verdict: 'below-first-step', qps: null, step: null };
  const last = steps[(firstUnclean === -1 ? steps.length : firstUnclean) - 1];
  return { verdict: firstUnclean === -1 ? 'none-up-to-max' : 'knee', qps: last.offeredQps, step: last.step };
}
