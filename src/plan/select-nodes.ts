// Which nodes take part: all Ready nodes, or the ones the user names, selects by
// label, or whose pods they name; capped by --max-nodes. Bad names fail early and clearly.
import type { ClusterNode } from './cluster-node.ts';

export class PlanError extends Error {}

export interface NodeSelection {
  /** --nodes a,b,c */
  names?: string[];
  /** --max-nodes: keep the first N (by name) of what was selected. */
  maxNodes?: number;
  /** Fewer nodes than this is an error (default 2: a matrix needs pairs). */
  minNodes?: number;
}

/** Nodes as listed (already filtered by -l on the server). */
export function selectNodes(listed: readonly ClusterNode[], selection: NodeSelection, selectorText?: string): { nodes: ClusterNode[]; notes: string[] } {
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
  if (selection.maxNodes !== undefined && nodes.length > selection.maxNodes) {
    notes.push(`probing ${selection.maxNodes} of ${nodes.length} nodes (--max-nodes)`);
    nodes = nodes.slice(0, selection.maxNodes);
  }
  if (nodes.length < (selection.minNodes ?? 2)) throw new PlanError(`a matrix needs at least 2 nodes, selected ${nodes.length} (${nodes.map((n) => n.name).join(', ') || 'none'})`);
  return { nodes, notes };
}
