// Deletion as the generic registry does it: graceful for pods bound to a node (the kubelet
// finishes it), deferred while finalizers remain, and the propagation policies of the
// garbage collector (Foreground and Orphan are finalizers the collector then works off).
import { now } from './meta.ts';
import { conflict, notFound } from './status.ts';
import type { KObject, Store } from './store.ts';

export interface DeleteOptions {
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  preconditions?: { uid?: string; resourceVersion?: string };
  orphanDependents?: boolean;
}

export const FOREGROUND = 'foregroundDeletion';
export const ORPHAN = 'orphan';

export class Deleter {
  private readonly store: Store;

  constructor(store: Store) {
    this.store = store;
  }

  /** Starts or completes the deletion; returns the object as it now is (still present or just removed). */
  delete(resource: string, namespace: string | undefined, name: string, options: DeleteOptions = {}): { object: KObject; removed: boolean } {
    const obj = this.store.get(resource, namespace, name);
    if (!obj) throw notFound(resource, name);
    const pre = options.preconditions;
    if ((pre?.uid && pre.uid !== obj.metadata.uid) || (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)) throw conflict(resource, name);

    const policy = options.propagationPolicy ?? (options.orphanDependents ? 'Orphan' : 'Background');
    const finalizers = new Set(obj.metadata.finalizers ?? []);
    if (policy === 'Foreground') finalizers.add(FOREGROUND);
    if (policy === 'Orphan') finalizers.add(ORPHAN);

    const spec = obj.spec as { nodeName?: string; terminationGracePeriodSeconds?: number } | undefined;
    // An unbound pod has no kubelet to confirm termination, so it goes at once (pod strategy CheckGracefulDelete).
    const graceful = resource === 'pods' && !!spec?.nodeName && options.gracePeriodSeconds !== 0;
    const deferred = graceful || finalizers.size > 0 || resource === 'namespaces';
    if (!deferred) return { object: this.store.remove(resource, namespace, name)!, removed: true };

    if (obj.metadata.deletionTimestamp && [...finalizers].every((f) => obj.metadata.finalizers?.includes(f))) return { object: obj, removed: false };
    const updated = this.store.mutate(resource, namespace, name, (o) => {
      o.metadata.deletionTimestamp ??= now();
      if (graceful) o.metadata.deletionGracePeriodSeconds ??= options.gracePeriodSeconds ?? spec?.terminationGracePeriodSeconds ?? 30;
      if (finalizers.size) o.metadata.finalizers = [...finalizers];
      if (resource === 'namespaces') (o.status as { phase: string }).phase = 'Terminating';
    })!;
    return { object: updated, removed: false };
  }

  /** Removes an object whose deletion has started once nothing holds it any more (finalizers gone). */
  finish(resource: string, namespace: string | undefined, name: string): void {
    const obj = this.store.get(resource, namespace, name);
    if (obj?.metadata.deletionTimestamp && !obj.metadata.finalizers?.length) this.store.remove(resource, namespace, name);
  }

  removeFinalizer(resource: string, namespace: string | undefined, name: string, finalizer: string): void {
    this.store.mutate(resource, namespace, name, (o) => {
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      if (!o.metadata.finalizers.length) delete o.metadata.finalizers;
    });
    this.finish(resource, namespace, name);
  }
}
