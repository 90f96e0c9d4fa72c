// The resources the lab serves — core/v1, and discovery.k8s.io/v1 EndpointSlices: what
// discovery advertises, how URLs map to kinds, and which field selectors each resource
// supports (as the real registry's GetAttrs does).

export interface ResourceDef {
  /** The API group; absent: the core group (""), served under /api/v1. */
  group?: string;
  name: string;
  singularName: string;
  kind: string;
  namespaced: boolean;
  shortNames?: string[];
  /** Discovery categories: `kubectl get all` lists the resources in "all". */
  categories?: string[];
  verbs: string[];
  /** Names of subresources, see SUBRESOURCE_VERBS. */
  subresources: string[];
  /** Fields accepted in fieldSelector besides metadata.name and metadata.namespace. */
  fields: string[];
}

export const DISCOVERY_GROUP = 'discovery.k8s.io';

const ALL_VERBS = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];

/** What each subresource allows: logs are read-only, status is read and written. */
export const SUBRESOURCE_VERBS: Record<string, string[]> = { log: ['get'], status: ['get', 'patch', 'update'] };

export const RESOURCES: ResourceDef[] = [
  { name: 'configmaps', singularName: 'configmap', kind: 'ConfigMap', namespaced: true, shortNames: ['cm'], verbs: ALL_VERBS, subresources: [], fields: [] },
  { name: 'endpoints', singularName: 'endpoints', kind: 'Endpoints', namespaced: true, shortNames: ['ep'], verbs: ['get', 'list', 'watch'], subresources: [], fields: [] },
  {
    name: 'events', singularName: 'event', kind: 'Event', namespaced: true, shortNames: ['ev'], verbs: ALL_VERBS, subresources: [],
    fields: ['involvedObject.kind', 'involvedObject.namespace', 'involvedObject.name', 'involvedObject.uid', 'involvedObject.apiVersion', 'involvedObject.resourceVersion', 'involvedObject.fieldPath', 'reason', 'reportingComponent', 'source', 'type'],
  },
  { name: 'namespaces', singularName: 'namespace', kind: 'Namespace', namespaced: false, shortNames: ['ns'], verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], subresources: ['status'], fields: ['status.phase'] },
  { name: 'nodes', singularName: 'node', kind: 'Node', namespaced: false, shortNames: ['no'], verbs: ['get', 'list', 'patch', 'update', 'watch'], subresources: ['status'], fields: ['spec.unschedulable'] },
  {
    name: 'pods', singularName: 'pod', kind: 'Pod', namespaced: true, shortNames: ['po'], categories: ['all'], verbs: ALL_VERBS, subresources: ['log', 'status'],
    fields: ['spec.nodeName', 'spec.restartPolicy', 'spec.schedulerName', 'spec.serviceAccountName', 'spec.hostNetwork', 'status.phase', 'status.podIP', 'status.nominatedNodeName'],
  },
  { name: 'services', singularName: 'service', kind: 'Service', namespaced: true, shortNames: ['svc'], categories: ['all'], verbs: ALL_VERBS, subresources: ['status'], fields: [] },
  // Written by the endpoints controller (services.ts) alone, as the EndpointSlice controller does.
  { group: DISCOVERY_GROUP, name: 'endpointslices', singularName: 'endpointslice', kind: 'EndpointSlice', namespaced: true, verbs: ['get', 'list', 'watch'], subresources: [], fields: [] },
];

/** The groups besides core, with their one version. */
export const API_GROUPS = [DISCOVERY_GROUP];

/** "v1", or "discovery.k8s.io/v1": what the resource's objects say in apiVersion. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/v1` : 'v1';
}

export function resourceByName(name: string, group = ''): ResourceDef | undefined {
  return RESOURCES.find((r) => r.name === name && (r.group ?? '') === group);
}

export function resourceByKind(kind: string): ResourceDef | undefined {
  return RESOURCES.find((r) => r.kind === kind);
}
