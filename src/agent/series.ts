// Accumulates one (destination, protocol) series: counts by outcome and a latency
// histogram of the successes. A probe is counted when it ends, so probes cut off by
// a stop signal are not mistaken for losses.
import type { ProbeOutcome, ProbeSeries } from '../shared/agent-result.ts';
import { LatencyHistogram } from '../shared/histogram.ts';
import type { NetworkPath, Protocol } from '../shared/plan.ts';

export class SeriesRecorder {
  readonly latency = new LatencyHistogram();
  attempts = 0;
  successes = 0;
  private readonly outcomes: Record<string, number> = {};
  readonly protocol: Protocol;
  readonly destination: string;
  readonly path: NetworkPath;
  readonly target: string;

  constructor(protocol: Protocol, destination: string, path: NetworkPath, target: string) {
    this.protocol = protocol;
    this.destination = destination;
    this.path = path;
    this.target = target;
  }

  record(outcome: ProbeOutcome, latencyMs?: number): void {
    this.attempts++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    if (outcome === 'ok') {
      this.successes++;
      if (latencyMs !== undefined) this.latency.record(latencyMs);
    }
  }

  toJSON(): ProbeSeries {
    return {
      protocol: this.protocol,
      destination: this.destination,
      path: this.path,
      target: this.target,
      attempts: this.attempts,
      successes: this.successes,
      latency: this.latency.toJSON(),
      outcomes: { ...this.outcomes },
    };
  }
}

/** Milliseconds since `start` (a performance.now() value), at sub-ms resolution. */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
