// The resources the lab serves — core/v1, discovery.k8s.io/v1 EndpointSlices, networking.k8s.io/v1
// NetworkPolicies, and cluster-wide policy kinds of CNIs that the lab serves only once told to, as
// a cluster does once their CustomResourceDefinitions are installed: what discovery advertises, how
// URLs map to kinds, and which field selectors each resource supports (as the real registry's
// GetAttrs does). The lab stores policies; it never enforces them.

export interface ResourceDef {
  /** The API group; absent: the core group (""), served under /api/v1. */
  group?: string;
  /** The group's one version; absent: v1. */
  version?: string;
  /** A CustomResourceDefinition's resource: served only once installed (`<name>.<group>`, see installCustomResources). */
  custom?: true;
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
export const NETWORKING_GROUP = 'networking.k8s.io';

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
  { group: NETWORKING_GROUP, name: 'networkpolicies', singularName: 'networkpolicy', kind: 'NetworkPolicy', namespaced: true, shortNames: ['netpol'], verbs: ALL_VERBS, subresources: [], fields: [] },
  // Cluster-wide policies of the Network Policy API (sig-network), Calico and Cilium, at the versions they serve.
  { group: 'policy.networking.k8s.io', version: 'v1alpha1', custom: true, name: 'adminnetworkpolicies', singularName: 'adminnetworkpolicy', kind: 'AdminNetworkPolicy', namespaced: false, shortNames: ['anp'], verbs: ALL_VERBS, subresources: [], fields: [] },
  { group: 'crd.projectcalico.org', custom: true, name: 'globalnetworkpolicies', singularName: 'globalnetworkpolicy', kind: 'GlobalNetworkPolicy', namespaced: false, verbs: ALL_VERBS, subresources: [], fields: [] },
  { group: 'cilium.io', version: 'v2', custom: true, name: 'ciliumclusterwidenetworkpolicies', singularName: 'ciliumclusterwidenetworkpolicy', kind: 'CiliumClusterwideNetworkPolicy', namespaced: false, shortNames: ['ccnp'], verbs: ALL_VERBS, subresources: [], fields: [] },
];

/** A custom resource's name as its CustomResourceDefinition is named: `<plural>.<group>`. */
export function customResourceName(def: ResourceDef): string {
  return `${def.name}.${def.group}`;
}

/** What a server serves: the built-in resources and the custom ones installed there. */
export function servedResources(installed: ReadonlySet<string>): ResourceDef[] {
  return RESOURCES.filter((r) => !r.custom || installed.has(customResourceName(r)));
}

/** The groups besides core among `resources`, each with its one version. */
export function apiGroupsOf(resources: readonly ResourceDef[]): { name: string; version: string }[] {
  const groups = new Map(resources.filter((r) => r.group).map((r) => [r.group!, versionOf(r)]));
  return [...groups].map(([name, version]) => ({ name, version }));
}

function versionOf(def: ResourceDef): string {
  return def.version ?? 'v1';
}

/** "v1", or "networking.k8s.io/v1": what the resource's objects say in apiVersion. */
export function apiVersionOf(def: ResourceDef): string {
  return def.group ? `${def.group}/${versionOf(def)}` : 'v1';
}

export function resourceByName(name: string, group = '', resources: readonly ResourceDef[] = RESOURCES): ResourceDef | undefined {
  return resources.find((r) => r.name === name && (r.group ?? '') === group);
}

export function resourceByKind(kind: string, resources: readonly ResourceDef[] = RESOURCES): ResourceDef | undefined {
  return resources.find((r) => r.kind === kind);
}
