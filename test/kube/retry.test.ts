import { KubeApiError, toKubeApiError } from '../../src/kube/errors.ts';
import { RequestPacer, withRetry } from '../../src/kube/retry.ts';

describe('API retries', () => {
  const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 5000, throttledForMs: 60_000 };

  test('429 honours Retry-After; 500 backs off; success ends it', async () => {
    const sleeps: number[] = [];
    const answers = [
      { code: 429, body: '{"reason":"TooManyRequests","message":"slow down"}', headers: { 'retry-after': '2' } },
      { code: 500, body: '{"message":"boom"}', headers: {} },
    ];
    const result = await withRetry('listing pods', async () => {
      const next = answers.shift();
      if (next) throw next;
      return 'pods';
    }, { policy, sleep: async (ms) => { sleeps.push(ms); } });
    expect(result).toBe('pods');
    expect(sleeps[0]).toBe(2000);
    // The first failure that counts as an attempt: the base delay, halved at most by jitter.
    expect(sleeps[1]).toBeGreaterThanOrEqual(5);
    expect(sleeps[1]).toBeLessThanOrEqual(10);
  });

  test('429s are retried for as long as the server keeps asking, not a number of attempts; then the last one is the error', async () => {
    const throttled = { code: 429, body: '{"reason":"TooManyRequests","message":"the server is busy"}', headers: { 'retry-after': '1' } };
    let calls = 0;
    const result = await withRetry('creating pod x/p', async () => {
      if (++calls <= 10) throw throttled;
      return 'created';
    }, { policy, sleep: async () => {} });
    expect(result).toBe('created');
    expect(calls).toBe(11);
    await expect(withRetry('creating pod x/p', async () => { throw throttled; }, { policy: { ...policy, throttledForMs: 0 }, sleep: async () => {} }))
      .rejects.toThrow('creating pod x/p: the server is busy');
  });

  test('a 403 is final and keeps the server\'s message, which names verb and resource', async () => {
    const forbidden = { code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'pods is forbidden: User "dev" cannot create resource "pods" in API group "" in the namespace "x"' }), headers: {} };
    let calls = 0;
    await expect(withRetry('creating pod x/p', async () => { calls++; throw forbidden; }, { policy, sleep: async () => {} })).rejects.toThrow(
      'creating pod x/p: pods is forbidden: User "dev" cannot create resource "pods"',
    );
    expect(calls).toBe(1);
  });

  test('gives up after the last attempt; an unreachable server says so', async () => {
    const refused = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
    const err = toKubeApiError(refused, 'listing nodes');
    expect(err).toBeInstanceOf(KubeApiError);
    expect(err.message).toBe('listing nodes: cannot reach the API server (ECONNREFUSED)');
    let calls = 0;
    await expect(withRetry('listing nodes', async () => { calls++; throw refused; }, { policy, sleep: async () => {} })).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(4);
  });
});

describe('client-side pacing', () => {
  /** A pacer on a clock that only its own waits move: requests one after another. */
  function pacedClock(settings = { ratePerSecond: 50, maxRatePerSecond: 400, minRatePerSecond: 1, burst: 50 }) {
    let now = 0;
    const slowdowns: [number, number][] = [];
    const pacer = new RequestPacer(settings, { now: () => now, sleep: async (ms) => { now += ms; }, onSlowdown: (rate, after) => slowdowns.push([rate, after]) });
    return { pacer, slowdowns, clock: { get now() { return now; }, advance: (ms: number) => { now += ms; } } };
  }

  test('a token bucket: the burst at once, then the rate', async () => {
    const { pacer, clock } = pacedClock();
    for (let i = 0; i < 50; i++) await pacer.acquire();
    expect(clock.now).toBe(0);
    for (let i = 0; i < 50; i++) await pacer.acquire();
    // 50 more at 50/s take a second (the rate grows only once a whole second of waiting has passed).
    expect(clock.now).toBeCloseTo(1000, 6);
    expect(pacer.stats.requests).toBe(100);
  });

  test('a 429 holds every request for its Retry-After and halves the rate, once per pause; quiet seconds of demand raise it again', async () => {
    const { pacer, clock, slowdowns } = pacedClock();
    await pacer.acquire();
    pacer.throttled(2);
    pacer.throttled(2);
    expect(slowdowns).toEqual([[25, 2]]);
    await pacer.acquire();
    expect(clock.now).toBe(2000);
    expect(pacer.stats.throttled).toBe(2);
    // Past the pause a new 429 halves again; the floor holds.
    for (let i = 0; i < 6; i++) {
      clock.advance(3000);
      pacer.throttled(1);
    }
    expect(pacer.ratePerSecond).toBe(1);
    // Demand without 429s: a quarter more per second in which requests waited.
    clock.advance(2000);
    const start = clock.now;
    while (clock.now - start < 10_000) await pacer.acquire();
    // 1.25^9 ≈ 7.5 … 1.25^10 ≈ 9.3: about nine whole seconds of waiting went by.
    expect(pacer.ratePerSecond).toBeGreaterThan(5);
    expect(pacer.ratePerSecond).toBeLessThan(12);
    while (clock.now - start < 60_000) await pacer.acquire();
    expect(pacer.ratePerSecond).toBe(400);
  });

  test('a request waiting its turn when a 429 comes waits out that pause too', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const pacer = new RequestPacer({ ratePerSecond: 1, maxRatePerSecond: 1, minRatePerSecond: 1, burst: 1 }, {
      now: () => now,
      sleep: async (ms) => {
        sleeps.push(ms);
        // While it sleeps, another request is answered 429 with Retry-After 5.
        if (sleeps.length === 1) pacer.throttled(5);
        now += ms;
      },
    });
    await pacer.acquire();
    await pacer.acquire();
    expect(sleeps[0]).toBe(1000);
    expect(now).toBe(5000);
  });
});
