// Accumulates one (destination, protocol) series: counts by outcome and a latency
// histogram of the successes. A probe is counted when it ends, so probes cut off by
// a stop signal are not mistaken for losses.
import type { ProbeOutcome, ProbeSeries, SeriesWindows } from '../shared/agent-result.ts';
import type { LossEvidence } from './confirmation.ts';
import { LatencyHistogram } from '../shared/histogram.ts';
import { familyOf, hostPort, type NetworkPath, type Protocol } from '../shared/plan.ts';

/** Splits the probing window into fixed windows: probes count in the window they started in. */
export interface WindowClock {
  /** performance.now() at the start of the probing window. */
  originMs: number;
  windowMs: number;
}

export interface ProbeTiming {
  /** performance.now() when the probe started. */
  startedAt: number;
  /**
   * performance.now() when the pacer fired it, inside its window by construction: the window it
   * is counted in. (startedAt can fall a little past the window's end on a loaded node: a GC
   * pause between the pacer's check and the send.)
   */
  firedAt?: number;
  /** Succeeded, but the hard way: a connect after SYN retransmits, a DNS answer at a resolver mark. */
  degraded?: boolean;
}

export class SeriesRecorder {
  readonly latency = new LatencyHistogram();
  attempts = 0;
  successes = 0;
  private readonly outcomes: Record<string, number> = {};
  private readonly windows: SeriesWindows | undefined;
  readonly protocol: Protocol;
  readonly destination: string;
  readonly path: NetworkPath;
  readonly target: string;
  private readonly ipv6: boolean;
  private readonly clock: WindowClock | undefined;

  /** `ip` is the address probed: its family labels the series. */
  constructor(protocol: Protocol, destination: string, path: NetworkPath, ip: string, port: number, clock?: WindowClock) {
    this.protocol = protocol;
    this.destination = destination;
    this.path = path;
    this.ipv6 = familyOf(ip) === 'ipv6';
    this.target = hostPort(ip, port);
    this.clock = clock;
    if (clock) this.windows = { attempts: [], failures: [], degraded: [] };
  }

  record(outcome: ProbeOutcome, latencyMs?: number, timing?: ProbeTiming): void {
    this.attempts++;
    this.outcomes[outcome] = (this.outcomes[outcome] ?? 0) + 1;
    if (this.windows && this.clock) {
      const at = timing?.firedAt ?? timing?.startedAt ?? performance.now();
      const w = Math.max(0, Math.floor((at - this.clock.originMs) / this.clock.windowMs));
      for (const counts of [this.windows.attempts, this.windows.failures, this.windows.degraded]) while (counts.length <= w) counts.push(0);
      this.windows.attempts[w]++;
      if (outcome !== 'ok') this.windows.failures[w]++;
      else if (timing?.degraded) this.windows.degraded[w]++;
    }
    if (outcome === 'ok') {
      this.successes++;
      if (latencyMs !== undefined) this.latency.record(latencyMs);
    }
  }

  /** The counts the stopping rule judges (confirmation.ts), with the protocol's own. */
  evidence(synRetransmits = 0, answeredAtMarks = 0): LossEvidence {
    return { attempts: this.attempts, failures: this.attempts - this.successes, synRetransmits, answeredAtMarks };
  }

  toJSON(): ProbeSeries {
    return {
      protocol: this.protocol,
      destination: this.destination,
      path: this.path,
      ...(this.ipv6 && { family: 'ipv6' as const }),
      target: this.target,
      attempts: this.attempts,
      successes: this.successes,
      latency: this.latency.toJSON(),
      outcomes: { ...this.outcomes },
      ...(this.windows && { windows: { attempts: [...this.windows.attempts], failures: [...this.windows.failures], degraded: [...this.windows.degraded] } }),
    };
  }
}

/** Milliseconds since `start` (a performance.now() value), at sub-ms resolution. */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
