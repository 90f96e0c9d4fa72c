// Retries for a busy or flaky API server: 429 (honouring Retry-After, as client-go
// does) and 5xx, with exponential backoff and jitter, a bounded number of times.
import { isRetryable, toKubeApiError } from './errors.ts';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000 };

export async function withRetry<T>(doing: string, call: () => Promise<T>, policy: RetryPolicy = DEFAULT_RETRY, sleep = defaultSleep): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (raw) {
      const err = toKubeApiError(raw, doing);
      if (!isRetryable(err) || attempt >= policy.attempts) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      const delay = err.retryAfterSeconds !== undefined ? err.retryAfterSeconds * 1000 : backoff * (0.5 + Math.random() / 2);
      await sleep(Math.min(delay, policy.maxDelayMs));
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

