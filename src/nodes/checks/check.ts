// What a check gets and gives. A check reads one node's inspection (and, to compare, all
// of them) with the API's facts, and returns its verdict, or null when it does not apply.
import type { NodeInspection } from '../../shared/inspection.ts';
import type { CheckId, CheckResult, Verdict } from '../../shared/nodes-report.ts';
import type { CniName } from '../cni.ts';
import type { ClusterFacts, NodeFacts } from '../cluster-facts.ts';

export interface CheckContext {
  node: NodeFacts;
  inspection: NodeInspection;
  cluster: ClusterFacts;
  /** Every node that reported, by name: the cross-node comparisons (MTU, routes, BGP). */
  inspections: ReadonlyMap<string, NodeInspection>;
  /** The cluster's CNIs, from agent pods and every node's interfaces. */
  cnis: readonly CniName[];
}

export type Check = (ctx: CheckContext) => CheckResult | null;

export function checkResult(
  check: CheckId, verdict: Verdict, summary: string, details: { evidence?: string[]; unseen?: string[]; fix?: string | null } = {},
): CheckResult {
  return { check, verdict, summary, evidence: details.evidence ?? [], unseen: details.unseen ?? [], fix: verdict === 'pass' ? null : details.fix ?? null };
}

/** The other nodes that reported (name and inspection). */
export function peersOf(ctx: CheckContext): NodeFacts[] {
  return ctx.cluster.nodes.filter((n) => n.name !== ctx.node.name);
}
