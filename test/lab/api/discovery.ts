// API discovery as kubectl walks it: /version, /api, /apis, /api/v1, /apis/<group>/<version>. kubectl asks
// for the aggregated format (apidiscovery.k8s.io/v2) first and falls back to these plain documents
// when the response is application/json. What is served: the server's resources (servedResources).
import { apiGroupsOf, SUBRESOURCE_VERBS, type ResourceDef } from './registry.ts';

export const KUBERNETES_VERSION = { major: '1', minor: '32', gitVersion: 'v1.32.0-netprobe-lab' };

export function versionInfo(): object {
  return {
    ...KUBERNETES_VERSION,
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  };
}

export function apiVersions(serverAddress: string): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }] };
}

export function apiGroup(name: string, versionName: string): object {
  const version = { groupVersion: `${name}/${versionName}`, version: versionName };
  return { kind: 'APIGroup', apiVersion: 'v1', name, versions: [version], preferredVersion: version };
}

export function apiGroupList(served: readonly ResourceDef[]): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: apiGroupsOf(served).map(({ name, version }) => ({ ...apiGroup(name, version), kind: undefined, apiVersion: undefined })) };
}

export function coreResourceList(served: readonly ResourceDef[]): object {
  return resourceList(served, '', 'v1');
}

/** The APIResourceList of a group's version ('' for core). */
export function resourceList(served: readonly ResourceDef[], group: string, version: string): object {
  const resources = served.filter((r) => (r.group ?? '') === group).flatMap((r) => [
    { name: r.name, singularName: r.singularName, namespaced: r.namespaced, kind: r.kind, verbs: r.verbs, ...(r.shortNames ? { shortNames: r.shortNames } : {}), ...(r.categories ? { categories: r.categories } : {}) },
    ...r.subresources.map((sub) => ({
      name: `${r.name}/${sub}`,
      singularName: '',
      namespaced: r.namespaced,
      kind: sub === 'log' ? 'Pod' : r.kind,
      verbs: SUBRESOURCE_VERBS[sub],
    })),
  ]);
  return { kind: 'APIResourceList', ...(group && { apiVersion: 'v1' }), groupVersion: group ? `${group}/${version}` : 'v1', resources };
}
