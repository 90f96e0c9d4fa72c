// The REST verbs on the served resources, as the generic registry implements them: create
// (defaulting, validation, admission), get, list, update, patch, delete, deletecollection.
import type { Deleter, DeleteOptions } from './deletion.ts';
import { applyDefaults } from './defaults.ts';
import { initMetadata } from './meta.ts';
import { admitNamespace, admitNamespaceDelete } from './namespaces.ts';
import { admitPodSecurity } from './podsecurity.ts';
import { applyPatch } from './patch.ts';
import { apiVersionOf, type ResourceDef } from './registry.ts';
import type { Matcher } from './selectors.ts';
import type { ClusterIPAllocator } from './services.ts';
import { alreadyExists, badRequest, conflict, invalid, notFound, successStatus, type Status } from './status.ts';
import type { KObject, Store } from './store.ts';
import { validate } from './validation.ts';

type Any = Record<string, any>;

/** Kinds whose DELETE answers with the object; the rest answer with a Status (as their real registries do). */
const DELETE_RETURNS_OBJECT = new Set(['pods', 'namespaces', 'services']);

export class Handlers {
  private readonly store: Store;
  private readonly deleter: Deleter;
  private readonly allocator: ClusterIPAllocator;

  constructor(store: Store, deleter: Deleter, allocator: ClusterIPAllocator) {
    this.store = store;
    this.deleter = deleter;
    this.allocator = allocator;
  }

  get(def: ResourceDef, namespace: string | undefined, name: string): KObject {
    const obj = this.store.get(def.name, namespace, name);
    if (!obj) throw notFound(def.name, name);
    return obj;
  }

  /** The items are the stored objects, to serialise: read, never change them. */
  list(def: ResourceDef, namespace: string | undefined, matches: Matcher): { resourceVersion: string; items: KObject[] } {
    const resourceVersion = String(this.store.resourceVersion);
    return { resourceVersion, items: this.store.listStored(def.name, namespace, matches) };
  }

  /** `warnings` collects what the API server would send in Warning headers. */
  create(def: ResourceDef, namespace: string | undefined, body: unknown, dryRun: boolean, warnings: string[] = []): KObject {
    const obj = this.decode(def, namespace, body);
    initMetadata(obj, def.namespaced ? namespace : undefined);
    if (!(obj as Any).spec && ['pods', 'services'].includes(def.name)) (obj as Any).spec = {};
    if (def.name === 'pods') (obj as Any).spec.containers ??= [];
    // Validated before defaulting, which needs the required fields (the real server defaults first;
    // for a valid object the outcome is the same).
    validate(def, obj);
    applyDefaults(def.name, obj);
    if (def.namespaced) {
      const ns = admitNamespace(this.store, def.name, namespace!, obj.metadata.name);
      if (def.name === 'pods') warnings.push(...admitPodSecurity(obj, ns));
    }
    if (this.store.has(def.name, namespace, obj.metadata.name)) throw alreadyExists(def.name, obj.metadata.name);
    if (def.name === 'services') this.allocator.assign(obj);
    return dryRun ? obj : this.store.create(def.name, obj);
  }

  /** PUT: replaces the object (or only its status for the status subresource), guarded by resourceVersion. */
  update(def: ResourceDef, namespace: string | undefined, name: string, body: unknown, subresource: string | undefined): KObject {
    const existing = this.get(def, namespace, name);
    const obj = this.decode(def, namespace, body);
    if (obj.metadata.name !== name) throw badRequest(`the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`);
    if (obj.metadata.resourceVersion && obj.metadata.resourceVersion !== existing.metadata.resourceVersion) throw conflict(def.name, name);
    return this.replace(def, existing, obj, subresource);
  }

  patch(def: ResourceDef, namespace: string | undefined, name: string, contentType: string, patch: unknown, subresource: string | undefined): KObject {
    const existing = this.store.get(def.name, namespace, name);
    if (!existing) {
      // Server-side apply creates what does not exist yet.
      if (contentType === 'application/apply-patch+yaml' && !subresource) return this.create(def, namespace, patch, false);
      throw notFound(def.name, name);
    }
    const patched = applyPatch(contentType, existing, patch) as KObject;
    if (!patched || typeof patched !== 'object' || !patched.metadata) throw badRequest('the patch removed the object\'s metadata');
    return this.replace(def, existing, patched, subresource);
  }

  delete(def: ResourceDef, namespace: string | undefined, name: string, options: DeleteOptions): KObject | Status {
    if (def.name === 'namespaces') admitNamespaceDelete(name);
    const { object } = this.deleter.delete(def.name, namespace, name, options);
    return DELETE_RETURNS_OBJECT.has(def.name) ? object : successStatus({ name, kind: def.name, uid: object.metadata.uid });
  }

  deleteCollection(def: ResourceDef, namespace: string | undefined, matches: Matcher, options: DeleteOptions): Status {
    for (const obj of this.store.listStored(def.name, namespace, matches)) {
      if (this.store.has(def.name, namespace, obj.metadata.name)) this.deleter.delete(def.name, obj.metadata.namespace, obj.metadata.name, options);
    }
    return successStatus({ kind: def.name });
  }

  /** Checks apiVersion/kind and the namespace of a request body. */
  private decode(def: ResourceDef, namespace: string | undefined, body: unknown): KObject {
    if (!body || typeof body !== 'object' || Array.isArray(body)) throw badRequest('the body of the request was not a JSON object');
    const obj = structuredClone(body) as KObject;
    if (obj.kind !== undefined && obj.kind !== def.kind) throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
    const apiVersion = apiVersionOf(def);
    if (obj.apiVersion !== undefined && obj.apiVersion !== apiVersion) throw badRequest(`the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`);
    obj.apiVersion = apiVersion;
    obj.kind = def.kind;
    obj.metadata ??= {} as KObject['metadata'];
    if (def.namespaced && obj.metadata.namespace && obj.metadata.namespace !== namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    return obj;
  }

  private replace(def: ResourceDef, existing: KObject, next: KObject, subresource: string | undefined): KObject {
    const merged: Any = subresource === 'status' ? { ...existing, status: next.status } : { ...next, status: existing.status };
    // Identity and system fields are the server's (ObjectMeta: read-only fields).
    const meta = existing.metadata;
    merged.metadata = subresource === 'status' ? meta : {
      ...next.metadata,
      name: meta.name, namespace: meta.namespace, uid: meta.uid, creationTimestamp: meta.creationTimestamp,
      deletionTimestamp: meta.deletionTimestamp, deletionGracePeriodSeconds: meta.deletionGracePeriodSeconds,
    };
    for (const k of ['deletionTimestamp', 'deletionGracePeriodSeconds'] as const) if (merged.metadata[k] === undefined) delete merged.metadata[k];
    merged.apiVersion = apiVersionOf(def);
    merged.kind = def.kind;
    if (def.name === 'pods' && (existing as Any).spec.nodeName && merged.spec.nodeName !== (existing as Any).spec.nodeName) {
      throw invalid('Pod', meta.name, [{ field: 'spec', type: 'FieldValueForbidden', detail: 'pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)' }]);
    }
    if (def.name === 'services') merged.spec.clusterIP = (existing as Any).spec.clusterIP;
    const stored = this.store.update(def.name, merged as KObject);
    // Removing the last finalizer of an object being deleted completes its deletion (a bound pod's
    // kubelet completes it instead, once its containers are stopped).
    const kubeletOwned = def.name === 'pods' && !!merged.spec.nodeName;
    if (stored.metadata.deletionTimestamp && !stored.metadata.finalizers?.length && def.name !== 'namespaces' && !kubeletOwned) {
      this.deleter.finish(def.name, meta.namespace, meta.name);
    }
    return stored;
  }
}
