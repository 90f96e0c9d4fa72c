// The object store: one global resourceVersion counter (etcd's revision), and a bounded
// history of changes that watches resume from — older versions answer 410 Gone, as the
// watch cache does after its window (or etcd after compaction). Indexes keep what controllers
// ask on every change cheap at 5,000 nodes: dependents by owner uid (the garbage collector's
// graph) and objects per namespace (the namespace controller's "is it empty yet").
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


export class Store {
  private revision = 0;
  /** resource → namespace ('' for cluster-scoped) → name → object. Stored objects are replaced on write, never changed in place. */
  private readonly objects = new Map<string, Map<string, Map<string, KObject>>>();
  private readonly uids = new Map<string, { resource: string; object: KObject }>();
  private history: StoreEvent[] = [];
  /** history[historyStart] is the oldest change kept; those before it are forgotten. */
  private historyStart = 0;
  /** Watches may resume from any resourceVersion >= this one. */
  private oldestResumable = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private readonly historyLimit: number;
  /** owner uid → `resource/namespace/name` of the objects that name it in ownerReferences. */
  private readonly dependents = new Map<string, Set<string>>();
  /** namespace → how many objects of any resource it holds, and how many of them are not being deleted. */
  private readonly perNamespace = new Map<string, { all: number; live: number }>();

  constructor(historyLimit = 5000) {
    this.historyLimit = historyLimit;
  }

  get resourceVersion(): number {
    return this.revision;
  }

  get(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const obj = this.peekObject(resource, namespace, name);
    return obj && structuredClone(obj);
  }

  /** Copies of the objects that pass `filter`, which sees the stored objects (read only: copying all would be the cost). */
  list(resource: string, namespace?: string, filter: (obj: KObject) => boolean = () => true): KObject[] {
    return this.listStored(resource, namespace, filter).map((obj) => structuredClone(obj));
  }

  /**
   * The stored objects that pass `filter`, in etcd's key order (namespace, then name, byte by
   * byte), for answers that only serialise them: read, never change them.
   */
  listStored(resource: string, namespace?: string, filter: (obj: KObject) => boolean = () => true): KObject[] {
    const keyed: [string, KObject][] = [];
    for (const obj of this.peek(resource, namespace)) if (filter(obj)) keyed.push([`${obj.metadata.namespace ?? ''}/${obj.metadata.name}`, obj]);
    return keyed.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, obj]) => obj);
  }

  /** The stored objects themselves (of one namespace, or all), for scans that read a few fields: never change them. */
  *peek(resource: string, namespace?: string): Iterable<KObject> {
    const byNamespace = this.objects.get(resource);
    if (namespace !== undefined) yield* byNamespace?.get(namespace)?.values() ?? [];
    else for (const objects of byNamespace?.values() ?? []) yield* objects.values();
  }

  /** The stored object itself, to read a few fields of: never change it. */
  peekObject(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    return this.objects.get(resource)?.get(namespace ?? '')?.get(name);
  }

  /** Copies of the objects whose ownerReferences name `uid`. */
  dependentsOf(uid: string): { resource: string; object: KObject }[] {
    return [...this.dependents.get(uid) ?? []].map((ref) => {
      const [resource, namespace, name] = ref.split('/');
      return { resource, object: structuredClone(this.peekObject(resource, namespace, name)!) };
    });
  }

  /** How many objects a namespace holds, and how many of them are not being deleted. */
  countIn(namespace: string): { all: number; live: number } {
    return { ...(this.perNamespace.get(namespace) ?? { all: 0, live: 0 }) };
  }

  byUid(uid: string): { resource: string; object: KObject } | undefined {
    const found = this.uids.get(uid);
    return found && { resource: found.resource, object: structuredClone(found.object) };
  }

  has(resource: string, namespace: string | undefined, name: string): boolean {
    return this.peekObject(resource, namespace, name) !== undefined;
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
    // The copy is this call's own: stored as it is, without copying it once more.
    return this.write('MODIFIED', resource, obj, true);
  }

  /** Removes the object; returns it as deleted (shared with the change's watchers: read, never change it). */
  remove(resource: string, namespace: string | undefined, name: string): KObject | undefined {
    const objects = this.objects.get(resource)?.get(namespace ?? '');
    const previous = objects?.get(name);
    if (!objects || !previous) return undefined;
    objects.delete(name);
    if (objects.size === 0) this.objects.get(resource)!.delete(namespace ?? '');
    this.uids.delete(previous.metadata.uid);
    this.index(resource, previous, undefined);
    const rv = ++this.revision;
    // A deleted object is reported with the revision of its deletion, as etcd does. Stored objects
    // are never changed in place, so the copy may share all but its metadata with them.
    const object: KObject = { ...previous, metadata: { ...previous.metadata, resourceVersion: String(rv) } };
    this.emit({ type: 'DELETED', resource, object, previous, rv });
    return object;
  }

  /** Changes after `rv`, or 410 Gone when they are no longer kept. */
  changesSince(rv: number): StoreEvent[] {
    if (rv < this.oldestResumable) throw expired(rv, this.oldestResumable);
    return this.history.slice(this.historyStart).filter((e) => e.rv > rv);
  }

  /** Forgets all history, as an etcd compaction does: watches from any earlier version get 410. */
  compact(): void {
    this.history = [];
    this.historyStart = 0;
    this.oldestResumable = this.revision;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private write(type: EventType, resource: string, obj: KObject, owned = false): KObject {
    const byNamespace = this.objects.get(resource) ?? new Map<string, Map<string, KObject>>();
    this.objects.set(resource, byNamespace);
    const objects = byNamespace.get(obj.metadata.namespace ?? '') ?? new Map<string, KObject>();
    byNamespace.set(obj.metadata.namespace ?? '', objects);
    const previous = objects.get(obj.metadata.name);
    const rv = ++this.revision;
    const stored = owned ? obj : structuredClone(obj);
    stored.metadata.resourceVersion = String(rv);
    objects.set(obj.metadata.name, stored);
    this.uids.set(stored.metadata.uid, { resource, object: stored });
    this.index(resource, previous, stored);
    this.emit({ type, resource, object: stored, previous, rv });
    return structuredClone(stored);
  }

  /** Keeps the indexes in step with one object's change (before → after; undefined: absent). */
  private index(resource: string, before: KObject | undefined, after: KObject | undefined): void {
    const { namespace, name } = (after ?? before)!.metadata;
    const ref = `${resource}/${namespace ?? ''}/${name}`;
    for (const owner of before?.metadata.ownerReferences ?? []) this.dependents.get(owner.uid)?.delete(ref);
    for (const owner of after?.metadata.ownerReferences ?? []) {
      const set = this.dependents.get(owner.uid) ?? new Set<string>();
      this.dependents.set(owner.uid, set.add(ref));
    }
    for (const owner of before?.metadata.ownerReferences ?? []) if (this.dependents.get(owner.uid)?.size === 0) this.dependents.delete(owner.uid);
    if (namespace === undefined) return;
    const counts = this.perNamespace.get(namespace) ?? { all: 0, live: 0 };
    const live = (o: KObject | undefined) => (o && !o.metadata.deletionTimestamp ? 1 : 0);
    counts.all += (after ? 1 : 0) - (before ? 1 : 0);
    counts.live += live(after) - live(before);
    if (counts.all === 0) this.perNamespace.delete(namespace);
    else this.perNamespace.set(namespace, counts);
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.oldestResumable = this.history[this.historyStart].rv;
      this.history[this.historyStart++] = undefined as never;
      // The array is cut only now and then: moving 5,000 entries on every write would cost more than the write.
      if (this.historyStart >= this.historyLimit) {
        this.history = this.history.slice(this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of this.listeners) listener(event);
  }
}
