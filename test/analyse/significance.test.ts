import { binomialUpperTail, eBenjaminiHochbergCutoff, falseDiscoveryCutoff, logBinomialUpperTail } from '../../src/analyse/significance.ts';
import { exactLnBinomialUpperTail, logError, TOLERANCE } from '../support/exact-tails.ts';
import { countSource } from '../support/random-counts.ts';

describe('binomialUpperTail: P(X >= k), X ~ Binomial(n, p0)', () => {
  test.each([
    // 56/1024: C(10,8) + C(10,9) + C(10,10) over 2^10.
    [8, 10, 0.5, 56 / 1024],
    // 1 - 0.995^30 - 30 × 0.005 × 0.995^29: two of 30 lost at a true 0.5 % loss.
    [2, 30, 0.005, 1 - 0.995 ** 30 - 30 * 0.005 * 0.995 ** 29],
    [30, 30, 0.005, 0.005 ** 30],
    [1, 300, 0.001, 1 - 0.999 ** 300],
  ])('k=%i n=%i p0=%f', (k, n, p0, expected) => {
    expect(binomialUpperTail(k, n, p0)).toBeCloseTo(expected, 12);
    expect(binomialUpperTail(k, n, p0) / expected).toBeCloseTo(1, 9);
  });

  test('edges: nothing failed is no evidence, more than n is impossible', () => {
    expect(binomialUpperTail(0, 30, 0.005)).toBe(1);
    expect(binomialUpperTail(31, 30, 0.005)).toBe(0);
  });

  test('a quiet window at scale is no burst: 2 of 45,600 at 5 % is P = 1 - e^-2331, not 0', () => {
    // The old sum started at P(X = 2) ≈ e^-2324, which is 0 in a double, and stopped there.
    expect(binomialUpperTail(2, 45600, 0.05)).toBe(1);
    expect(binomialUpperTail(2281, 45600, 0.05)).toBeCloseTo(exactP(2281, 45600, 0.05), 14);
  });

  test('far tails keep their size in log space: all 10^6 of 10^6 at 1/2 is 2^-10^6', () => {
    expect(logBinomialUpperTail(1e6, 1e6, 0.5)).toBeCloseTo(-1e6 * Math.LN2, 6);
    for (const [k, n, p0] of [[3000, 45600, 0.05], [600_000, 1e6, 0.5], [1e6 - 1, 1e6, 0.999], [50, 1e6, 1e-6]]) {
      expect(logError(logBinomialUpperTail(k, n, p0), exactLnBinomialUpperTail(k, n, p0).toNumber())).toBeLessThan(TOLERANCE);
    }
  });

  test('against exact arithmetic, 300 random cases up to 10^6 trials: in [0, 1], near 0 and near 1 alike', () => {
    const seed = 20260111;
    const counts = countSource(seed);
    const wrong: string[] = [];
    let tiny = 0;
    let nearOne = 0;
    for (let i = 0; i < 300; i++) {
      const n = counts.trials(1e6);
      const p0 = counts.rate();
      // Half near the mean (p-values across (0, 1)), half many standard deviations out (p-values like 1e-300 and 1 - 1e-300).
      const k = counts.countNear(n, p0, counts.chance(0.5) ? 3 : 40);
      const exact = exactLnBinomialUpperTail(k, n, p0).toNumber();
      const logP = logBinomialUpperTail(k, n, p0);
      const p = binomialUpperTail(k, n, p0);
      if (!(p >= 0 && p <= 1 && logP <= 0) || !(logError(logP, exact) < TOLERANCE)) wrong.push(`seed ${seed} case ${i}: k=${k} n=${n} p0=${p0}: ln P ${logP} (P ${p}), exact ${exact}`);
      if (exact < -50) tiny++;
      if (exact > -1e-6) nearOne++;
    }
    expect(wrong).toEqual([]);
    // The draw reaches both ends.
    expect(tiny).toBeGreaterThan(20);
    expect(nearOne).toBeGreaterThan(20);
  });
});

function exactP(k: number, n: number, p0: number): number {
  return Math.exp(exactLnBinomialUpperTail(k, n, p0).toNumber());
}

describe('falseDiscoveryCutoff (Benjamini-Hochberg)', () => {
  test('the largest p-value under its rank line i/m × q', () => {
    // Sorted: 0.001 ≤ 1/8·q, 0.008 ≤ 2/8·q, 0.039 > 3/8·q, … none later qualifies.
    expect(falseDiscoveryCutoff([0.039, 0.001, 0.205, 0.041, 0.008, 0.042, 0.06, 0.074], 0.05)).toBe(0.008);
    expect(falseDiscoveryCutoff([0.01, 0.04, 0.03, 0.5], 0.05)).toBe(0.01);
  });

  test('a later p-value under its line takes the earlier ones with it', () => {
    expect(falseDiscoveryCutoff([0.02, 0.021, 0.022], 0.05)).toBe(0.022);
  });

  test('nothing significant: no cutoff; tests with p = 1 still count in m', () => {
    expect(falseDiscoveryCutoff([0.03, ...new Array(99).fill(1)], 0.05)).toBe(-1);
    expect(falseDiscoveryCutoff([0.03], 0.05)).toBe(0.03);
  });
});

describe('eBenjaminiHochbergCutoff (e-BH, Wang & Ramdas 2022)', () => {
  /** The definition another way: the largest k with at least k e-values >= m / (q·k), in linear space with exact comparisons. */
  function reference(eValues: readonly number[], q: number): number {
    const m = eValues.length;
    let best = 0;
    for (let k = 1; k <= m; k++) if (eValues.filter((e) => e * q * k >= m).length >= k) best = k;
    return best;
  }
  const rejected = (logs: readonly number[], q: number) => {
    const cutoff = eBenjaminiHochbergCutoff(logs, q);
    return logs.filter((logE) => logE >= cutoff).length;
  };

  test('by hand: m = 4, q = 0.05: e_(1) = 100 >= 80, e_(2) = 45 >= 40, e_(3) = 20 < 26.7: two rejected', () => {
    const logs = [20, 100, 45, 1].map(Math.log);
    expect(eBenjaminiHochbergCutoff(logs, 0.05)).toBeCloseTo(Math.log(45), 12);
    expect(rejected(logs, 0.05)).toBe(2);
  });

  test('a later e-value over its line takes the larger ones with it, though they miss theirs', () => {
    // m = 3, q = 0.05: the second largest, 40, clears its line m/(2q) = 30, so the largest, 50, goes too though it misses m/q = 60.
    expect(rejected([50, 40, 10].map(Math.log), 0.05)).toBe(2);
  });

  test('nothing: Infinity; e = 0 (ln -Infinity) counts in m but is never rejected', () => {
    expect(eBenjaminiHochbergCutoff([], 0.05)).toBe(Infinity);
    expect(eBenjaminiHochbergCutoff([Math.log(19.9)], 0.05)).toBe(Infinity);
    expect(eBenjaminiHochbergCutoff([Math.log(20)], 0.05)).toBeCloseTo(Math.log(20), 12);
    // With 99 more tests at e = 0 the level is 100 / 0.05 = 2000.
    expect(eBenjaminiHochbergCutoff([Math.log(1999), ...new Array(99).fill(-Infinity)], 0.05)).toBe(Infinity);
    expect(rejected([Math.log(2000), ...new Array(99).fill(-Infinity)], 0.05)).toBe(1);
    // The same tests with the e = 0 ones left out of the list and counted in m (as the analysis passes them).
    expect(eBenjaminiHochbergCutoff([Math.log(1999)], 0.05, 100)).toBe(Infinity);
    expect(eBenjaminiHochbergCutoff([Math.log(2000)], 0.05, 100)).toBeCloseTo(Math.log(2000), 12);
  });

  test('past a double: e-values of 10^400 and 10^-400 compare in log space', () => {
    const logs = [400 * Math.LN10, 399 * Math.LN10, -400 * Math.LN10];
    expect(rejected(logs, 0.05)).toBe(2);
  });

  test('against the definition, 500 random families of 1 to 200 e-values, ties and zeros included', () => {
    const counts = countSource(20260301);
    const wrong: string[] = [];
    for (let i = 0; i < 500; i++) {
      const m = Math.round(counts.logUniform(1, 200));
      const q = counts.chance(0.5) ? 0.05 : counts.logUniform(0.001, 0.5);
      // Whole-number e-values (ties likely), some zeros, a few near their rank lines.
      const eValues = Array.from({ length: m }, () => (counts.chance(0.2) ? 0 : Math.round(counts.logUniform(1, (20 * m) / q))));
      const got = rejected(eValues.map(Math.log), q);
      const want = reference(eValues, q);
      if (got !== want) wrong.push(`case ${i}: m=${m} q=${q} e=${JSON.stringify(eValues)}: ${got} rejected, definition ${want}`);
    }
    expect(wrong).toEqual([]);
  });
});
