import { judge, logEvidence, logFactorial, probesToDecide, type EvidenceRule } from '../../src/shared/sequential-test.ts';

const RULE: EvidenceRule = { threshold: 0.005, flagAt: 20, clearAt: 20 };

/** Mulberry32: a seeded PRNG, so a failing draw reproduces. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('logFactorial', () => {
  test('exact below the table end, Stirling above agrees with the exact sum', () => {
    let exact = 0;
    for (let i = 1; i <= 5000; i++) {
      exact += Math.log(i);
      if (i % 97 === 0 || i === 1023 || i === 1024 || i === 5000) expect(logFactorial(i) / exact).toBeCloseTo(1, 13);
    }
    expect(logFactorial(0)).toBe(0);
  });
});

describe('logEvidence: the mixture martingale E_n(p0)', () => {
  /** The same mixture by numerical integration over q (Simpson on a fine grid in log q): an independent reference. */
  function integrated(k: number, n: number, p0: number): number {
    const priors = [[0.5, Math.round(4 / p0)], [0.25, Math.round(0.25 / p0)], [0.25, Math.max(1, Math.round(0.025 / p0))]];
    const steps = 200_000;
    const lo = Math.log(1e-12);
    const hi = Math.log(1 - 1e-12);
    const h = (hi - lo) / steps;
    let total = 0;
    for (let i = 0; i <= steps; i++) {
      const q = Math.exp(lo + i * h);
      // Likelihood ratio q^k (1-q)^(n-k) / p0^k (1-p0)^(n-k), times the prior density, times dq = q d(log q).
      const ratio = Math.exp(k * Math.log(q / p0) + (n - k) * (Math.log1p(-q) - Math.log1p(-p0)));
      const prior = priors.reduce((s, [w, b]) => s + w * b * (1 - q) ** (b - 1), 0);
      const weight = i === 0 || i === steps ? 1 : i % 2 ? 4 : 2;
      total += weight * ratio * prior * q;
    }
    return Math.log((total * h) / 3);
  }

  test.each([[0, 10], [0, 500], [1, 30], [3, 30], [6, 300], [30, 300]])('k=%i n=%i agrees with numerical integration', (k, n) => {
    expect(logEvidence(k, n, 0.005)).toBeCloseTo(integrated(k, n, 0.005), 4);
  });

  test('no probes, no evidence; counts that make no sense are refused', () => {
    expect(logEvidence(0, 0, 0.005)).toBe(0);
    expect(() => logEvidence(3, 2, 0.005)).toThrow(RangeError);
    expect(() => logEvidence(1, 2, 0)).toThrow(RangeError);
  });

  test('finite at the extremes: a million probes, every one lost or none', () => {
    for (const [k, n] of [[0, 1_000_000], [1_000_000, 1_000_000], [5000, 1_000_000], [1, 1_000_000]]) {
      expect(Number.isFinite(logEvidence(k, n, 0.005))).toBe(true);
    }
    // A million lossless probes: overwhelming evidence of a loss below 0.5 %.
    expect(judge(0, 1_000_000, RULE).verdict).toBe('clear');
    expect(judge(1_000_000, 1_000_000, RULE).verdict).toBe('flagged');
    // Exactly at the threshold the evidence never decides: E_n stays near 1 (it is a martingale there).
    expect(judge(5000, 1_000_000, RULE).verdict).toBe('inconclusive');
  });
});

describe('judge', () => {
  test('thin evidence is inconclusive, not clear: 0 of 30 probes lost', () => {
    expect(judge(0, 30, RULE).verdict).toBe('inconclusive');
  });

  test('how many probes decide (the figures in the header comment)', () => {
    const firstDecided = (rate: number, rule: EvidenceRule) => {
      for (let n = 1; n < 100_000; n++) if (judge(Math.round(rate * n), n, rule).verdict !== 'inconclusive') return n;
      return Infinity;
    };
    const clearing = firstDecided(0, RULE);
    expect(clearing).toBeGreaterThan(765);
    expect(clearing).toBeLessThan(900);
    const strict = { ...RULE, flagAt: 10_000 };
    expect(firstDecided(0.4, strict)).toBeLessThanOrEqual(10);
    expect(firstDecided(0.1, strict)).toBeLessThanOrEqual(60);
  });

  // Ville's inequality in practice: probing on after every look, as confirmation does, the
  // share of series that are ever falsely decided stays within 1/T. Jest runs numeric code
  // slowly, so the looks use each n's decision boundary, found once with judge itself.
  const MAX_PROBES = 3000;
  const boundaries = (() => {
    const flagFrom: number[] = [];
    const clearUpTo: number[] = [];
    const firstK = (from: number, to: number, decided: (k: number) => boolean) => {
      // The smallest k in [from, to] that is decided (to + 1 if none), decisions being monotone in k.
      let lo = from;
      let hi = to + 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (decided(mid)) hi = mid;
        else lo = mid + 1;
      }
      return lo;
    };
    for (let n = 1; n <= MAX_PROBES; n++) {
      const above = Math.floor(RULE.threshold * n) + 1;
      flagFrom[n] = firstK(above, n, (k) => judge(k, n, RULE).verdict === 'flagged');
      // clear is decided for k up to a bound: the first k that is NOT clear, minus one.
      clearUpTo[n] = firstK(0, Math.ceil(RULE.threshold * n), (k) => judge(k, n, RULE).verdict !== 'clear') - 1;
    }
    return { flagFrom, clearUpTo };
  })();

  test('decisions are monotone in the failures: a boundary per n describes them', () => {
    for (const n of [30, 100, 871, 1000, 2999]) {
      for (let k = 0; k <= Math.min(n, 60); k++) {
        const { verdict } = judge(k, n, RULE);
        expect(verdict === 'flagged').toBe(k >= boundaries.flagFrom[n]);
        expect(verdict === 'clear').toBe(k <= boundaries.clearUpTo[n]);
      }
    }
  });

  test.each([
    ['flagged', 0.005, 'a loss exactly at the threshold'],
    ['flagged', 0.001, 'a loss below the threshold'],
    ['clear', 0.005, 'a loss exactly at the threshold'],
    ['clear', 0.02, 'a loss above the threshold'],
  ] as const)('looked at after every probe, %s is wrongly reached at a loss of %f (%s) at most 1/T of the time', (wrong, p, _why) => {
    const random = prng(wrong === 'flagged' ? 7 + p * 1e4 : 11 + p * 1e4);
    const series = 4000;
    let wronglyDecided = 0;
    for (let s = 0; s < series; s++) {
      // Probes between failures are geometric: jump from failure to failure. A flag can only
      // start at a failure (k grows); a clear only between them (n grows while k stays).
      let k = 0;
      let n = 0;
      for (;;) {
        const next = Math.min(MAX_PROBES + 1, n + Math.ceil(Math.log(1 - random()) / Math.log1p(-p)));
        if (wrong === 'clear') {
          let m = n + 1;
          while (m < next && k > boundaries.clearUpTo[m]) m++;
          if (m < next) {
            wronglyDecided++;
            break;
          }
        }
        if (next > MAX_PROBES) break;
        n = next;
        k++;
        if (wrong === 'flagged' && k >= boundaries.flagFrom[n]) {
          wronglyDecided++;
          break;
        }
      }
    }
    // 1/T = 5 %; three standard errors of a 5 % share over 4000 series is 1.0 %.
    expect(wronglyDecided / series).toBeLessThan(1 / RULE.flagAt + 0.01);
  });
});

describe('probesToDecide', () => {
  test('a lossless pair: the probes it takes to clear', () => {
    const needed = probesToDecide(0, 30, RULE)!;
    expect(judge(0, needed, RULE).verdict).toBe('clear');
    expect(judge(0, needed - 1, RULE).verdict).toBe('inconclusive');
  });

  test('a pair already decided needs nothing more; one at the threshold cannot be decided', () => {
    expect(probesToDecide(10, 50, RULE)).toBe(50);
    expect(probesToDecide(5, 1000, RULE, 100_000)).toBeNull();
  });

  test('a pair losing 3 %: flagged at the probes it names', () => {
    const needed = probesToDecide(1, 33, { ...RULE, flagAt: 1000 })!;
    expect(needed).toBeGreaterThan(33);
    expect(judge(Math.round((1 / 33) * needed), needed, { ...RULE, flagAt: 1000 }).verdict).toBe('flagged');
  });
});
