// How much of the kubelet's log the agent's interim results take: under the budget however long
// the run, so that they never make the log rotate (src/agent/output.ts), and spread over the run
// so that a Ctrl-C late in it still reports most of it.
import { INTERIM_BUDGET_BYTES, InterimBudget } from '../../src/agent/output.ts';

/** Which windows' interim results a run of `windows` windows prints, when the one after window w takes `size(w)` bytes. */
function printed(windows: number, size: (w: number) => number): { windows: number[]; bytes: number } {
  const budget = new InterimBudget();
  const out: number[] = [];
  let bytes = 0;
  for (let w = 0; w < windows; w++) {
    if (!budget.allows(size(w), w, windows)) continue;
    out.push(w);
    bytes += size(w);
  }
  return { windows: out, bytes };
}

describe('interim results and the log', () => {
  test('a short run prints every window', () => {
    // 10 peers × tcp/udp, 10 windows: a few KB each.
    expect(printed(10, (w) => 20_000 + w * 120).windows).toHaveLength(10);
  });

  test('8 h at 1 min windows with 50 peers: interim results stay under the budget, spread over the run', () => {
    const windows = 480;
    // Cumulative documents: ~2.5 KB of histograms per series, and each series' three per-window counts (100 series × ~6 bytes a window).
    const size = (w: number) => 250_000 + w * 600;
    const { windows: out, bytes } = printed(windows, size);
    expect(bytes).toBeLessThanOrEqual(INTERIM_BUDGET_BYTES);
    // All of them would take 189 MB: far past the 10 MiB at which the kubelet rotates.
    expect(Array.from({ length: windows }, (_, w) => size(w)).reduce((a, b) => a + b, 0)).toBeGreaterThan(1.8e8);
    // A Ctrl-C loses at most the windows since the last one printed: here under an hour of the eight.
    const gaps = [out[0] + 1, ...out.slice(1).map((w, i) => w - out[i]), windows - 1 - out.at(-1)!];
    expect(Math.max(...gaps)).toBeLessThan(60);
  });
});
