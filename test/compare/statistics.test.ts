// The tests behind compare against exact arithmetic (test/support/exact-tails.ts) and, for
// the latency test, by hand from the nearest-rank bounds.
import { durationToDetect, smallestSignificantIncrease } from '../../src/compare/power.ts';
import { fisherTwoSided, fisherUpperTail, logFisherUpperTail } from '../../src/compare/fisher.ts';
import { latencyShift, type LatencySample } from '../../src/compare/latency-shift.ts';
import { exactLnFisherUpperTail, logError, TOLERANCE } from '../support/exact-tails.ts';
import { countSource } from '../support/random-counts.ts';

describe('the exact reference', () => {
  test('equals the hypergeometric tail summed as exact fractions of BigInt binomial coefficients', () => {
    const choose = (n: bigint, k: bigint) => { let c = 1n; for (let i = 1n; i <= k; i++) c = (c * (n - k + i)) / i; return c; };
    for (const [k1, n1, k2, n2] of [[3, 4, 1, 4], [0, 30, 4, 30], [17, 40, 2, 35], [1, 250, 30, 220], [250, 250, 0, 250]]) {
      const [events, total] = [BigInt(k1 + k2), BigInt(n1 + n2)];
      let tail = 0n;
      for (let x = BigInt(k1); x <= events && x <= BigInt(n1); x++) tail += choose(events, x) * choose(total - events, BigInt(n1) - x);
      const scaled = (tail * 10n ** 30n) / choose(total, BigInt(n1));
      // ln of the 30-digit ratio, or of the tail's digits when the ratio is below 1e-30.
      const lnExact = scaled > 10n ** 12n ? Math.log(Number(scaled)) - 30 * Math.LN10 : Math.log(Number(tail)) - Math.log(Number(choose(total, BigInt(n1))));
      expect(exactLnFisherUpperTail(k1, n1, k2, n2).toNumber()).toBeCloseTo(lnExact, 10);
    }
  });
});

describe("Fisher's exact test", () => {
  test.each([
    // [k1, n1, k2, n2, P(X >= k1)]; the first four agree with scipy.stats.fisher_exact(alternative='greater')
    [3, 4, 1, 4, 0.24285714285714283], // Fisher's tea-tasting table
    [5, 300, 0, 300, 0.030729607973087474], // 5 of 300 lost after, none before
    [2, 80, 0, 80, 0.2484276729559749],
    [9, 80, 0, 80, 0.0015398501356960863],
    // Large counts; scipy says 0.002830598105684054, 4e-11 off the sum of exact BigInt fractions.
    [120, 100000, 80, 100000, 0.0028305981055825869],
  ])('%i/%i vs %i/%i: one-sided p = %f', (k1, n1, k2, n2, p) => {
    expect(fisherUpperTail(k1, n1, k2, n2) / p).toBeCloseTo(1, 12);
  });

  test('no events, or none in the group tested, is no evidence', () => {
    expect(fisherUpperTail(0, 300, 0, 300)).toBe(1);
    expect(fisherUpperTail(0, 300, 5, 300)).toBe(1);
  });

  test('two-sided doubles the smaller tail and says which way', () => {
    expect(fisherTwoSided(5, 300, 0, 300)).toEqual({ pValue: expect.closeTo(0.06145921594617495, 14), direction: 'higher' });
    expect(fisherTwoSided(0, 300, 5, 300)).toEqual({ pValue: expect.closeTo(0.06145921594617495, 14), direction: 'lower' });
    expect(fisherTwoSided(3, 300, 3, 300)).toEqual({ pValue: 1, direction: 'none' });
  });

  test('a loss that went from 1 in 3000 to 1 in 3, and one from 10 % to nearly none, each point the way the rates do', () => {
    // Both tails used to start at a term that is 0 in a double, and the direction came from comparing the two zeros.
    expect(fisherTwoSided(1, 3000, 1000, 3000)).toEqual({ pValue: 0, direction: 'lower' });
    expect(fisherTwoSided(1500, 15000, 2, 15000)).toEqual({ pValue: 0, direction: 'higher' });
    expect(fisherTwoSided(1000, 3000, 1, 3000).direction).toBe('higher');
    expect(fisherTwoSided(2, 15000, 1500, 15000).direction).toBe('lower');
    // The p-values are below the smallest double (2 × e^-787 and 2 × e^-1067) but not lost in log space.
    expect(logFisherUpperTail(1000, 3000, 1, 3000)).toBeCloseTo(-787.31459271430824, 9);
    expect(logFisherUpperTail(1500, 15000, 2, 15000)).toBeCloseTo(-1066.5329139547858, 9);
    expect(fisherUpperTail(1, 3000, 1000, 3000)).toBe(1);
  });

  test('against exact arithmetic, 300 random tables up to 10^6 trials a side: in [0, 1], the right way, symmetric', () => {
    const seed = 20260112;
    const counts = countSource(seed);
    const wrong: string[] = [];
    let tiny = 0;
    let nearOne = 0;
    for (let i = 0; i < 300; i++) {
      const [n1, n2] = [counts.trials(1e6), counts.trials(1e6)];
      const rate1 = counts.logUniform(1e-6, 0.9);
      // Half the tables with one true rate (p-values across (0, 1]), half with two (down to far below 1e-300).
      const rate2 = counts.chance(0.5) ? rate1 : counts.logUniform(1e-6, 0.9);
      const [k1, k2] = [counts.countNear(n1, rate1, 3), counts.countNear(n2, rate2, 3)];
      const where = `seed ${seed} case ${i}: ${k1}/${n1} vs ${k2}/${n2}`;
      const [upper, lower] = [exactLnFisherUpperTail(k1, n1, k2, n2).toNumber(), exactLnFisherUpperTail(k2, n2, k1, n1).toNumber()];
      const [logUpper, logLower] = [logFisherUpperTail(k1, n1, k2, n2), logFisherUpperTail(k2, n2, k1, n1)];
      if (!(logError(logUpper, upper) < TOLERANCE && logError(logLower, lower) < TOLERANCE)) wrong.push(`${where}: ln tails ${logUpper}, ${logLower}; exact ${upper}, ${lower}`);
      const test = fisherTwoSided(k1, n1, k2, n2);
      const swapped = fisherTwoSided(k2, n2, k1, n1);
      const way = Math.sign(k1 / n1 - k2 / n2);
      const expectedDirection = way > 0 ? 'higher' : way < 0 ? 'lower' : 'none';
      if (!(test.pValue >= 0 && test.pValue <= 1)) wrong.push(`${where}: p = ${test.pValue}`);
      if (test.direction !== expectedDirection) wrong.push(`${where}: direction ${test.direction}`);
      if (swapped.pValue !== test.pValue || swapped.direction !== ({ higher: 'lower', lower: 'higher', none: 'none' } as const)[test.direction]) wrong.push(`${where}: swapped gives ${JSON.stringify(swapped)}, not the mirror of ${JSON.stringify(test)}`);
      // Where the evidence is clear, the exact smaller tail lies on the side of the observed rates.
      if (Math.min(upper, lower) < Math.log(0.01) && (upper < lower) !== (way > 0)) wrong.push(`${where}: exact tails ${upper}, ${lower} against the rates`);
      if (Math.min(upper, lower) < -50) tiny++;
      if (Math.LN2 + Math.min(upper, lower) > -1e-9) nearOne++;
    }
    expect(wrong).toEqual([]);
    expect(tiny).toBeGreaterThan(20);
    expect(nearOne).toBeGreaterThan(20);
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

describe('power: the smallest significant increase and the duration that detects one', () => {
  /** Exact two-sided Fisher p of k of n after vs 0 of n before: every event in the after group, 2·C(n,k)/C(2n,k), in BigInt fractions. */
  const exactTwoSidedFromZero = (k: number, n: number) => {
    let num = 1n;
    let den = 1n;
    for (let i = 0; i < k; i++) {
      num *= BigInt(n - i);
      den *= BigInt(2 * n - i);
    }
    return Math.min(1, (2 * Number((num * 10n ** 18n) / den)) / 1e18);
  };

  test.each([[15, 0.05 / 68], [300, 0.05 / 68], [3000, 0.05 / 20_000]])('from 0 of %i before: the first after count whose exact p-value clears the level', (n, level) => {
    let k = 1;
    while (exactTwoSidedFromZero(k, n) > level) k++;
    expect(smallestSignificantIncrease(n, n, 0, level)).toBeCloseTo(k / n, 12);
  });

  test('no probes, or too few for even total loss to count, is no power', () => {
    expect(smallestSignificantIncrease(0, 10, 0, 0.05)).toBeNull();
    expect(smallestSignificantIncrease(2, 2, 0, 0.001)).toBeNull();
  });

  test('the duration named is the shortest whole second at which the increase, at those rates, is significant', () => {
    const durationMs = 15_000;
    const found = durationToDetect(15, 15, 0.001, 0.005, 0.05 / 68, durationMs)!;
    const significantAt = (ms: number) => {
      const n = Math.max(1, Math.round((15 * ms) / durationMs));
      const test = fisherTwoSided(Math.ceil(0.006 * n), n, Math.round(0.001 * n), n);
      return test.direction === 'higher' && test.pValue <= 0.05 / 68;
    };
    expect(significantAt(found)).toBe(true);
    expect(significantAt(found - 1000)).toBe(false);
    // A week is the longest it looks: a 1e-6 increase is never detected within it.
    expect(durationToDetect(15, 15, 0, 1e-6, 0.05 / 68, durationMs)).toBeNull();
  });
});
