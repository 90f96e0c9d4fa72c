import { binomialUpperTail, falseDiscoveryCutoff } from '../../src/analyse/significance.ts';

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
});

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
