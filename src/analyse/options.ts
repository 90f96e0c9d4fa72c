// Every threshold the findings are judged by, with the reason for its default.
import type { Thresholds } from '../shared/report.ts';

export const DEFAULT_THRESHOLDS: Thresholds = {
  // Healthy data-centre networks drop ~1e-4..1e-5 of packets (Pingmesh, SIGCOMM 2015,
  // §5); 0.5 % is fifty times that: a fault, not background loss (foundation issue default).
  lossRatio: 0.005,
  // 5 % loss breaks TCP throughput and makes one in twenty connects wait a full RTO.
  criticalLossRatio: 0.05,
  // An N-node matrix makes N² tests; at 95 % each a clean 100-node run would flag hundreds
  // of pairs. e-BH at 5 % keeps the expected share of false flags at 5 % (and the chance of
  // any flag on a clean matrix at 5 %), whenever each pair's probing stopped.
  falseDiscoveryRate: 0.05,
  // A clear pair is one shown below the threshold: one in twenty pairs whose loss is really
  // at the threshold may be cleared (the "95 %" of a one-sided interval). Clearing is per
  // pair, not across the run: a false clear hides one pair, it does not add a finding, and
  // a run-wide correction would need thousands of probes per pair to clear any.
  falseClearRate: 0.05,
  // Healthy pairs' p99s spread within a small factor of each other (Pingmesh §5 reports
  // P99 ~1-2 ms inside a data centre); 3× the median pair and at least 5 ms more than it
  // keeps sub-millisecond jitter on fast networks quiet.
  latencyFactor: 3,
  latencyMarginMs: 5,
  // Below ~20 samples "p99" is just the maximum of a handful.
  minLatencySamples: 20,
  // A row, column or block is a pattern when 80 % of its pairs are elevated: tolerant of
  // a pair whose interval did not quite clear the threshold on a short run.
  patternShare: 0.8,
};

/** What a flagged p99 means: more than 1 % of the pair's samples above the limit. */
export const P99_TAIL_SHARE = 0.01;

export function resolveThresholds(overrides: Partial<Thresholds> = {}): Thresholds {
  return { ...DEFAULT_THRESHOLDS, ...overrides };
}
