import { KubeApiError, toKubeApiError } from '../../src/kube/errors.ts';
import { withRetry } from '../../src/kube/retry.ts';

describe('API retries', () => {
  const policy = { attempts: 4, baseDelayMs: 10, maxDelayMs: 5000 };

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
    }, policy, async (ms) => { sleeps.push(ms); });
    expect(result).toBe('pods');
    expect(sleeps[0]).toBe(2000);
    expect(sleeps[1]).toBeGreaterThanOrEqual(10);
    expect(sleeps[1]).toBeLessThanOrEqual(20);
  });

  test('a 403 is final and keeps the server\'s message, which names verb and resource', async () => {
    const forbidden = { code: 403, body: JSON.stringify({ reason: 'Forbidden', message: 'pods is forbidden: User "dev" cannot create resource "pods" in API group "" in the namespace "x"' }), headers: {} };
    let calls = 0;
    await expect(withRetry('creating pod x/p', async () => { calls++; throw forbidden; }, policy, async () => {})).rejects.toThrow(
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
    await expect(withRetry('listing nodes', async () => { calls++; throw refused; }, policy, async () => {})).rejects.toThrow('ECONNREFUSED');
    expect(calls).toBe(4);
  });
});
