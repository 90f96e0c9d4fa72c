// The tests behind compare against values computed independently (scipy.stats.fisher_exact,
// and by hand from the nearest-rank bounds for the latency test).
import { fisherTwoSided, fisherUpperTail, logFactorial } from '../../src/compare/fisher.ts';
import { latencyShift, type LatencySample } from '../../src/compare/latency-shift.ts';

describe('logFactorial', () => {
  test('exact below the table size, Stirling above it agrees with the sum of logs', () => {
    expect(logFactorial(0)).toBe(0);
    expect(Math.exp(logFactorial(5))).toBeCloseTo(120, 10);
    let sum = 0;
    for (let i = 2; i <= 5000; i++) sum += Math.log(i);
    expect(logFactorial(5000)).toBeCloseTo(sum, 8);
  });
});

describe("Fisher's exact test", () => {
  test.each([
    // [k1, n1, k2, n2, P(X >= k1)] from scipy.stats.fisher_exact(alternative='greater')
    [3, 4, 1, 4, 0.24285714285714283], // Fisher's tea-tasting table
    [5, 300, 0, 300, 0.030729607973087474], // 5 of 300 lost after, none before
    [2, 80, 0, 80, 0.2484276729559749],
    [9, 80, 0, 80, 0.0015398501356960863],
    [120, 100000, 80, 100000, 0.002830598105684054], // large counts: Stirling's range
  ])('%i/%i vs %i/%i: one-sided p = %f', (k1, n1, k2, n2, p) => {
    expect(fisherUpperTail(k1, n1, k2, n2)).toBeCloseTo(p, 10);
  });

  test('no events, or none in the group tested, is no evidence', () => {
    expect(fisherUpperTail(0, 300, 0, 300)).toBe(1);
    expect(fisherUpperTail(0, 300, 5, 300)).toBe(1);
  });

  test('two-sided doubles the smaller tail and says which way', () => {
    expect(fisherTwoSided(5, 300, 0, 300)).toEqual({ pValue: expect.closeTo(0.06145921594617495, 10), direction: 'higher' });
    expect(fisherTwoSided(0, 300, 5, 300)).toEqual({ pValue: expect.closeTo(0.06145921594617495, 10), direction: 'lower' });
    expect(fisherTwoSided(3, 300, 3, 300)).toEqual({ pValue: 1, direction: 'none' });
  });

  test('refuses counts that are not k of n', () => {
    expect(() => fisherUpperTail(5, 4, 0, 4)).toThrow(RangeError);
  });
});

describe('latency shift (quantile test)', () => {
  // Precedence test (Nelson 1963), straight from its definition: P(at least x of the slow run's
  // samples above the fast run's (m+1)-th largest) when the runs are exchangeable.
  function precedenceTail(x: number, nSlow: number, m: number, nFast: number): number {
    const choose = (n: number, k: number) => { let c = 1; for (let i = 1; i <= k; i++) c = (c * (n - k + i)) / i; return c; };
    let tail = 0;
    for (let j = x; j <= nSlow; j++) tail += choose(j + m, j) * choose(nSlow + nFast - j - m - 1, nFast - m - 1);
    return tail / choose(nSlow + nFast, nFast);
  }

  test.each([[3, 20, 0, 20], [9, 30, 2, 30], [12, 25, 4, 40], [15, 20, 10, 20]])('Fisher tail = precedence tail: %i of %i above the (m+1)-th largest, m = %i of %i', (x, nSlow, m, nFast) => {
    expect(fisherUpperTail(x, nSlow, m, nFast)).toBeCloseTo(precedenceTail(x, nSlow, m, nFast), 12);
  });

  const bar = { factor: 3, marginMs: 5 };
  const fast: LatencySample = { n: 80, p50: 0.4, p90: 0.6, p99: 1, max: 2 };

  test('a tenth of connects a second late: 9 of 80 samples above the bar after, none before', () => {
    const slow: LatencySample = { n: 80, p50: 0.4, p90: 1000, p99: 1100, max: 1200 };
    const shift = latencyShift(slow, fast, bar)!;
    // From fast's p99 (1 ms, at most 1/0.99 ms as a sample): bar max(3.03, 6.01) ms; slow's p90 is above
    // it, so at least 80 - 72 + 1 = 9 samples are; fast has at most 80 - ceil(79.2) = 0 above its p99.
    expect(shift).toMatchObject({ fasterQuantile: 'p99', slowerQuantile: 'p90', fasterAbove: 0, slowerAbove: 9, fasterN: 80, slowerN: 80 });
    expect(shift.barMs).toBeCloseTo(1 / 0.99 + 5, 10);
    // Bonferroni over the four quantiles tried as bars.
    expect(shift.pValue).toBeCloseTo(4 * 0.0015398501356960863, 10);
  });

  test('the whole distribution slower: half the samples above what was the maximum', () => {
    const slow: LatencySample = { n: 300, p50: 20, p90: 25, p99: 30, max: 31 };
    const faster: LatencySample = { n: 300, p50: 1, p90: 1.5, p99: 2, max: 3 };
    const shift = latencyShift(slow, faster, bar)!;
    // Bar from fast's exact maximum: max(9, 8) ms; slow's p50 clears it, so at least 300 - 150 + 1 = 151 samples do.
    expect(shift).toMatchObject({ fasterQuantile: 'max', barMs: 9, slowerQuantile: 'p50', fasterAbove: 0, slowerAbove: 151 });
    expect(shift.pValue).toBeLessThan(1e-40);
  });

  test('a shift below the bar, or no samples, is no shift', () => {
    expect(latencyShift({ n: 80, p50: 0.8, p90: 1.2, p99: 2, max: 4 }, fast, bar)).toBeNull();
    expect(latencyShift(fast, fast, bar)).toBeNull();
    expect(latencyShift({ n: 0, p50: null, p90: null, p99: null, max: null }, fast, bar)).toBeNull();
  });
});
