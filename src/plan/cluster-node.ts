// The facts about a node that planning and reporting use, read off the API's Node.
import type { V1Node } from '@kubernetes/client-node';
import type { NodeTaint } from './taints.ts';

export interface ClusterNode {
  name: string;
  internalIP: string | null;
  kernelVersion: string | null;
  /** status.nodeInfo.containerRuntimeVersion, e.g. containerd://1.7.22. */
  containerRuntime: string | null;
  labels: Record<string, string>;
  ready: boolean;
  taints: NodeTaint[];
  unschedulable: boolean;
}

export function toClusterNode(node: V1Node): ClusterNode {
  return {
    name: node.metadata?.name ?? '',
    internalIP: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
    kernelVersion: node.status?.nodeInfo?.kernelVersion ?? null,
    containerRuntime: node.status?.nodeInfo?.containerRuntimeVersion ?? null,
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    taints: (node.spec?.taints ?? []).map((t) => ({ key: t.key, ...(t.value && { value: t.value }), effect: t.effect as NodeTaint['effect'] })),
    unschedulable: node.spec?.unschedulable ?? false,
  };
}
