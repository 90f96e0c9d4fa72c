// Confirmation probing (plan.confirm): after the main window, the series whose loss-like verdict
// the stopping rule has not decided get extra probes, those with trouble first, within the
// agent's budget, each until it is decided. The rule is the anytime-valid test of
// src/shared/sequential-test.ts, so stopping once it decides costs no error rate (deTector,
// ATC '17, confirms each loss with extra probes likewise). The agent only stops; the analysis
// decides every verdict from the counts. Confirmation probes are counted apart (the series'
// `confirmation`), so the main window's timeline and percentiles stay as measured.
import type { ConfirmationCounts, ProbeSeries } from '../shared/agent-result.ts';
import type { ConfirmPlan } from '../shared/plan.ts';
import { judge, type EvidenceRule, type Verdict } from '../shared/sequential-test.ts';

/** The counts of one block of probes (main window or confirmation) that the stopping rule judges. */
export interface LossEvidence {
  attempts: number;
  failures: number;
  /** TCP: SYNs retransmitted (SYNs sent = attempts + these). */
  synRetransmits: number;
  /** DNS A+AAAA: lookups answered only after a resend, at a resolver-timeout mark. */
  answeredAtMarks: number;
}

/** One prober and the counts it keeps: a series' main window, or its confirmation. */
export interface ProbeBlock {
  /** `firedAt`: when the pacer sent it off, the time its window is counted by. */
  probe(firedAt?: number): Promise<void>;
  evidence(): LossEvidence;
  toSeries(): ProbeSeries;
  close?(): void;
}

/** The loss-like measures (PHASE-B §1) as [k, n]: loss; TCP SYN loss; DNS A+AAAA answers at resolver marks. */
export function lossMeasures(e: LossEvidence, protocol: ProbeSeries['protocol'], resolverMarks: boolean): [number, number][] {
  const measures: [number, number][] = [[e.failures, e.attempts]];
  if (protocol === 'tcp') measures.push([e.synRetransmits, e.attempts + e.synRetransmits]);
  if (resolverMarks) measures.push([e.answeredAtMarks, e.attempts]);
  return measures;
}

/** Flagged when a measure is, clear when every one is, else inconclusive (how the analysis reads a pair). */
export function verdictOf(measures: readonly [number, number][], rule: EvidenceRule): Verdict {
  let clear = true;
  for (const [k, n] of measures) {
    const verdict = judge(k, n, rule).verdict;
    if (verdict === 'flagged') return 'flagged';
    if (verdict !== 'clear') clear = false;
  }
  return clear ? 'clear' : 'inconclusive';
}

function added(a: LossEvidence, b: LossEvidence | undefined): LossEvidence {
  if (!b) return a;
  return { attempts: a.attempts + b.attempts, failures: a.failures + b.failures, synRetransmits: a.synRetransmits + b.synRetransmits, answeredAtMarks: a.answeredAtMarks + b.answeredAtMarks };
}

/**
 * A series judged by the stopping rule: its main block, a confirmation block made when first
 * needed, and when the rule first decided it. Judged only when its counts changed (a probe
 * ended): judge() is ~1 µs, but a run has thousands of series.
 */
export class JudgedSeries {
  readonly main: ProbeBlock;
  /** ms since the probing start when the rule first decided (null: not yet). */
  decidedAtMs: number | null = null;
  verdict: Verdict = 'inconclusive';
  mainDone = false;
  /** Confirmation probes started. */
  confirmProbes = 0;
  /** performance.now() before which no further confirmation probe starts (its per-series rate). */
  nextConfirmAt = 0;
  private confirmBlock: ProbeBlock | undefined;
  private confirmFrom = 0;
  private confirmUntil = 0;
  private readonly makeConfirmBlock: () => ProbeBlock;
  private readonly rule: EvidenceRule | undefined;
  private readonly originMs: number;
  private readonly protocol: ProbeSeries['protocol'];
  private readonly resolverMarks: boolean;

  /**
   * `makeConfirmBlock`: a prober like the main one with counts of its own (and no windows), made
   * once confirming starts; `originMs`: performance.now() at the probing start; `rule` absent:
   * nothing is judged. `resolverMarks`: DNS A+AAAA, whose answers at a resend are a measure.
   */
  constructor(main: ProbeBlock, makeConfirmBlock: () => ProbeBlock, protocol: ProbeSeries['protocol'], resolverMarks: boolean, rule: EvidenceRule | undefined, originMs: number) {
    this.main = main;
    this.makeConfirmBlock = makeConfirmBlock;
    this.protocol = protocol;
    this.resolverMarks = resolverMarks;
    this.rule = rule;
    this.originMs = originMs;
  }

  async probeMain(firedAt: number): Promise<void> {
    await this.main.probe(firedAt);
    // Until first decided, for decidedAfterMs; the main window's verdict is judged again at its end.
    if (this.decidedAtMs === null) this.judge();
  }

  /** The main window's probes have all ended. */
  endMain(): void {
    this.mainDone = true;
    this.judge();
  }

  /** Probes sent and failed and the like, over both blocks: the "trouble first" order. */
  trouble(): number {
    const e = added(this.main.evidence(), this.confirmBlock?.evidence());
    return e.failures + e.synRetransmits + e.answeredAtMarks;
  }

  async probeConfirm(): Promise<void> {
    this.confirmBlock ??= this.makeConfirmBlock();
    if (this.confirmProbes++ === 0) this.confirmFrom = performance.now();
    await this.confirmBlock.probe();
    this.confirmUntil = Math.max(this.confirmUntil, performance.now());
    if (this.verdict === 'inconclusive') this.judge();
  }

  private judge(): void {
    if (!this.rule) return;
    const evidence = added(this.main.evidence(), this.confirmBlock?.evidence());
    this.verdict = verdictOf(lossMeasures(evidence, this.protocol, this.resolverMarks), this.rule);
    if (this.verdict !== 'inconclusive' && this.decidedAtMs === null) this.decidedAtMs = performance.now() - this.originMs;
  }

  toSeries(): ProbeSeries {
    const series = this.main.toSeries();
    if (this.confirmBlock) {
      const { attempts, successes, latency, outcomes, tcp, udp, dns } = this.confirmBlock.toSeries();
      const confirmation: ConfirmationCounts = {
        attempts, successes, latency, outcomes, ...(tcp && { tcp }), ...(udp && { udp }), ...(dns && { dns }),
        durationMs: Math.max(0, this.confirmUntil - this.confirmFrom),
      };
      series.confirmation = confirmation;
    }
    if (this.rule) series.decidedAfterMs = this.decidedAtMs;
    return series;
  }

  close(): void {
    this.main.close?.();
    this.confirmBlock?.close?.();
  }
}

/** The timers the scheduler runs on (injectable, so a test can drive it on a clock of its own). */
export interface Timers {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const REAL_TIMERS: Timers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
};

/** Budget ticks no closer than this: at 1,000 probes/s a tick starts ~10 of them, not one timer each. */
const MIN_TICK_MS = 10;
/** Ticks come up to this much later than due (never earlier), so agents that start confirming together do not stay in step. */
const JITTER = 0.2;

/**
 * Starts confirmation probes from `startInMs` on (the main window's end) for at most
 * plan.maxMs: tokens accrue at maxProbesPerSecond (at most one tick's worth banked), each tick
 * spends them on the series still undecided whose own rate allows a probe, most trouble first,
 * then the longest waiting. Ends early once no series can be confirmed any more; `done`
 * resolves when the last probe started has ended.
 */
export class ConfirmationScheduler {
  readonly done: Promise<void>;
  /** Confirmation probes started, over all series. */
  started = 0;
  private readonly series: readonly JudgedSeries[];
  private readonly plan: ConfirmPlan;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly tickMs: number;
  private readonly seriesIntervalMs: number;
  private readonly inFlight = new Set<Promise<void>>();
  private tokens = 0;
  private lastTickAt = 0;
  private deadline = Infinity;
  private timer: unknown;
  private running = false;
  private finished = false;
  private finish!: () => void;

  constructor(series: readonly JudgedSeries[], plan: ConfirmPlan, startInMs: number, timers: Timers = REAL_TIMERS, random = Math.random) {
    this.series = series;
    this.plan = plan;
    this.timers = timers;
    this.random = random;
    this.tickMs = Math.max(MIN_TICK_MS, 1000 / plan.maxProbesPerSecond);
    this.seriesIntervalMs = 1000 / plan.ratePerSecond;
    const ended = new Promise<void>((resolve) => (this.finish = resolve));
    this.done = ended.then(() => Promise.all(this.inFlight)).then(() => {});
    this.timer = timers.setTimeout(() => this.begin(), startInMs);
  }

  private begin(): void {
    this.running = true;
    this.lastTickAt = this.timers.now();
    this.deadline = this.lastTickAt + this.plan.maxMs;
    this.tokens = 1;
    // The first tick at a random point of the first interval: agents that start together spread out.
    this.timer = this.timers.setTimeout(() => this.tick(), this.tickMs * this.random());
  }

  /** A series' main window ended: it may need confirming now. */
  wake(): void {
    if (!this.running || this.finished) return;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.tick();
  }

  /** Ends confirming now; probes in flight are abandoned. */
  stop(): void {
    this.inFlight.clear();
    this.end();
  }

  private end(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    this.finish();
  }

  private confirmable(s: JudgedSeries): boolean {
    return s.mainDone && s.verdict === 'inconclusive' && s.confirmProbes < this.plan.maxProbesPerSeries;
  }

  private tick(): void {
    this.timer = undefined;
    const now = this.timers.now();
    if (now >= this.deadline) return this.end();
    const bank = Math.max(1, (this.plan.maxProbesPerSecond * this.tickMs) / 1000);
    this.tokens = Math.min(bank, this.tokens + ((now - this.lastTickAt) * this.plan.maxProbesPerSecond) / 1000);
    this.lastTickAt = now;
    for (;;) {
      let best: JudgedSeries | undefined;
      let bestTrouble = -1;
      let candidates = 0;
      let waitingUntil = Infinity;
      for (const s of this.series) {
        if (!this.confirmable(s)) continue;
        candidates++;
        if (s.nextConfirmAt > now) {
          waitingUntil = Math.min(waitingUntil, s.nextConfirmAt);
          continue;
        }
        const trouble = s.trouble();
        if (trouble > bestTrouble || (trouble === bestTrouble && s.nextConfirmAt < best!.nextConfirmAt)) {
          best = s;
          bestTrouble = trouble;
        }
      }
      if (candidates === 0) {
        // Every series decided or out of probes: done, unless a main window is still to end (wake).
        if (this.series.every((s) => s.mainDone)) this.end();
        return;
      }
      if (best && this.tokens >= 1) {
        this.tokens -= 1;
        this.started++;
        best.nextConfirmAt = now + this.seriesIntervalMs;
        const probe = best.probeConfirm().finally(() => this.inFlight.delete(probe));
        this.inFlight.add(probe);
        continue;
      }
      // Out of tokens: the next tick banks one; else the first series whose own rate allows a probe.
      const due = best ? this.tickMs * (1 + JITTER * this.random()) : waitingUntil - now;
      this.timer = this.timers.setTimeout(() => this.tick(), Math.min(due, this.deadline - now));
      return;
    }
  }
}
