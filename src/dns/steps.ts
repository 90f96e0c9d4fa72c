// The loaders' steps added up: step i of every loader ran over the same wall-clock
// interval (the plan's startAt), so their offered rates add up to the step's total.
import type { DnsLoadResult } from '../shared/dns-load.ts';
import { LatencyHistogram } from '../shared/histogram.ts';

export interface LoadStep {
  /** 1-based. */
  step: number;
  /** Loaders that ran this step (one that stopped early has fewer). */
  loaders: number;
  offeredQps: number;
  planned: number;
  /** Answered on the first send: what a client gets without waiting for a resend. */
  answeredFirstSend: number;
  answeredQps: number;
  /** answeredFirstSend / planned. */
  answeredRatio: number;
  /** Answered only after a resend, at the resolver-timeout marks (~5 s). */
  answeredAtResolverMarks: number;
  timeouts: number;
  /** Not sent (outstanding bound) or failed on the socket. */
  unsent: number;
  errors: Record<string, number>;
  rcodes: Record<string, number>;
  p50Ms: number | null;
  p99Ms: number | null;
}

export function addUpSteps(results: readonly DnsLoadResult[]): LoadStep[] {
  const count = Math.max(0, ...results.map((r) => r.steps.length));
  return Array.from({ length: count }, (_, i) => {
    const parts = results.map((r) => r.steps[i]).filter((s) => s !== undefined);
    const latency = new LatencyHistogram();
    const errors: Record<string, number> = {};
    const rcodes: Record<string, number> = {};
    let planned = 0, answered = 0, marks = 0, timeouts = 0, unsent = 0, offeredQps = 0;
    for (const s of parts) {
      planned += s.planned;
      answered += s.answered;
      marks += s.answeredAtResolverMarks.reduce((a, b) => a + b, 0);
      timeouts += s.timeouts;
      unsent += s.unsent;
      offeredQps += s.offeredQps;
      addCounts(errors, s.errors);
      addCounts(rcodes, s.rcodes);
      latency.merge(LatencyHistogram.fromJSON(s.latency));
    }
    const answeredFirstSend = answered - marks;
    const seconds = (parts[0]?.durationMs ?? 1000) / 1000;
    return {
      step: i + 1,
      loaders: parts.length,
      offeredQps,
      planned,
      answeredFirstSend,
      answeredQps: answeredFirstSend / seconds,
      answeredRatio: planned ? answeredFirstSend / planned : 0,
      answeredAtResolverMarks: marks,
      timeouts,
      unsent,
      errors,
      rcodes,
      p50Ms: latency.quantile(0.5),
      p99Ms: latency.quantile(0.99),
    };
  });
}

function addCounts(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) into[key] = (into[key] ?? 0) + n;
}
