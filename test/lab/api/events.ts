// core/v1 Events as components record them: identical events on one object are folded
// into one with a growing count, as client-go's EventCorrelator does.
import { randomUUID } from 'node:crypto';
import { now } from './meta.ts';
import type { KObject, Store } from './store.ts';
import { resourceByName } from './registry.ts';

export interface EventSource { component: string; host?: string }

export class EventRecorder {
  private readonly store: Store;
  private lastNanos = 0n;

  constructor(store: Store) {
    this.store = store;
  }

  record(resource: string, involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource): void {
    // Events about cluster-scoped objects (nodes) live in "default", as the real recorders put them.
    const namespace = involved.metadata.namespace ?? 'default';
    // NamespaceLifecycle refuses new events in a namespace that is going away, as for any content.
    if (this.store.get('namespaces', undefined, namespace)?.metadata.deletionTimestamp) return;
    const [same] = this.store.list('events', namespace, (e) =>
      (e.involvedObject as { uid: string }).uid === involved.metadata.uid && e.reason === reason && e.message === message);
    const time = now();
    if (same) {
      this.store.mutate('events', namespace, same.metadata.name, (e) => {
        e.count = (e.count as number) + 1;
        e.lastTimestamp = time;
      });
      return;
    }
    this.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: `${involved.metadata.name}.${this.nanosHex()}`, namespace, uid: randomUUID(), resourceVersion: '', creationTimestamp: time },
      involvedObject: {
        kind: resourceByName(resource)?.kind,
        namespace: involved.metadata.namespace,
        name: involved.metadata.name,
        uid: involved.metadata.uid,
        apiVersion: 'v1',
        resourceVersion: involved.metadata.resourceVersion,
      },
      reason,
      message,
      source,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
      type,
      eventTime: null,
      reportingComponent: source.component,
      reportingInstance: source.host ?? '',
    });
  }

  /** Event names end in the creation time in hex nanoseconds (as client-go names them), so an
   *  object's events list in the order they happened; strictly increasing, never reused. */
  private nanosHex(): string {
    const t = BigInt(Date.now()) * 1_000_000n;
    this.lastNanos = t > this.lastNanos ? t : this.lastNanos + 1n;
    return this.lastNanos.toString(16);
  }
}
