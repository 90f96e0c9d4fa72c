// cluster-proportional-autoscaler's linear mode with the defaults the kube-dns/CoreDNS
// addon ships (kubernetes-sigs/cluster-proportional-autoscaler README; field notes):
// replicas = max(ceil(cores / coresPerReplica), ceil(nodes / nodesPerReplica)), and with
// preventSinglePointFailure at least 2 once there is more than one node.

export interface AutoscalerParams {
  coresPerReplica: number;
  nodesPerReplica: number;
  preventSinglePointFailure: boolean;
}

export const AUTOSCALER_DEFAULTS: AutoscalerParams = { coresPerReplica: 256, nodesPerReplica: 16, preventSinglePointFailure: true };

export interface AutoscalerAnswer extends AutoscalerParams {
  byCores: number;
  byNodes: number;
  replicas: number;
}

/** `nodes` and `cores`: schedulable nodes only (the autoscaler's includeUnschedulableNodes defaults to false). */
export function autoscalerReplicas(nodes: number, cores: number, params: AutoscalerParams = AUTOSCALER_DEFAULTS): AutoscalerAnswer {
  const byCores = Math.ceil(cores / params.coresPerReplica);
  const byNodes = Math.ceil(nodes / params.nodesPerReplica);
  const floor = params.preventSinglePointFailure && nodes > 1 ? 2 : 1;
  return { ...params, byCores, byNodes, replicas: Math.max(byCores, byNodes, floor) };
}
