// The base of the controllers that react to store changes by deleting things (garbage
// collector, namespace controller). They act on the next turn, never inside the store's own
// change notification, where a write would reach watchers out of order.
import type { Deleter } from './deletion.ts';
import type { Store, StoreEvent } from './store.ts';
import type { ErrorSink } from './workqueue.ts';

export abstract class DeletingController {
  protected readonly store: Store;
  protected readonly deleter: Deleter;
  readonly close: () => void;

  constructor(store: Store, deleter: Deleter, onError: ErrorSink) {
    this.store = store;
    this.deleter = deleter;
    let closed = false;
    const unsubscribe = store.subscribe((e) => setImmediate(() => {
      if (closed) return;
      try {
        this.observe(e);
      } catch (err) {
        onError(err as Error);
      }
    }));
    this.close = () => {
      closed = true;
      unsubscribe();
    };
  }

  protected abstract observe(event: StoreEvent): void;
}
