// Which nodes take part: all Ready nodes, or the ones the user names, selects by
// label, or whose pods they name; capped by --max-nodes. Nodes the run's pods cannot
// land on (not Linux, or tainted against them) are skipped with a note saying why and
// how to include them. Bad names fail early and clearly.
import type { V1Toleration } from '@kubernetes/client-node';
import type { ClusterNode } from './cluster-node.ts';
import { describeTaint, untoleratedTaints } from './taints.ts';

export class PlanError extends Error {}

/** The probe pods run Node.js on Linux: they select nodes with this label. */
export const OS_LABEL = 'kubernetes.io/os';
export const LINUX = 'linux';

export interface NodeSelection {
  /** --nodes a,b,c */
  names?: string[];
  /** --max-nodes: keep the first N (by name) of what was selected. */
  maxNodes?: number;
  /** Fewer nodes than this is an error (default 2: a matrix needs pairs). */
  minNodes?: number;
  /** The run's tolerations: nodes with other NoSchedule/NoExecute taints are skipped. Absent: taints are left to the scheduler. */
  tolerations?: readonly V1Toleration[];
}

/** A node left out before any pod was made, and why (for the report's no-data entry). */
export interface SkippedNode {
  node: ClusterNode;
  reason: string;
}

export interface SelectedNodes {
  nodes: ClusterNode[];
  skipped: SkippedNode[];
  /** One line each, for stderr. */
  notes: string[];
}

/** Nodes as listed (already filtered by -l on the server). */
export function selectNodes(listed: readonly ClusterNode[], selection: NodeSelection, selectorText?: string): SelectedNodes {
  const notes: string[] = [];
  let nodes: ClusterNode[];
  if (selection.names?.length) {
    const byName = new Map(listed.map((n) => [n.name, n]));
    const unknown = selection.names.filter((n) => !byName.has(n));
    if (unknown.length) {
      throw new PlanError(`unknown node${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}${selectorText ? ` (or not matching -l ${selectorText})` : ''}; nodes: ${listed.map((n) => n.name).join(', ') || 'none'}`);
    }
    nodes = [...new Set(selection.names)].map((n) => byName.get(n)!);
  } else {
    if (listed.length === 0) throw new PlanError(selectorText ? `no node matches -l ${selectorText}` : 'the cluster lists no nodes');
    nodes = listed.filter((n) => n.ready);
    const notReady = listed.filter((n) => !n.ready).map((n) => n.name);
    if (notReady.length) notes.push(`skipping node(s) not Ready: ${notReady.join(', ')}`);
    if (nodes.length === 0) throw new PlanError('no Ready node to probe');
  }
  nodes.sort((a, b) => a.name.localeCompare(b.name));
  const skipped = [...skipNotLinux(nodes, notes), ...(selection.tolerations ? skipUntolerated(nodes, selection.tolerations, notes) : [])];
  nodes = nodes.filter((n) => !skipped.some((s) => s.node === n));
  if (selection.maxNodes !== undefined && nodes.length > selection.maxNodes) {
    notes.push(`probing ${selection.maxNodes} of ${nodes.length} nodes (--max-nodes)`);
    nodes = nodes.slice(0, selection.maxNodes);
  }
  if (nodes.length < (selection.minNodes ?? 2)) throw new PlanError(`a matrix needs at least 2 nodes, selected ${nodes.length} (${nodes.map((n) => n.name).join(', ') || 'none'})${skipped.length ? `; skipped ${skipped.map((s) => s.node.name).join(', ')} (see above)` : ''}`);
  return { nodes, skipped, notes };
}

/** The agent is a Node.js process in a Linux container: other nodes cannot run it (and the pods' nodeSelector keeps them off). */
function skipNotLinux(nodes: readonly ClusterNode[], notes: string[]): SkippedNode[] {
  const skipped = nodes.filter((n) => n.labels[OS_LABEL] !== LINUX).map((node) => {
    const os = node.labels[OS_LABEL];
    return { node, reason: `not probed: the node is not Linux (${os === undefined ? `no ${OS_LABEL} label` : `${OS_LABEL}=${os}`}); the probe pods need a Linux node` };
  });
  if (skipped.length) notes.push(`skipping node(s) not running Linux (${OS_LABEL}): ${skipped.map(({ node }) => `${node.name} (${node.labels[OS_LABEL] ?? 'no label'})`).join(', ')}`);
  return skipped;
}

function skipUntolerated(nodes: readonly ClusterNode[], tolerations: readonly V1Toleration[], notes: string[]): SkippedNode[] {
  const skipped = nodes.flatMap((node) => {
    const taints = untoleratedTaints(node.taints, tolerations).map(describeTaint);
    if (taints.length === 0 || node.labels[OS_LABEL] !== LINUX) return [];
    return [{ node, taints, reason: `not probed: taint${taints.length > 1 ? 's' : ''} ${taints.join(', ')} not tolerated (pass --tolerations ${taints.join(',')} or --tolerate-all)` }];
  });
  if (skipped.length) {
    notes.push(`skipping node(s) with taints this run does not tolerate: ${skipped.map((s) => `${s.node.name} (${s.taints.join(', ')})`).join(', ')}; `
      + `--tolerations ${[...new Set(skipped.flatMap((s) => s.taints))].join(',')} or --tolerate-all to include them`);
  }
  return skipped.map(({ node, reason }) => ({ node, reason }));
}
