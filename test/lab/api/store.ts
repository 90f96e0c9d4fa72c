// The object store: one global resourceVersion counter (etcd's revision), and a bounded
// history of changes that watches resume from — older versions answer 410 Gone, as the
// watch cache does after its window (or etcd after compaction).
import { expired } from './status.ts';

export interface ObjectMeta {
  name: string;
  namespace?: string;
  generateName?: string;
  uid: string;
  resourceVersion: string;
  creationTimestamp: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  finalizers?: string[];
  deletionTimestamp?: string;
  deletionGracePeriodSeconds?: number;
  generation?: number;
}

export interface OwnerReference { apiVersion: string; kind: string; name: string; uid: string; controller?: boolean; blockOwnerDeletion?: boolean }

export interface KObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

/** An object as a client sends it: the server fills in uid, resourceVersion and creationTimestamp. */
export interface ObjectInput { apiVersion?: string; kind?: string; metadata: Partial<ObjectMeta>; [field: string]: unknown }

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

export interface StoreEvent {
  type: EventType;
  resource: string;
  object: KObject;
  /** The object before this change (MODIFIED and DELETED). */
  previous?: KObject;
  rv: number;
}

const key = (namespace: string | undefined, name: string) => `${namespace ?? ''}/${name}`;

export class Store {
  private revision = 0;
  /** resource → `namespace/name` → object */
  private readonly objects = new Map<string, Map<string, KObject>>();
  private history: StoreEvent[] = [];
  /** Watches may resume from any resourceVersion >= this one. */
  private oldestResumable = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly historyLimit: number;

  constructor(historyLimit = 5000) {
    this.historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.objects.get(resource)?.get(key(namespace, name));
    return obj && structuredClone(obj);
  }

  list(resource: string, namespace?: string): KObject[] {
    const out: KObject[] = [];
    for (const obj of this.objects.get(resource)?.values() ?? []) {
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(structuredClone(obj));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** Every object of every resource, for owner-reference lookups by uid. */
  all(): { resource: string; object: KObject }[] {
    return [...this.objects.entries()].flatMap(([resource, objects]) => [...objects.values()].map((object) => ({ resource, object: structuredClone(object) })));
  }

  has(resource: string, namespace: string | undefined, name: string): boolean {
    return this.objects.get(resource)?.has(key(namespace, name)) ?? false;
  }

  create(resource: string, obj: KObject): KObject {
    return this.write('ADDED', resource, obj);
  }

  update(resource: string, obj: KObject): KObject {
    return this.write('MODIFIED', resource, obj);
  }

  /** Read-modify-write in one synchronous step; returns undefined when the object is gone. */
  mutate(resource: string, namespace: string | undefined, name: string, change: (obj: KObject) => void): KObject | undefined {
    const obj = this.get(resource, namespace, name);
    if (!obj) return undefined;
    change(obj);
    return this.update(resource, obj);
  }

  remove(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const k = key(namespace, name);
    const previous = this.objects.get(resource)?.get(k);
    if (!previous) return undefined;
    this.objects.get(resource)?.delete(k);
    const rv = ++this.revision;
    // A deleted object is reported with the revision of its deletion, as etcd does.
    const object = structuredClone(previous);
    object.metadata.resourceVersion = String(rv);
    this.emit({ type: 'DELETED', resource, object, previous: structuredClone(previous), rv });
    return structuredClone(object);
  }

  /** Changes after `rv`, or 410 Gone when they are no longer kept. */
  changesSince(rv: number): StoreEvent[] {
    if (rv < this.oldestResumable) throw expired(rv, this.oldestResumable);
    return this.history.filter((e) => e.rv > rv);
  }

  /** Forgets all history, as an etcd compaction does: watches from any earlier version get 410. */
  compact(): void {
    this.history = [];
    this.oldestResumable = this.revision;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(type: EventType, resource: string, obj: KObject): KObject {
    const k = key(obj.metadata.namespace, obj.metadata.name);
    const byKey = this.objects.get(resource) ?? new Map<string, KObject>();
    this.objects.set(resource, byKey);
    const previous = byKey.get(k);
    const rv = ++this.revision;
    const stored = structuredClone(obj);
    stored.metadata.resourceVersion = String(rv);
    byKey.set(k, stored);
    this.emit({ type, resource, object: structuredClone(stored), previous: previous && structuredClone(previous), rv });
    return structuredClone(stored);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length > this.historyLimit) {
      const dropped = this.history.splice(0, this.history.length - this.historyLimit);
      this.oldestResumable = dropped[dropped.length - 1].rv;
    }
    for (const listener of this.listeners) listener(event);
  }
}
