// core/v1 Events as components record them: identical events on one object are folded
// into one with a growing count, as client-go's EventCorrelator does.
import { randomUUID } from 'node:crypto';
import { now } from './meta.ts';
import type { KObject, Store } from './store.ts';
import { resourceByName } from './registry.ts';

export interface EventSource { component: string; host?: string }

/** What makes two events the same one (the correlator's key, as far as the lab's events differ). */
const sameEvent = (namespace: string, uid: string, reason: string, message: string): string => `${namespace}\u0000${uid}\u0000${reason}\u0000${message}`;

export class EventRecorder {
  private readonly store: Store;
  private lastNanos = 0n;
  /** sameEvent key → the event's name: finding the one to fold into must not scan every event. */
  private readonly byKey = new Map<string, string>();

  constructor(store: Store) {
    this.store = store;
    store.subscribe((e) => {
      if (e.resource !== 'events' || e.type !== 'DELETED') return;
      const involved = e.object.involvedObject as { uid: string };
      this.byKey.delete(sameEvent(e.object.metadata.namespace!, involved.uid, e.object.reason as string, e.object.message as string));
    });
  }

  record(resource: string, involved: KObject, type: 'Normal' | 'Warning', reason: string, message: string, source: EventSource): void {
    // Events about cluster-scoped objects (nodes) live in "default", as the real recorders put them.
    const namespace = involved.metadata.namespace ?? 'default';
    // NamespaceLifecycle refuses new events in a namespace that is going away, as for any content.
    if (this.store.peekObject('namespaces', undefined, namespace)?.metadata.deletionTimestamp) return;
    const key = sameEvent(namespace, involved.metadata.uid, reason, message);
    const same = this.byKey.get(key);
    const time = now();
    if (same && this.store.has('events', namespace, same)) {
      this.store.mutate('events', namespace, same, (e) => {
        e.count = (e.count as number) + 1;
        e.lastTimestamp = time;
      });
      return;
    }
    const name = `${involved.metadata.name}.${this.nanosHex()}`;
    this.byKey.set(key, name);
    this.store.create('events', {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name, namespace, uid: randomUUID(), resourceVersion: '', creationTimestamp: time },
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
