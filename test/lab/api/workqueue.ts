// How the lab's controllers take work from the store: never inside the store's own change
// notification (a write there would reach watchers out of order), but on the next turn, and
// — like client-go's workqueue — a key queued again before it ran is processed once. A
// failure is reported, never thrown: one odd object must not take the API server down.
import { TokenBucket } from './flow-control.ts';

export type ErrorSink = (error: Error) => void;

export class KeyedQueue {
  private readonly pending = new Map<string, NodeJS.Timeout | NodeJS.Immediate>();
  private readonly process: (key: string) => void;
  private readonly onError: ErrorSink;
  /** How long a key waits before it is processed (a controller's batch period); 0: the next turn. */
  private readonly delayMs: () => number;
  private closed = false;

  constructor(process: (key: string) => void, onError: ErrorSink, delayMs: () => number = () => 0) {
    this.process = process;
    this.onError = onError;
    this.delayMs = delayMs;
  }

  add(key: string): void {
    if (this.closed || this.pending.has(key)) return;
    const run = () => {
      this.pending.delete(key);
      if (this.closed) return;
      try {
        this.process(key);
      } catch (err) {
        this.onError(new Error(`${key}: ${(err as Error).stack ?? err}`));
      }
    };
    const delay = this.delayMs();
    this.pending.set(key, delay > 0 ? setTimeout(run, delay) : setImmediate(run));
  }

  close(): void {
    this.closed = true;
    for (const handle of this.pending.values()) {
      clearTimeout(handle as NodeJS.Timeout);
      clearImmediate(handle as NodeJS.Immediate);
    }
    this.pending.clear();
  }
}

/** "namespace/name" keys, as client-go's MetaNamespaceKeyFunc makes them. */
export const objectKey = (namespace: string, name: string): string => `${namespace}/${name}`;
export const splitKey = (key: string): [string, string] => key.split('/') as [string, string];

/**
 * A KeyedQueue that processes at most `rate()` keys per second, oldest first, in bursts of up to
 * one second's worth (0: one key per turn, as KeyedQueue does): a controller whose throughput
 * its API client's budget bounds.
 */
export class PacedQueue {
  private readonly pending = new Set<string>();
  private readonly process: (key: string) => void;
  private readonly onError: ErrorSink;
  private readonly rate: () => number;
  private bucket: { rate: number; tokens: TokenBucket } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private closed = false;

  constructor(process: (key: string) => void, onError: ErrorSink, rate: () => number) {
    this.process = process;
    this.onError = onError;
    this.rate = rate;
  }

  add(key: string): void {
    if (this.closed || this.pending.has(key)) return;
    this.pending.add(key);
    this.schedule();
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearImmediate(this.immediate);
  }

  private schedule(): void {
    if (this.timer || this.immediate || this.closed || this.pending.size === 0) return;
    const wait = this.currentBucket()?.wait() ?? 0;
    if (wait > 0) this.timer = setTimeout(() => { this.timer = undefined; this.schedule(); }, Math.ceil(wait));
    else this.immediate = setImmediate(() => this.run());
  }

  /** The bucket for the current rate (a new one when the rate changed); undefined: unlimited. */
  private currentBucket(): TokenBucket | undefined {
    const rate = this.rate();
    if (rate <= 0) return (this.bucket = undefined);
    if (this.bucket?.rate !== rate) this.bucket = { rate, tokens: new TokenBucket(rate, rate) };
    return this.bucket.tokens;
  }

  private run(): void {
    this.immediate = undefined;
    const bucket = this.currentBucket();
    do {
      if (this.closed || this.pending.size === 0 || (bucket && !bucket.take())) break;
      const key = this.pending.values().next().value!;
      this.pending.delete(key);
      try {
        this.process(key);
      } catch (err) {
        this.onError(new Error(`${key}: ${(err as Error).stack ?? err}`));
      }
    } while (bucket);
    this.schedule();
  }
}
