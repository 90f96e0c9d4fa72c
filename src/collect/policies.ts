// What could deny every probe of a run: the NetworkPolicies of its namespace, and the cluster-wide
// policy kinds (the Network Policy API's, Calico's, Cilium's), each listed only where the API
// serves it: one discovery request says which. A kind that cannot be listed (a 403, a 404) is
// said in the finding, never fatal: the run's measurements stand without it.
import { KubeApiError } from '../kube/errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { PolicyEvidence, PolicyKindListing } from '../shared/report.ts';

interface ClusterPolicyKind {
  kind: string;
  group: string;
  plural: string;
}

/** Cluster-wide kinds that deny pod traffic whatever a namespace's NetworkPolicies allow (manifests/rbac.yaml lists them). */
export const CLUSTER_POLICY_KINDS: readonly ClusterPolicyKind[] = [
  { kind: 'AdminNetworkPolicy', group: 'policy.networking.k8s.io', plural: 'adminnetworkpolicies' },
  { kind: 'GlobalNetworkPolicy', group: 'crd.projectcalico.org', plural: 'globalnetworkpolicies' },
  { kind: 'CiliumClusterwideNetworkPolicy', group: 'cilium.io', plural: 'ciliumclusterwidenetworkpolicies' },
];

export async function listPoliciesThatCouldDeny(client: KubeClient, namespace: string): Promise<PolicyEvidence> {
  const networkPolicies = listing({ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace }, () => client.listNetworkPolicies(namespace));
  let discoveryError: string | undefined;
  const served = await client.listApiGroups().catch((err: unknown) => {
    discoveryError = apiErrorText(err);
    return [];
  });
  // At the group's preferred version: a kind's objects list alike at each.
  const versionOf = ({ group }: ClusterPolicyKind) => served.find((g) => g.name === group)?.versions[0];
  const clusterWide = CLUSTER_POLICY_KINDS.filter(versionOf).map((policyKind) => {
    const { kind, group, plural } = policyKind;
    const version = versionOf(policyKind)!;
    return listing({ kind, apiVersion: `${group}/${version}` }, () => client.listClusterObjects(group, version, plural));
  });
  return {
    namespace,
    kinds: await Promise.all([networkPolicies, ...clusterWide]),
    notServed: discoveryError ? [] : CLUSTER_POLICY_KINDS.filter((k) => !versionOf(k)).map((k) => k.kind),
    ...(discoveryError && { discoveryError }),
  };
}

async function listing(
  what: Omit<PolicyKindListing, 'names'>, list: () => Promise<{ metadata?: { name?: string } }[]>,
): Promise<PolicyKindListing> {
  try {
    return { ...what, names: (await list()).map((o) => o.metadata?.name ?? '').filter(Boolean).sort() };
  } catch (err) {
    return { ...what, names: null, error: apiErrorText(err) };
  }
}

/** The server's own words (they name user, verb and resource for a 403), without the "listing …: " KubeApiError puts first. */
function apiErrorText(err: unknown): string {
  if (!(err instanceof KubeApiError)) throw err;
  return err.message.replace(/^[^:]*: /, '');
}
