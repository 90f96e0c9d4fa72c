// How the lab's controllers take work from the store: never inside the store's own change
// notification (a write there would reach watchers out of order), but on the next turn, and
// — like client-go's workqueue — a key queued again before it ran is processed once. A
// failure is reported, never thrown: one odd object must not take the API server down.
export type ErrorSink = (error: Error) => void;

export class KeyedQueue {
  private readonly pending = new Set<string>();
  private readonly process: (key: string) => void;
  private readonly onError: ErrorSink;
  private closed = false;

  constructor(process: (key: string) => void, onError: ErrorSink) {
    this.process = process;
    this.onError = onError;
  }

  add(key: string): void {
    if (this.closed || this.pending.has(key)) return;
    this.pending.add(key);
    setImmediate(() => {
      this.pending.delete(key);
      if (this.closed) return;
      try {
        this.process(key);
      } catch (err) {
        this.onError(new Error(`${key}: ${(err as Error).stack ?? err}`));
      }
    });
  }

  close(): void {
    this.closed = true;
  }
}

/** "namespace/name" keys, as client-go's MetaNamespaceKeyFunc makes them. */
export const objectKey = (namespace: string, name: string): string => `${namespace}/${name}`;
export const splitKey = (key: string): [string, string] => key.split('/') as [string, string];
