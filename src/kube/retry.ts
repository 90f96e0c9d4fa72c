// Requests to a busy or flaky API server: paced on the client side, and retried. A 429 is
// the server asking for time (API Priority and Fairness rejects a flow past its share, with
// Retry-After): the pacer slows every request down and waits as told, and the request is tried
// again for as long as the server keeps asking (THROTTLED_FOR_MS). 5xx and dropped connections
// are retried a bounded number of times with exponential backoff and jitter.
import { isRetryable, toKubeApiError } from './errors.ts';

export interface RetryPolicy {
  /** Attempts for failures other than 429. */
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** 429s are retried for this long in all, as the server's Retry-After says. */
  throttledForMs: number;
}

/**
 * APF caps its Retry-After at 32 s (k8s.io/apiserver flowcontrol dropped_requests_tracker.go);
 * four of those is a control plane that is not coming back within a run.
 */
export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseDelayMs: 200, maxDelayMs: 5000, throttledForMs: 128_000 };

export interface PacerSettings {
  /** Requests per second to start at, and at most, and at least once slowed down by 429s. */
  ratePerSecond: number;
  maxRatePerSecond: number;
  minRatePerSecond: number;
  /** Requests allowed at once beyond the rate (the bucket's size). */
  burst: number;
}

/**
 * client-go paces a client with a token bucket (flowcontrol, default 5 requests/s, burst 10;
 * kubectl's discovery 50/s, burst 300). netprobe makes ~3 requests per node, so at 5,000
 * nodes 5/s would take the best part of an hour: it starts at kubectl's discovery rate and
 * adapts to the server instead, as TCP does to a network: a 429 halves the rate (once per
 * Retry-After), never below client-go's 5/s, and holds every request until the Retry-After has
 * passed; each second in which requests waited for tokens and none was throttled raises it by
 * a quarter (from 5/s back to 50/s in ~10 s), up to the maximum.
 */
export const DEFAULT_PACING: PacerSettings = { ratePerSecond: 50, maxRatePerSecond: 500, minRatePerSecond: 5, burst: 50 };
const RATE_INCREASE = 1.25;

/** How a client's requests went: for the run's summary line and for benchmarks. */
export interface RequestStats {
  /** Requests sent (every attempt). */
  requests: number;
  /** Answered 429 Too Many Requests. */
  throttled: number;
  /** Time requests spent waiting for the pacer, summed over requests (ms). */
  waitedMs: number;
  /** The pacer's rate now (requests/s). */
  ratePerSecond: number;
}

type Sleep = (ms: number) => Promise<void>;

/** A token bucket whose rate follows the server's 429s (see DEFAULT_PACING). */
export class RequestPacer {
  private rate: number;
  private tokens: number;
  private last: number;
  private pausedUntil = 0;
  private lastSlowdown = -Infinity;
  private lastThrottled = -Infinity;
  /** Start of the current second of demand, and whether a request waited in it. */
  private secondStart: number;
  private waitedThisSecond = false;
  private readonly settings: PacerSettings;
  private readonly now: () => number;
  private readonly sleep: Sleep;
  private readonly onSlowdown: (ratePerSecond: number, retryAfterSeconds: number) => void;
  readonly stats: Omit<RequestStats, 'ratePerSecond'> = { requests: 0, throttled: 0, waitedMs: 0 };

  constructor(settings: PacerSettings = DEFAULT_PACING, options: { now?: () => number; sleep?: Sleep; onSlowdown?: (ratePerSecond: number, retryAfterSeconds: number) => void } = {}) {
    this.settings = settings;
    this.now = options.now ?? Date.now;
    this.sleep = options.sleep ?? defaultSleep;
    this.onSlowdown = options.onSlowdown ?? (() => {});
    this.rate = settings.ratePerSecond;
    this.tokens = settings.burst;
    this.last = this.now();
    this.secondStart = this.last;
  }

  get ratePerSecond(): number {
    return this.rate;
  }

  /** Waits for this request's turn: a token (reserved at once, so waiters go in order), and the end of any pause. */
  async acquire(): Promise<void> {
    this.refill();
    this.tokens -= 1;
    let wait = Math.max(this.tokens < 0 ? (-this.tokens / this.rate) * 1000 : 0, this.pausedUntil - this.now());
    if (wait > 0) this.waitedThisSecond = true;
    const started = this.now();
    while (wait > 0) {
      await this.sleep(wait);
      // A 429 while this one waited: it waits out that pause too.
      wait = this.pausedUntil - this.now();
    }
    this.stats.waitedMs += this.now() - started;
    this.stats.requests++;
  }

  /** The server answered 429: hold everything for Retry-After, and halve the rate (once per pause). */
  throttled(retryAfterSeconds: number | undefined): void {
    const now = this.now();
    this.stats.throttled++;
    this.lastThrottled = now;
    const pauseMs = (retryAfterSeconds ?? 1) * 1000;
    this.pausedUntil = Math.max(this.pausedUntil, now + pauseMs);
    if (now - this.lastSlowdown < Math.max(1000, pauseMs)) return;
    this.lastSlowdown = now;
    this.rate = Math.max(this.settings.minRatePerSecond, this.rate / 2);
    // Tokens saved up at the old rate would let a burst through right after the pause.
    this.tokens = Math.min(this.tokens, 1);
    this.onSlowdown(this.rate, retryAfterSeconds ?? 1);
  }

  private refill(): void {
    const now = this.now();
    if (now - this.secondStart >= 1000) {
      if (this.waitedThisSecond && now - this.lastThrottled >= 1000) this.rate = Math.min(this.settings.maxRatePerSecond, this.rate * RATE_INCREASE);
      this.secondStart = now;
      this.waitedThisSecond = false;
    }
    this.tokens = Math.min(Math.max(this.settings.burst, 1), this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

export interface RetryOptions {
  policy?: RetryPolicy;
  pacer?: RequestPacer;
  sleep?: Sleep;
}

export async function withRetry<T>(doing: string, call: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const policy = options.policy ?? DEFAULT_RETRY;
  const sleep = options.sleep ?? defaultSleep;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    await options.pacer?.acquire();
    try {
      return await call();
    } catch (raw) {
      const err = toKubeApiError(raw, doing);
      if (err.status === 429) {
        options.pacer?.throttled(err.retryAfterSeconds);
        if (Date.now() - started >= policy.throttledForMs) throw err;
        // With a pacer, its pause is the wait; on its own the request waits as told.
        if (!options.pacer) await sleep((err.retryAfterSeconds ?? 1) * 1000);
        attempt--;
        continue;
      }
      if (!isRetryable(err) || attempt >= policy.attempts) throw err;
      const backoff = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
      await sleep(backoff * (0.5 + Math.random() / 2));
    }
  }
}

function defaultSleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
