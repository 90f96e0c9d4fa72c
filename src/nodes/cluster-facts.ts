// What the checks need from the API: per node its addresses, pod CIDRs, pod capacity and
// pods now; and the CNI agent pods with their state. One list of nodes, one of all pods.
import type { V1Node, V1Pod } from '@kubernetes/client-node';
import { toClusterNode } from '../plan/cluster-node.ts';
import { cniOfPodLabels, type CniName } from './cni.ts';

export interface NodeFacts {
  name: string;
  internalIP: string | null;
  /** nodeInfo.kernelVersion: what the kubelet saw when it started. */
  kernelVersion: string | null;
  /** IPv4 pod CIDRs (spec.podCIDRs); Calico's IPAM blocks are not here. */
  podCIDRs: string[];
  /** status.allocatable.pods: how many pods the node may take. */
  maxPods: number | null;
  /** Pods on the pod network (not hostNetwork) that are not finished: each is a neighbour of the node. */
  pods: number;
  /** Flannel's VTEP MAC from its node annotation, when Flannel publishes one. */
  vtepMac: string | null;
}

export interface CniAgentPod {
  cni: CniName;
  pod: string;
  node: string;
  /** Running and Ready, or what it is instead ("Pending", "CrashLoopBackOff", "not Ready"). */
  state: 'ready' | string;
}

export interface ClusterFacts {
  nodes: NodeFacts[];
  agentPods: CniAgentPod[];
}

const FLANNEL_BACKEND_DATA = 'flannel.alpha.coreos.com/backend-data';

export function clusterFacts(nodes: readonly V1Node[], pods: readonly V1Pod[]): ClusterFacts {
  const live = pods.filter((p) => p.spec?.nodeName && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed');
  return {
    nodes: nodes.map((node) => {
      const { name, internalIP, kernelVersion } = toClusterNode(node);
      const maxPods = Number(node.status?.allocatable?.pods);
      return {
        name, internalIP, kernelVersion,
        podCIDRs: (node.spec?.podCIDRs ?? (node.spec?.podCIDR ? [node.spec.podCIDR] : [])).filter((c) => c.includes('.')),
        maxPods: Number.isFinite(maxPods) ? maxPods : null,
        pods: live.filter((p) => p.spec!.nodeName === name && !p.spec!.hostNetwork).length,
        vtepMac: vtepMacOf(node.metadata?.annotations?.[FLANNEL_BACKEND_DATA]),
      };
    }),
    agentPods: live.flatMap((pod) => {
      const cni = cniOfPodLabels(pod.metadata?.labels);
      return cni ? [{ cni: cni.name, pod: `${pod.metadata?.namespace}/${pod.metadata?.name}`, node: pod.spec!.nodeName!, state: podState(pod) }] : [];
    }),
  };
}

function vtepMacOf(backendData: string | undefined): string | null {
  try {
    const mac = (JSON.parse(backendData ?? '') as { VtepMAC?: unknown }).VtepMAC;
    return typeof mac === 'string' ? mac.toLowerCase() : null;
  } catch {
    return null;
  }
}

function podState(pod: V1Pod): string {
  const waiting = pod.status?.containerStatuses?.find((c) => c.state?.waiting)?.state?.waiting?.reason;
  if (waiting) return waiting;
  if (pod.status?.phase !== 'Running') return pod.status?.phase ?? 'unknown';
  return pod.status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ? 'ready' : 'not Ready';
}
