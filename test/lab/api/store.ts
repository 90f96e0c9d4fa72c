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

/** Objects in events are the stored ones, shared with every listener: read, never change them. */
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
  /** resource → `namespace/name` → object. Stored objects are replaced on write, never changed in place. */
  private readonly objects = new Map<string, Map<string, KObject>>();
  private readonly uids = new Map<string, { resource: string; object: KObject }>();
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

  /** Copies of the objects that pass `filter`, which sees the stored objects (read only: copying all would be the cost). */
  list(resource: string, namespace?: string, filter: (obj: KObject) => boolean = () => true): KObject[] {
    const out: KObject[] = [];
    for (const obj of this.objects.get(resource)?.values() ?? []) {
      if ((namespace === undefined || obj.metadata.namespace === namespace) && filter(obj)) out.push(structuredClone(obj));
    }
    return out.sort((a, b) => `${a.metadata.namespace}/${a.metadata.name}`.localeCompare(`${b.metadata.namespace}/${b.metadata.name}`));
  }

  /** The stored objects themselves, for scans that read a few fields: never change them. */
  peek(resource: string): Iterable<KObject> {
    return this.objects.get(resource)?.values() ?? [];
  }

  /** Copies of the objects of any resource that pass `filter` (which sees the stored objects, read only). */
  select(filter: (obj: KObject) => boolean): { resource: string; object: KObject }[] {
    return [...this.objects.entries()].flatMap(([resource, objects]) =>
      [...objects.values()].filter(filter).map((object) => ({ resource, object: structuredClone(object) })));
  }

  byUid(uid: string): { resource: string; object: KObject } | undefined {
    const found = this.uids.get(uid);
    return found && { resource: found.resource, object: structuredClone(found.object) };
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
    this.uids.delete(previous.metadata.uid);
    const rv = ++this.revision;
    // A deleted object is reported with the revision of its deletion, as etcd does.
    const object = structuredClone(previous);
    object.metadata.resourceVersion = String(rv);
    this.emit({ type: 'DELETED', resource, object, previous, rv });
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
    this.uids.set(stored.metadata.uid, { resource, object: stored });
    this.emit({ type, resource, object: stored, previous, rv });
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
