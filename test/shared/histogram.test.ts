import { LatencyHistogram, RELATIVE_ACCURACY } from '../../src/shared/histogram.ts';

function exactQuantile(sorted: number[], q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
}

describe('LatencyHistogram', () => {
  // A heavy-tailed mix like real latencies: most fast, a few at SYN-retransmit marks.
  const samples: number[] = [];
  let seed = 7;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 20000; i++) samples.push(i % 50 === 0 ? 1000 + rand() * 30 : 0.05 + rand() * rand() * 20);
  const sorted = [...samples].sort((a, b) => a - b);

  test('quantiles are within the relative accuracy of the exact nearest-rank value', () => {
    const h = new LatencyHistogram();
    samples.forEach((v) => h.record(v));
    for (const q of [0.01, 0.1, 0.5, 0.9, 0.97, 0.99, 0.999]) {
      const exact = exactQuantile(sorted, q);
      const estimate = h.quantile(q)!;
      expect(Math.abs(estimate - exact) / exact).toBeLessThanOrEqual(RELATIVE_ACCURACY + 1e-9);
    }
    expect(h.quantile(1)).toBe(sorted[sorted.length - 1]);
    expect(h.quantile(0)).toBe(sorted[0]);
  });

  test('merging two halves equals recording everything in one', () => {
    const all = new LatencyHistogram();
    const a = new LatencyHistogram();
    const b = new LatencyHistogram();
    samples.forEach((v, i) => { all.record(v); (i % 2 ? a : b).record(v); });
    a.merge(b);
    expect(a.toJSON()).toEqual({ ...all.toJSON(), sum: expect.closeTo(all.sum, 6) });
    expect(a.quantile(0.99)).toBe(all.quantile(0.99));
  });

  test('survives a JSON round trip and refuses inconsistent counts', () => {
    const h = new LatencyHistogram();
    [0, 0.5, 3, 3, 1000].forEach((v) => h.record(v));
    const json = JSON.parse(JSON.stringify(h.toJSON()));
    expect(LatencyHistogram.fromJSON(json).quantile(0.5)).toBe(h.quantile(0.5));
    expect(() => LatencyHistogram.fromJSON({ ...json, count: 99 })).toThrow(/count says 99/);
  });

  test('memory stays bounded: a million samples over 7 decades use few buckets', () => {
    const h = new LatencyHistogram();
    for (let i = 0; i < 1_000_000; i++) h.record(0.001 * Math.pow(10, (i % 7000) / 1000));
    expect(Object.keys(h.toJSON().buckets).length).toBeLessThan(900);
    expect(h.countAtLeast(1000)).toBeGreaterThan(0);
    expect(h.count).toBe(1_000_000);
  });

  test('an empty histogram has no quantiles', () => {
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
  });
});
