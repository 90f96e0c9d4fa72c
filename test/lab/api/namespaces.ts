// The namespace controller: a namespace being deleted stays Terminating (its "kubernetes"
// spec finalizer) until every object in it is gone, then is removed. Creating content in it
// meanwhile is refused, as the NamespaceLifecycle admission plugin does (admitNamespace).
import { DeletingController } from './controller.ts';
import { ApiError, notFound } from './status.ts';
import { RESOURCES } from './registry.ts';
import type { KObject, Store, StoreEvent } from './store.ts';

/** The namespaces a cluster starts with, which cannot be deleted (NamespaceLifecycle's immortal set). */
export const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

export class NamespaceController extends DeletingController {
  protected observe(e: StoreEvent): void {
    if (e.resource === 'namespaces' && e.type === 'MODIFIED' && e.object.metadata.deletionTimestamp) this.drain(e.object.metadata.name);
    else if (e.type === 'DELETED' && e.object.metadata.namespace) this.drain(e.object.metadata.namespace);
  }

  private drain(namespace: string): void {
    const ns = this.store.peekObject('namespaces', undefined, namespace);
    if (!ns?.metadata.deletionTimestamp) return;
    // Each deletion comes back here: only a namespace with content not yet being deleted needs
    // the scan (the store counts both), so emptying one of 10,000 pods stays linear.
    if (this.store.countIn(namespace).live > 0) {
      for (const r of RESOURCES.filter((d) => d.namespaced)) {
        for (const obj of this.store.listStored(r.name, namespace, (o) => !o.metadata.deletionTimestamp)) this.deleter.delete(r.name, namespace, obj.metadata.name);
      }
    }
    if (this.store.countIn(namespace).all === 0 && !ns.metadata.finalizers?.length) this.store.remove('namespaces', undefined, namespace);
  }
}

/** Admission: content may only be created in a namespace that exists and is not terminating. */
export function admitNamespace(store: Store, resource: string, namespace: string, name: string): KObject {
  const ns = store.get('namespaces', undefined, namespace);
  if (!ns) throw notFound('namespaces', namespace);
  if (ns.metadata.deletionTimestamp) {
    const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
    throw new ApiError(403, 'Forbidden', `${resource} "${name}" is forbidden: ${message}`, {
      name,
      kind: resource,
      causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
    });
  }
  return ns;
}

export function admitNamespaceDelete(name: string): void {
  if (SYSTEM_NAMESPACES.includes(name)) throw new ApiError(403, 'Forbidden', `namespaces "${name}" is forbidden: this namespace may not be deleted`, { name, kind: 'namespaces' });
}
