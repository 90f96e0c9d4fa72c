// The confirmation scheduler on a clock of the test's own: who gets the extra probes, how many,
// how fast, and when it stops. (test/agent/confirmation-faults.test.ts runs it on real sockets.)
import { ConfirmationScheduler, JudgedSeries, lossMeasures, verdictOf, type LossEvidence, type ProbeBlock, type Timers } from '../../src/agent/confirmation.ts';
import type { ProbeSeries } from '../../src/shared/agent-result.ts';
import type { ConfirmPlan } from '../../src/shared/plan.ts';
import { judge, type EvidenceRule } from '../../src/shared/sequential-test.ts';
import { seededRandom } from '../support/agent-results.ts';

/** A discrete-event clock: timers fire in time order, promises settle between them. */
class FakeTimers implements Timers {
  private t = 0;
  private nextId = 1;
  private readonly pending = new Map<number, { at: number; fn: () => void }>();
  now(): number { return this.t; }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.nextId++;
    this.pending.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void { this.pending.delete(handle as number); }
  /** Runs timers until none is left before `untilMs`, and moves the clock there. */
  async run(untilMs: number): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      let first: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.pending) if (!first || entry[1].at < first[1].at) first = entry;
      if (!first || first[1].at > untilMs) {
        if (Number.isFinite(untilMs)) this.t = Math.max(this.t, untilMs);
        return;
      }
      this.pending.delete(first[0]);
      this.t = first[1].at;
      first[1].fn();
    }
  }
}

/** A block whose probes take 1 ms and fail at the ratio `loss` exactly (4 of 10 at 0.4); it notes when each started. */
function fakeBlock(timers: FakeTimers, loss: number, startedAt: number[]): ProbeBlock {
  const e: LossEvidence = { attempts: 0, failures: 0, synRetransmits: 0, answeredAtMarks: 0 };
  return {
    probe: () => new Promise((resolve) => {
      startedAt.push(timers.now());
      timers.setTimeout(() => {
        e.attempts++;
        if (Math.round(e.attempts * loss) > e.failures) e.failures++;
        resolve();
      }, 1);
    }),
    evidence: () => ({ ...e }),
    toSeries: () => ({ attempts: e.attempts, successes: e.attempts - e.failures } as ProbeSeries),
  };
}

const RULE: EvidenceRule = { threshold: 0.005, flagAt: 400, clearAt: 20 };

interface Setup { series: JudgedSeries[]; confirmStarts: number[][]; scheduler: ConfirmationScheduler; timers: FakeTimers; startedAt: number }

/** Series with these losses, `mainProbes` main-window probes each (ending at 0 ms), then confirmation from 0 ms. */
async function confirming(losses: number[], plan: Partial<ConfirmPlan>, mainProbes = 10, seed = 1): Promise<Setup> {
  const timers = new FakeTimers();
  const random = seededRandom(seed);
  const confirmStarts = losses.map(() => [] as number[]);
  const series = losses.map((loss, i) => new JudgedSeries(fakeBlock(timers, loss, []), () => fakeBlock(timers, loss, confirmStarts[i]), 'udp', false, RULE, 0));
  for (const s of series) for (let p = 0; p < mainProbes; p++) { const probe = s.probeMain(performance.now()); await timers.run(Infinity); await probe; }
  const full: ConfirmPlan = { maxMs: 10_000, ratePerSecond: 10, maxProbesPerSecond: 100, maxProbesPerSeries: 10_000, rule: RULE, ...plan };
  const startedAt = timers.now();
  const scheduler = new ConfirmationScheduler(series, full, 0, timers, random);
  series.forEach((s) => { s.endMain(); scheduler.wake(); });
  return { series, confirmStarts, scheduler, timers, startedAt };
}

describe('the stopping rule', () => {
  test('loss, SYN loss and resolver marks are the measures; any flagged flags, all clear clears', () => {
    const e = { attempts: 100, failures: 1, synRetransmits: 4, answeredAtMarks: 2 };
    expect(lossMeasures(e, 'tcp', false)).toEqual([[1, 100], [4, 104]]);
    expect(lossMeasures(e, 'dns', true)).toEqual([[1, 100], [2, 100]]);
    expect(lossMeasures(e, 'udp', false)).toEqual([[1, 100]]);
    const loose: EvidenceRule = { threshold: 0.1, flagAt: 20, clearAt: 20 };
    expect(verdictOf([[0, 200], [60, 200]], loose)).toBe('flagged');
    expect(verdictOf([[0, 200], [0, 200]], loose)).toBe('clear');
    expect(verdictOf([[0, 200], [20, 200]], loose)).toBe('inconclusive');
    expect(verdictOf([[0, 0]], loose)).toBe('inconclusive');
  });
});

describe('the confirmation scheduler', () => {
  test('the budget holds: all series together within maxProbesPerSecond, each within its rate and maxMs', async () => {
    // 20 clean series want 10/s each (200/s); the agent may spend 50/s for 2 s.
    const { scheduler, confirmStarts, timers, startedAt } = await confirming(new Array(20).fill(0), { maxMs: 2000, ratePerSecond: 10, maxProbesPerSecond: 50 });
    await timers.run(Infinity);
    await scheduler.done;
    const all = confirmStarts.flat().map((t) => t - startedAt).sort((a, b) => a - b);
    expect(all.length).toBe(scheduler.started);
    expect(all.length).toBeGreaterThan(0.8 * 50 * 2);
    expect(all.length).toBeLessThanOrEqual(50 * 2 + 1);
    expect(Math.max(...all)).toBeLessThan(2000);
    // Any second of it: at most 50 (+1 banked).
    for (const from of all) expect(all.filter((t) => t >= from && t < from + 1000).length).toBeLessThanOrEqual(51);
    // Each series at most 10/s: its starts at least 100 ms apart.
    for (const starts of confirmStarts) starts.slice(1).forEach((t, i) => expect(t - starts[i]).toBeGreaterThanOrEqual(100));
    // Shared evenly enough: every series had some.
    expect(confirmStarts.every((s) => s.length >= 2)).toBe(true);
  });

  test('trouble first: a lossy series takes the budget until it is flagged, then the clean ones', async () => {
    // One probe a second for the whole agent; series 3 loses 10 % (1 of its 10 main probes: inconclusive; flagged after ~35).
    const losses = [0, 0, 0, 0.1, 0];
    const { series, scheduler, confirmStarts, timers } = await confirming(losses, { maxMs: 60_000, ratePerSecond: 1, maxProbesPerSecond: 1 }, 10);
    const lossy = series[3];
    expect(lossy.verdict).toBe('inconclusive');
    expect(lossy.trouble()).toBeGreaterThan(0);
    await timers.run(Infinity);
    await scheduler.done;
    expect(lossy.verdict).toBe('flagged');
    const flaggedBy = confirmStarts[3].at(-1)!;
    // Nothing else was probed before it was decided …
    for (const i of [0, 1, 2, 4]) expect(confirmStarts[i].every((t) => t > flaggedBy)).toBe(true);
    // … and it got no probe after (the one that decided it was its last).
    expect(confirmStarts[3].length).toBe(lossy.confirmProbes);
    expect(confirmStarts.flat().filter((t) => t <= flaggedBy)).toHaveLength(confirmStarts[3].length);
    expect(confirmStarts[0].length).toBeGreaterThan(0);
  });

  test('a clean series stops once clear; the scheduler ends when nothing is left to decide', async () => {
    const loose: Partial<ConfirmPlan> = { maxMs: 600_000, ratePerSecond: 50, maxProbesPerSecond: 1000 };
    const { series, scheduler, confirmStarts, timers, startedAt } = await confirming([0, 0], loose, 0);
    await timers.run(Infinity);
    await scheduler.done;
    // Clearing at 0.5 % with clearAt 20 takes the probes judge says, to the probe.
    let needed = 0;
    while (judge(0, needed, RULE).verdict !== 'clear') needed++;
    for (const [i, s] of series.entries()) {
      expect(s.verdict).toBe('clear');
      expect(confirmStarts[i]).toHaveLength(needed);
    }
    // Done long before maxMs: at 50/s, needed/50 s.
    expect(timers.now() - startedAt).toBeLessThan((needed / 50) * 1000 + 100);
  });

  test('maxProbesPerSeries caps each series; one decided in its main window gets none', async () => {
    const { series, scheduler, confirmStarts, timers } = await confirming([0, 1], { maxProbesPerSeries: 7, maxMs: 100_000 }, 30);
    expect(series[1].verdict).toBe('flagged');
    await timers.run(Infinity);
    await scheduler.done;
    expect(confirmStarts[0]).toHaveLength(7);
    expect(series[0].verdict).toBe('inconclusive');
    expect(confirmStarts[1]).toHaveLength(0);
    expect(series[1].toSeries().confirmation).toBeUndefined();
    expect(series[0].toSeries().confirmation?.attempts).toBe(7);
  });

  test('a series whose main window ends late is confirmed from then on; stop() ends at once', async () => {
    const timers = new FakeTimers();
    const random = seededRandom(3);
    const starts: number[] = [];
    const late = new JudgedSeries(fakeBlock(timers, 0, []), () => fakeBlock(timers, 0, starts), 'tcp', false, RULE, 0);
    const scheduler = new ConfirmationScheduler([late], { maxMs: 10_000, ratePerSecond: 10, maxProbesPerSecond: 10, maxProbesPerSeries: 100, rule: RULE }, 0, timers, random);
    await timers.run(3000);
    expect(starts).toHaveLength(0);
    late.endMain();
    scheduler.wake();
    await timers.run(5000);
    expect(starts.length).toBeGreaterThanOrEqual(19);
    expect(Math.min(...starts)).toBeGreaterThanOrEqual(3000);
    scheduler.stop();
    await scheduler.done;
    const stoppedWith = starts.length;
    await timers.run(Infinity);
    expect(starts).toHaveLength(stoppedWith);
  });
});
