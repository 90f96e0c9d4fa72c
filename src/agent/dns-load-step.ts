// One step of the ramp, counted as its queries end. A query counts in the step it was
// first sent in, however late its answer comes (a 5 s answer belongs to the rate that caused it).
import type { DnsLoadStep } from '../shared/dns-load.ts';
import { LatencyHistogram } from '../shared/histogram.ts';
import type { DnsExchange } from './dns-exchange.ts';

export class StepCounter {
  readonly offeredQps: number;
  readonly durationMs: number;
  planned = 0;
  sent = 0;
  unsent = 0;
  answered = 0;
  timeouts = 0;
  inFlight = 0;
  private readonly marks: number[];
  private readonly errors: Record<string, number> = {};
  private readonly rcodes: Record<string, number> = {};
  private readonly latency = new LatencyHistogram();

  constructor(offeredQps: number, durationMs: number, resolverAttempts: number) {
    this.offeredQps = offeredQps;
    this.durationMs = durationMs;
    this.marks = new Array(resolverAttempts - 1).fill(0);
  }

  /** Queries due by `elapsedMs` into the step: the rate's share, never more than the step's total. */
  dueBy(elapsedMs: number): number {
    return Math.floor((this.offeredQps * Math.min(elapsedMs, this.durationMs)) / 1000);
  }

  record({ outcome, latencyMs, sends, rcodes }: DnsExchange): void {
    this.inFlight--;
    if (outcome === 'timeout') this.timeouts++;
    else if (outcome !== 'ok') this.errors[outcome] = (this.errors[outcome] ?? 0) + 1;
    if (outcome !== 'ok') return;
    this.answered++;
    if (sends > 1) this.marks[sends - 2]++;
    for (const r of rcodes) this.rcodes[r] = (this.rcodes[r] ?? 0) + 1;
    if (latencyMs !== undefined) this.latency.record(latencyMs);
  }

  /** Share of the planned queries not answered on their first send (so far). */
  lossRatio(): number {
    if (this.planned === 0) return 0;
    const firstSend = this.answered - this.marks.reduce((a, b) => a + b, 0);
    return 1 - firstSend / this.planned;
  }

  toJSON(): DnsLoadStep {
    return {
      offeredQps: this.offeredQps,
      durationMs: this.durationMs,
      planned: this.planned,
      sent: this.sent,
      unsent: this.unsent,
      answered: this.answered,
      answeredAtResolverMarks: [...this.marks],
      timeouts: this.timeouts,
      errors: { ...this.errors },
      abandoned: this.inFlight,
      rcodes: { ...this.rcodes },
      latency: this.latency.toJSON(),
    };
  }
}
