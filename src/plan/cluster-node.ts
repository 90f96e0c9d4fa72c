// The facts about a node that planning and reporting use, read off the API's Node.
import type { V1Node } from '@kubernetes/client-node';

export interface ClusterNode {
  name: string;
  internalIP: string | null;
  kernelVersion: string | null;
  labels: Record<string, string>;
  ready: boolean;
  /** NoSchedule/NoExecute taints, as "key=value:Effect" (kubectl's form). */
  taints: string[];
  unschedulable: boolean;
}

export function toClusterNode(node: V1Node): ClusterNode {
  return {
    name: node.metadata?.name ?? '',
    internalIP: node.status?.addresses?.find((a) => a.type === 'InternalIP')?.address ?? null,
    kernelVersion: node.status?.nodeInfo?.kernelVersion ?? null,
    labels: { ...(node.metadata?.labels ?? {}) },
    ready: node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false,
    taints: (node.spec?.taints ?? [])
      .filter((t) => t.effect === 'NoSchedule' || t.effect === 'NoExecute')
      .map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`),
    unschedulable: node.spec?.unschedulable ?? false,
  };
}
