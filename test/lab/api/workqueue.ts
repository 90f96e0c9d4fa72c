// How the lab's controllers take work from the store: never inside the store's own change
// notification (a write there would reach watchers out of order), but on the next turn, and
// — like client-go's workqueue — a key queued again before it ran is processed once. A
// failure is reported, never thrown: one odd object must not take the API server down.
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
