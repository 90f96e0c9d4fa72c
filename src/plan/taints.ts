// Which nodes a run's pods can land on: a NoSchedule or NoExecute taint keeps a pod off
// unless one of its tolerations matches (the scheduler's TaintToleration plugin, and
// k8s.io/api core/v1 Toleration.ToleratesTaint for the matching rules).
import type { V1Toleration } from '@kubernetes/client-node';

export interface NodeTaint {
  key: string;
  value?: string;
  effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** An empty effect matches every effect, Exists any value (and with no key every taint), Equal the same value. */
export function tolerates(toleration: V1Toleration, taint: NodeTaint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.operator === 'Exists') return !toleration.key || toleration.key === taint.key;
  return toleration.key === taint.key && (toleration.value ?? '') === (taint.value ?? '');
}

/** The taints that keep a pod with `tolerations` off the node (PreferNoSchedule only steers, it never keeps off). */
export function untoleratedTaints(taints: readonly NodeTaint[], tolerations: readonly V1Toleration[]): NodeTaint[] {
  return taints.filter((taint) => taint.effect !== 'PreferNoSchedule' && !tolerations.some((t) => tolerates(t, taint)));
}

/** kubectl taint's form: key[=value]:Effect. */
export function describeTaint(taint: NodeTaint): string {
  return `${taint.key}${taint.value ? `=${taint.value}` : ''}:${taint.effect}`;
}
