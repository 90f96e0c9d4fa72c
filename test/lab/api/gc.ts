// The garbage collector (docs: "Garbage Collection", ownerReferences): when an owner goes,
// its dependents go too (Background), or before it (Foreground: the owner waits under the
// foregroundDeletion finalizer), or lose the reference (Orphan). A dependent whose owners
// never existed (no object with that uid) is deleted as well, as the real collector verifies.
import { DeletingController } from './controller.ts';
import { FOREGROUND, ORPHAN } from './deletion.ts';
import type { KObject, OwnerReference, StoreEvent } from './store.ts';

export class GarbageCollector extends DeletingController {
  protected observe(e: StoreEvent): void {
    const meta = e.object.metadata;
    if (e.type === 'ADDED' && meta.ownerReferences?.length) this.deleteIfOrphaned(e.resource, e.object);
    if (e.type === 'DELETED') {
      for (const d of this.dependents(meta.uid)) this.ownerGone(d.resource, d.object, meta.uid);
      // A foreground-deleting owner may be waiting for this very dependent.
      for (const ref of meta.ownerReferences ?? []) this.processOwner(ref.uid);
    }
    if (e.type === 'MODIFIED' && meta.deletionTimestamp) this.processOwner(meta.uid);
  }

  private dependents(uid: string): { resource: string; object: KObject }[] {
    return this.store.dependentsOf(uid);
  }

  private exists(ref: OwnerReference): boolean {
    return !!this.store.byUid(ref.uid);
  }

  private deleteIfOrphaned(resource: string, obj: KObject): void {
    if (!obj.metadata.ownerReferences!.some((r) => this.exists(r))) this.tryDelete(resource, obj);
  }

  private ownerGone(resource: string, obj: KObject, ownerUid: string): void {
    const remaining = (obj.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid && this.exists(r));
    if (remaining.length) {
      this.store.mutate(resource, obj.metadata.namespace, obj.metadata.name, (o) => {
        o.metadata.ownerReferences = o.metadata.ownerReferences!.filter((r) => r.uid !== ownerUid);
      });
    } else this.tryDelete(resource, obj);
  }

  /** Works off the Foreground or Orphan finalizer of an owner whose deletion has started. */
  private processOwner(uid: string): void {
    const owner = this.store.byUid(uid);
    const finalizers = owner?.object.metadata.finalizers ?? [];
    if (!owner || !owner.object.metadata.deletionTimestamp) return;
    const { resource, object } = owner;
    const dependents = this.dependents(uid);
    if (finalizers.includes(ORPHAN)) {
      for (const d of dependents) {
        this.store.mutate(d.resource, d.object.metadata.namespace, d.object.metadata.name, (o) => {
          o.metadata.ownerReferences = o.metadata.ownerReferences!.filter((r) => r.uid !== uid);
          if (!o.metadata.ownerReferences.length) delete o.metadata.ownerReferences;
        });
      }
      this.deleter.removeFinalizer(resource, object.metadata.namespace, object.metadata.name, ORPHAN);
    } else if (finalizers.includes(FOREGROUND)) {
      if (!dependents.length) this.deleter.removeFinalizer(resource, object.metadata.namespace, object.metadata.name, FOREGROUND);
      // Dependents go in the background (a bound pod through its kubelet); the owner waits for them.
      for (const d of dependents) if (!d.object.metadata.deletionTimestamp) this.tryDelete(d.resource, d.object);
    }
  }

  private tryDelete(resource: string, obj: KObject): void {
    if (!this.store.has(resource, obj.metadata.namespace, obj.metadata.name)) return;
    this.deleter.delete(resource, obj.metadata.namespace, obj.metadata.name, { propagationPolicy: 'Background', preconditions: { uid: obj.metadata.uid } });
  }
}
