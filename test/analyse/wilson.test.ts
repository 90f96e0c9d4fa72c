import { proportionInterval, wilsonInterval } from '../../src/analyse/wilson.ts';

describe('wilsonInterval', () => {
  // Newcombe, "Two-sided confidence intervals for the single proportion", Stat. Med. 1998,
  // Table II, method 3 (score interval without continuity correction).
  test.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i of %i → [%f, %f] as published', (k, n, low, high) => {
    const interval = wilsonInterval(k, n);
    expect(interval.low).toBeCloseTo(low, 4);
    expect(interval.high).toBeCloseTo(high, 4);
    expect(interval.ratio).toBe(k / n);
  });

  test('the edges are exact: nothing lost starts at 0, everything lost ends at 1', () => {
    expect(wilsonInterval(0, 300).low).toBe(0);
    expect(wilsonInterval(300, 300).high).toBe(1);
    expect(wilsonInterval(300, 300).low).toBeCloseTo(0.9874, 4);
  });

  test('no attempts: no interval, rather than a division by zero', () => {
    expect(proportionInterval(0, 0)).toEqual({ ratio: null, low: null, high: null });
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
  });
});
