// Bursts over time: found only when a window is beyond chance, and scoped by where they struck.
import { timeline } from '../../src/analyse/timeline.ts';
import { Measurements } from '../../src/analyse/measurements.ts';
import { matrixResults, nodeNames, windowedPair } from '../support/agent-results.ts';

const WINDOWS = 10;
const TIMING = { timeline: { originAt: '2026-01-01T00:00:00.000Z', windowMs: 60_000 } };
const nodes = nodeNames(6);

/** Lost probes per window for one pair: `base` everywhere, `extra` more in window `at`. */
function losses(base: (w: number) => number, at = -1, extra = 0): number[] {
  return Array.from({ length: WINDOWS }, (_, w) => base(w) + (w === at ? extra : 0));
}

test('stray losses spread over time are no burst', () => {
  const results = matrixResults(nodes, ['udp'], (s, d) => windowedPair(60, losses((w) => ((nodes.indexOf(s) * 7 + nodes.indexOf(d) * 3 + w) % 23 === 0 ? 1 : 0))), () => TIMING);
  expect(timeline(Measurements.of(results).windowed())!.bursts).toEqual([]);
});

test('every pair into one node failing for one window is that node\'s burst, though every source was hit', () => {
  const results = matrixResults(nodes, ['udp'], (_s, d) => windowedPair(60, losses(() => 0, 4, d === 'node-3' ? 30 : 0)), () => TIMING);
  const bursts = timeline(Measurements.of(results).windowed())!.bursts;
  expect(bursts).toHaveLength(1);
  expect(bursts[0]).toMatchObject({ window: 4, scope: 'node', node: 'node-3' });
});

test('every pair failing in one window is cluster-wide; a stray loss elsewhere does not make a source hit', () => {
  const results = matrixResults(nodes, ['udp'], () => windowedPair(60, losses(() => 0, 7, 20)), () => TIMING);
  const bursts = timeline(Measurements.of(results).windowed())!.bursts;
  expect(bursts.map((b) => [b.window, b.scope, b.sourcesHit])).toEqual([[7, 'cluster-wide', 6]]);
  const strayOnly = matrixResults(nodes, ['udp'], (s, d) => windowedPair(60, losses(() => 0, 7, s === 'node-1' ? 20 : s === 'node-2' && d === 'node-5' ? 1 : 0)), () => TIMING);
  expect(timeline(Measurements.of(strayOnly).windowed())!.bursts[0]).toMatchObject({ window: 7, scope: 'node', node: 'node-1', sourcesHit: 1 });
});

test('a large burst does not hide a smaller one: each window is judged against the rate outside the bursts', () => {
  // As on the lab: DNS dropped everywhere for a window (a quarter of every pair's probes), and one
  // pair blackholed both ways for another; with the large one in the rate, the small one was not beyond it.
  const results = matrixResults(nodes, ['udp'], (s, d) => windowedPair(60, losses(() => 0, 7, 15).map((lost, w) => lost + (w === 2 && [s, d].sort().join() === 'node-2,node-3' ? 20 : 0))), () => TIMING);
  const bursts = timeline(Measurements.of(results).windowed())!.bursts;
  expect(bursts.map((b) => [b.window, b.scope])).toEqual([[2, 'node'], [7, 'cluster-wide']]);
  expect(['node-2', 'node-3']).toContain(bursts[0].node);
  // Expected at the quiet windows' rate (none lost), not at one that counts window 7's 450 in.
  expect(bursts[0].expected).toBeLessThan(1);
});

test('a quiet window in a lossy run at scale is no burst (its tail is about 1, not an underflowed 0)', () => {
  // 20 nodes × 19 peers × 2 protocols × 60 probes: 45,600 a window; 20 minutes of 5 % lost in each but window 2, where 2 are.
  const many = nodeNames(20);
  const lost = (quiet: number) => Array.from({ length: 20 }, (_, w) => (w === 2 ? quiet : 3));
  const results = matrixResults(many, ['tcp', 'udp'], (s, d, p) => windowedPair(60, lost(s === 'node-1' && d === 'node-2' && p === 'tcp' ? 2 : 0)), () => TIMING);
  const report = timeline(Measurements.of(results).windowed())!;
  expect(report.windows[2]).toEqual({ attempts: 45600, trouble: 2 });
  expect(report.bursts).toEqual([]);
});

test('no --window, no timeline', () => {
  expect(timeline(Measurements.of(matrixResults(nodes, ['udp'], () => ({ attempts: 10 }))).windowed())).toBeNull();
});
