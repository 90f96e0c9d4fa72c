// The default scheduler's filter plugins that the lab's pods meet — NodeUnschedulable,
// TaintToleration, NodeAffinity (nodeSelector + required affinity incl. matchFields on
// metadata.name) — and its FitError message: "0/3 nodes are available: <count> <reason>, …".
// Pods are scheduled one at a time, oldest first, at most `rate()` per second (a big cluster's
// scheduler throughput, flow-control.ts), and in time independent of the cluster's size where
// the real one is: NodeAffinity's PreFilter narrows a pod pinned by `matchFields` on
// metadata.name to those nodes, and each node's pod count is kept as pods come and go.
import type { EventRecorder } from './events.ts';
import { now } from './meta.ts';
import type { KObject, Store, StoreEvent } from './store.ts';
import { objectKey, PacedQueue, splitKey, type ErrorSink } from './workqueue.ts';

type Any = Record<string, any>;

const SOURCE = { component: 'default-scheduler' };

interface Taint { key: string; value?: string; effect: string }
interface Toleration { key?: string; operator?: string; value?: string; effect?: string }

function tolerates(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.operator === 'Exists') return !t.key || t.key === taint.key;
  return t.key === taint.key && (t.value ?? '') === (taint.value ?? '');
}

interface NodeSelectorRequirement { key: string; operator: string; values?: string[] }

function matchExpression(value: string | undefined, r: NodeSelectorRequirement): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In': return value !== undefined && values.includes(value);
    case 'NotIn': return value === undefined || !values.includes(value);
    case 'Exists': return value !== undefined;
    case 'DoesNotExist': return value === undefined;
    case 'Gt': return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt': return value !== undefined && Number(value) < Number(values[0]);
    default: return false;
  }
}

function matchesAffinity(pod: Any, node: Any): boolean {
  const labels: Record<string, string> = node.metadata.labels ?? {};
  const selector: Record<string, string> = pod.spec.nodeSelector ?? {};
  if (!Object.entries(selector).every(([k, v]) => labels[k] === v)) return false;
  const terms: Any[] | undefined = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms) return true;
  // Terms are ORed; within a term, expressions and fields are ANDed. metadata.name is the only supported field.
  return terms.some((term) =>
    (term.matchExpressions ?? []).every((r: NodeSelectorRequirement) => matchExpression(labels[r.key], r))
    && (term.matchFields ?? []).every((r: NodeSelectorRequirement) => r.key === 'metadata.name' && matchExpression(node.metadata.name, r)));
}

/** Why a node does not fit, in the order the default filter plugins run, or undefined if it fits. */
function unfitReason(pod: Any, node: Any): string | undefined {
  if (node.spec.unschedulable && !(pod.spec.tolerations ?? []).some((t: Toleration) => tolerates(t, { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule' }))) {
    return 'node(s) were unschedulable';
  }
  const untolerated = (node.spec.taints ?? []).find((taint: Taint) =>
    (taint.effect === 'NoSchedule' || taint.effect === 'NoExecute') && !(pod.spec.tolerations ?? []).some((t: Toleration) => tolerates(t, taint)));
  if (untolerated) return `node(s) had untolerated taint {${untolerated.key}: ${untolerated.value ?? ''}}`;
  if (!matchesAffinity(pod, node)) return "node(s) didn't match Pod's node affinity/selector";
  return undefined;
}

/** The FitError text of kube-scheduler v1.32, reasons sorted as `sortReasonsHistogram` does. */
export function fitErrorMessage(total: number, reasons: string[]): string {
  const counts = new Map<string, number>();
  for (const r of reasons) counts.set(r, (counts.get(r) ?? 0) + 1);
  const parts = [...counts].map(([r, n]) => `${n} ${r}`).sort();
  return `0/${total} nodes are available: ${parts.join(', ')}. preemption: 0/${total} nodes are available: ${total} Preemption is not helpful for scheduling.`;
}

/**
 * The node names a pod's required affinity allows at most, when every term pins it by
 * `matchFields: metadata.name In […]` (NodeAffinity's PreFilterResult); undefined: any node.
 */
function pinnedNodes(pod: Any): Set<string> | undefined {
  const terms: Any[] | undefined = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms?.length) return undefined;
  const names = new Set<string>();
  for (const term of terms) {
    const pin = (term.matchFields ?? []).find((r: NodeSelectorRequirement) => r.key === 'metadata.name' && r.operator === 'In');
    if (!pin) return undefined;
    for (const name of pin.values ?? []) names.add(name);
  }
  return names;
}

export class Scheduler {
  private readonly store: Store;
  private readonly events: EventRecorder;
  private readonly unsubscribe: () => void;
  private readonly queue: PacedQueue;
  /** Pods bound to each node, kept from the store's changes. */
  private readonly load = new Map<string, number>();

  /** `rate`: pods bound per second at most (0: as fast as it can), asked anew as it goes. */
  constructor(store: Store, events: EventRecorder, onError: ErrorSink, rate: () => number = () => 0) {
    this.store = store;
    this.events = events;
    this.queue = new PacedQueue((key) => this.schedule(...splitKey(key)), onError, rate);
    this.unsubscribe = store.subscribe((e) => this.observe(e));
  }

  close(): void {
    this.queue.close();
    this.unsubscribe();
  }

  private observe(e: StoreEvent): void {
    if (e.resource === 'pods') {
      this.count((e.previous?.spec as Any | undefined)?.nodeName, -1);
      if (e.type !== 'DELETED') this.count((e.object.spec as Any).nodeName, +1);
    }
    if (e.resource === 'pods' && e.type !== 'DELETED') this.enqueue(e.object);
    // A node change may make waiting pods fit (the scheduling queue's move-on-event).
    if (e.resource === 'nodes') for (const pod of this.store.peek('pods')) this.enqueue(pod);
  }

  private count(node: string | undefined, delta: number): void {
    if (node) this.load.set(node, (this.load.get(node) ?? 0) + delta);
  }

  private enqueue(pod: KObject): void {
    const spec = pod.spec as Any;
    if (spec.nodeName || spec.schedulerName !== 'default-scheduler' || pod.metadata.deletionTimestamp) return;
    this.queue.add(objectKey(pod.metadata.namespace!, pod.metadata.name));
  }

  private schedule(namespace: string, name: string): void {
    const pod = this.store.peekObject('pods', namespace, name) as Any | undefined;
    if (!pod || pod.spec.nodeName || pod.metadata.deletionTimestamp) return;
    // The stored nodes are only read here.
    const pinned = pinnedNodes(pod);
    const candidates = (pinned ? [...pinned].map((n) => this.store.peekObject('nodes', undefined, n)).filter((n) => n !== undefined) : [...this.store.peek('nodes')]) as Any[];
    const fit = candidates.filter((n) => !unfitReason(pod, n));
    if (!fit.length) {
      // Why, node by node, as kube-scheduler's FitError counts it over the whole cluster.
      const nodes = [...this.store.peek('nodes')] as Any[];
      return this.unschedulable(pod, fitErrorMessage(nodes.length, nodes.map((n) => unfitReason(pod, n) ?? "node(s) didn't match Pod's node affinity/selector")));
    }
    // Spread: the node with the fewest pods (NodeResourcesBalancedAllocation's effect, simply).
    const load = (n: Any) => this.load.get(n.metadata.name) ?? 0;
    const node = fit.reduce((best, n) => (load(n) < load(best) || (load(n) === load(best) && n.metadata.name.localeCompare(best.metadata.name) < 0) ? n : best));
    const bound = this.store.mutate('pods', namespace, name, (p: Any) => {
      p.spec.nodeName = node.metadata.name;
      setCondition(p, { type: 'PodScheduled', status: 'True' });
    });
    if (bound) this.events.record('pods', bound, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node.metadata.name}`, SOURCE);
  }

  private unschedulable(pod: Any, message: string): void {
    const current = (pod.status.conditions ?? []).find((c: Any) => c.type === 'PodScheduled');
    if (current?.message === message) return;
    const updated = this.store.mutate('pods', pod.metadata.namespace, pod.metadata.name, (p: Any) => {
      setCondition(p, { type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message });
    });
    if (updated) this.events.record('pods', updated, 'Warning', 'FailedScheduling', message, SOURCE);
  }
}

/** Sets a pod condition, keeping lastTransitionTime when the status did not change. */
export function setCondition(pod: Any, condition: { type: string; status: 'True' | 'False'; reason?: string; message?: string }): void {
  pod.status.conditions ??= [];
  const existing = pod.status.conditions.find((c: Any) => c.type === condition.type);
  const next = { ...condition, lastProbeTime: null, lastTransitionTime: existing?.status === condition.status ? existing.lastTransitionTime : now() };
  if (existing) Object.assign(existing, next);
  else pod.status.conditions.push(next);
  // Object.assign keeps stale reason/message keys; drop the ones this condition does not set.
  for (const k of ['reason', 'message'] as const) if (!(k in condition)) delete (existing ?? next)[k];
}
