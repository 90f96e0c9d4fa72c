import { HistogramStore, LatencyHistogram, RELATIVE_ACCURACY } from '../../src/shared/histogram.ts';

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

  test('the order of recording does not matter: ascending, descending and shuffled give the same buckets (inserts at the front, the back and between, with and without room)', () => {
    const record = (values: number[]) => {
      const h = new LatencyHistogram();
      values.forEach((v) => h.record(v));
      return h.toJSON();
    };
    const shuffled = record(samples);
    expect(record(sorted)).toEqual({ ...shuffled, sum: expect.closeTo(shuffled.sum, 6) });
    expect(record([...sorted].reverse())).toEqual({ ...shuffled, sum: expect.closeTo(shuffled.sum, 6) });
    expect(LatencyHistogram.fromJSON(shuffled).toJSON()).toEqual(shuffled);
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
    expect(h.toJSON().counts.length).toBeLessThan(900);
    expect(h.countAtLeast(1000)).toBeGreaterThan(0);
    expect(h.count).toBe(1_000_000);
  });

  test('an empty histogram has no quantiles', () => {
    expect(new LatencyHistogram().quantile(0.5)).toBeNull();
    expect(new LatencyHistogram().toJSON()).toEqual({ offset: 0, counts: [], zeroCount: 0, count: 0, sum: 0, min: null, max: null });
  });
});

describe('the dense wire form', () => {
  // Bucket i holds (γ^(i-1), γ^i], γ = 1.01 / 0.99: 1 ms is bucket 0, 1.03 ms bucket 2 (ln 1.03 / ln γ = 1.49).
  test('counts run from the lowest occupied bucket to the highest: one empty bucket is 0, a run of k is -k', () => {
    const h = new LatencyHistogram();
    // 1.07 ms: bucket 4 (3.42); 1000 ms: bucket 346 (345.38).
    [1, 1.03, 1, 0.0005, 1.07, 1000].forEach((v) => h.record(v));
    expect(h.toJSON()).toEqual({ offset: 0, counts: [2, 0, 1, 0, 1, -341, 1], zeroCount: 1, count: 6, sum: expect.closeTo(1004.1005, 9), min: 0.0005, max: 1000 });
    expect(LatencyHistogram.fromJSON(h.toJSON()).toJSON()).toEqual(h.toJSON());
  });

  test('the extremes: 1 µs (the lowest tracked), below it, and the largest finite value', () => {
    const h = new LatencyHistogram();
    [0, 0.000999, 0.001, Number.MAX_VALUE].forEach((v) => h.record(v));
    const json = JSON.parse(JSON.stringify(h.toJSON()));
    // ln(0.001) / ln γ = -345.38 and ln(MAX_VALUE) / ln γ = 35487.95: the two ends of the range.
    expect(json.offset).toBe(-345);
    expect(json.counts).toEqual([1, -(35488 + 345 - 1), 1]);
    expect(json.zeroCount).toBe(2);
    const back = LatencyHistogram.fromJSON(json);
    // Values below 1 µs share one bucket and read as the minimum.
    expect([back.quantile(0.25), back.quantile(0.5), back.quantile(1)]).toEqual([0, 0, Number.MAX_VALUE]);
    expect(Math.abs(back.quantile(0.75)! - 0.001) / 0.001).toBeLessThanOrEqual(RELATIVE_ACCURACY);
    expect(back.countAtLeast(1)).toBe(1);
  });

  test('quantiles of one sample and of the first and last rank are the exact min and max', () => {
    const one = new LatencyHistogram();
    one.record(0.042);
    for (const q of [0, 1e-9, 0.5, 1 - 1e-9, 1]) expect(one.quantile(q)).toBe(0.042);
    const many = new LatencyHistogram();
    for (let i = 1; i <= 1000; i++) many.record(i);
    expect(many.quantile(0.0001)).toBe(1);
    expect(many.quantile(0.9999)).toBe(1000);
    expect(Math.abs(many.quantile(0.999)! - 999) / 999).toBeLessThanOrEqual(RELATIVE_ACCURACY);
  });

  test('countAtLeast matches an exact count away from bucket edges', () => {
    const h = new LatencyHistogram();
    const values = [0.2, 0.9, 1000.5, 1003, 5004, 5010, 10_020];
    values.forEach((v) => h.record(v));
    for (const threshold of [0.5, 999, 4990, 10_000, 20_000]) expect(h.countAtLeast(threshold)).toBe(values.filter((v) => v >= threshold).length);
    expect(h.countAtLeast(0)).toBe(values.length);
  });

  test('merging disjoint, overlapping and empty histograms equals recording all in one', () => {
    const parts = [[0.3, 0.31, 5], [4000, 4001], [], [0.3, 4000, 0]];
    const merged = new LatencyHistogram();
    const all = new LatencyHistogram();
    for (const values of parts) {
      const h = new LatencyHistogram();
      values.forEach((v) => { h.record(v); all.record(v); });
      merged.merge(h);
    }
    expect(merged.toJSON()).toEqual({ ...all.toJSON(), sum: expect.closeTo(all.sum, 9) });
  });

  test.each([
    ['counts that are not a list', { counts: { 0: 1 } }, 'histogram counts is not a list'],
    ['a bucket below 1 µs', { offset: -346 }, 'histogram buckets -346..-346 are outside -345..35488'],
    ['a bucket past the largest finite value', { offset: 35486, counts: [1, -2, 1], count: 2 }, 'histogram buckets 35486..35489 are outside -345..35488'],
    ['a fractional offset', { offset: 0.5 }, 'histogram offset 0.5 is not a whole bucket index'],
    ['a leading empty bucket', { counts: [0, 1] }, 'must start and end with a count > 0'],
    ['a trailing run of empty buckets', { counts: [1, -3] }, 'must start and end with a count > 0'],
    ['a fractional count', { counts: [1, 0, 1.5], count: 2.5 }, 'histogram bucket 2 holds 1.5, not a whole count'],
    ['counts that do not add up', { counts: [1, -5, 1], count: 3 }, 'histogram counts add up to 2, but count says 3'],
  ])('refuses %s', (_case, change, message) => {
    const json = { offset: 0, counts: [1], zeroCount: 0, count: 1, sum: 1, min: 1, max: 1, ...change };
    expect(() => LatencyHistogram.fromJSON(json as never)).toThrow(message);
  });
});

describe('HistogramStore', () => {
  // What analysis reads of a pair's stored histogram, without making it again, must be what the histogram says.
  const QS = [0, 1e-9, 0.01, 0.5, 0.9, 0.99, 0.999, 1 - 1e-9, 1];
  const THRESHOLDS = [0, 0.001, 0.0011, 0.3, 1, 999, 1000, 1e6, Number.MAX_VALUE];
  let seed = 11;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const cases: [string, number[]][] = [
    ['empty', []],
    ['below 1 µs only', [0, 0.0005, 0]],
    ['one sample', [0.042]],
    ['the extremes', [0, 0.001, Number.MAX_VALUE]],
    // Counts and steps past 127 and 16,383 take two and three varint bytes.
    ['200,000 samples in one bucket, and a step of ~1,000 buckets', [...Array.from({ length: 200_000 }, () => 0.25), 5000]],
    ['a heavy tail', Array.from({ length: 5000 }, (_, i) => (i % 40 === 0 ? 1000 + rand() * 3000 : rand() < 0.05 ? 0 : 0.05 + rand() * 2))],
  ];

  test.each(cases)('%s: its quantiles and counts above limits are the histogram\'s', (_name, values) => {
    const store = new HistogramStore();
    const histogram = new LatencyHistogram();
    values.forEach((v) => histogram.record(v));
    // Another slot before it, so that the slot's bytes do not start at 0.
    const other = new LatencyHistogram();
    other.record(3);
    store.put(0, other);
    store.put(1, histogram);
    expect(store.quantiles(1, QS)).toEqual(QS.map((q) => histogram.quantile(q)));
    expect(THRESHOLDS.map((t) => store.countAtLeast(1, t))).toEqual(THRESHOLDS.map((t) => histogram.countAtLeast(t)));
    expect(store.quantiles(0, [0.5])).toEqual([3]);
  });
});
