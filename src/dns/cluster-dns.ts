// What the cluster's own objects say about its DNS: the DNS pods (CoreDNS and kube-dns
// both carry k8s-app=kube-dns in kube-system), the schedulable nodes and their cores
// (what the cluster-proportional-autoscaler counts), and NodeLocal DNSCache.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import type { KubeClient } from '../kube/kube-client.ts';

export const DNS_NAMESPACE = 'kube-system';
export const DNS_POD_SELECTOR = 'k8s-app=kube-dns';
/** The upstream nodelocaldns.yaml DaemonSet's pod label. */
export const NODE_LOCAL_DNS_SELECTOR = 'k8s-app=node-local-dns';
/** NodeLocal DNSCache's usual link-local listen address (kubernetes.io, "Using NodeLocal DNSCache"). */
export const NODE_LOCAL_DNS_IP = '169.254.20.10';

export interface DnsPod {
  name: string;
  node: string | null;
  ready: boolean;
  image: string | null;
}

export interface ClusterDnsFacts {
  nodes: number;
  cores: number;
  dnsPods: DnsPod[];
  readyReplicas: number;
  nodeLocalDnsPods: number;
}

export async function readClusterDns(client: KubeClient, nodes: readonly V1Node[]): Promise<ClusterDnsFacts> {
  const schedulable = nodes.filter((n) => !n.spec?.unschedulable);
  const [dns, nodeLocal] = await Promise.all([
    client.listPods(DNS_NAMESPACE, DNS_POD_SELECTOR),
    client.listPods(DNS_NAMESPACE, NODE_LOCAL_DNS_SELECTOR),
  ]);
  const dnsPods = dns.items.map(toDnsPod).sort((a, b) => a.name.localeCompare(b.name));
  return {
    nodes: schedulable.length,
    cores: schedulable.reduce((sum, n) => sum + cpuCores(n.status?.capacity?.cpu), 0),
    dnsPods,
    readyReplicas: dnsPods.filter((p) => p.ready).length,
    nodeLocalDnsPods: nodeLocal.items.length,
  };
}

function toDnsPod(pod: V1Pod): DnsPod {
  return {
    name: pod.metadata?.name ?? '',
    node: pod.spec?.nodeName ?? null,
    ready: pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    image: pod.spec?.containers?.[0]?.image ?? null,
  };
}

/** A CPU quantity as the API writes capacity: "4", "3500m". */
export function cpuCores(quantity: string | undefined): number {
  if (!quantity) return 0;
  const value = quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
  return Number.isFinite(value) ? value : 0;
}

/** NodeLocal DNSCache is there if its pods run, or if the pods' resolver is its link-local address. */
export function nodeLocalDnsEvidence(nodeLocalDnsPods: number, loaderResolvers: readonly string[]): string | null {
  if (nodeLocalDnsPods > 0) return `${nodeLocalDnsPods} ${NODE_LOCAL_DNS_SELECTOR} pod(s) in ${DNS_NAMESPACE}`;
  if (loaderResolvers.includes(NODE_LOCAL_DNS_IP)) return `the pods' resolv.conf names ${NODE_LOCAL_DNS_IP}`;
  return null;
}
