// One entry per node: what the API said about it, what its agent measured about itself,
// or why there is no data from it.
import { NET_COUNTER_NAMES, type NetCounters } from '../shared/agent-result.ts';
import { byNodeName } from '../shared/node-order.ts';
import { groupBy } from '../shared/group-by.ts';
import type { NetworkPath } from '../shared/plan.ts';
import type { NodePathReport, NodeReport } from '../shared/report.ts';
import type { AgentSummary } from './measurements.ts';

/** A node as the Kubernetes API describes it. */
export interface NodeInfo {
  name: string;
  internalIP?: string | null;
  kernelVersion?: string | null;
  containerRuntime?: string | null;
  labels?: Record<string, string>;
}

/**
 * A node without a usable agent result, and why (unschedulable pod, crashed agent, bad output);
 * with `destination`, only as a destination on that path (its responder died): it may still
 * have data as a source.
 */
export interface NoDataEntry {
  node: string;
  reason: string;
  destination?: NetworkPath;
}

const PATH_ORDER: readonly NetworkPath[] = ['pod', 'host', 'service'];

const networkOf = (result: AgentSummary): NetworkPath => result.network;

export function nodeReports(infos: readonly NodeInfo[], results: readonly AgentSummary[], noData: readonly NoDataEntry[]): NodeReport[] {
  const resultsByNode = groupBy([...results].sort((a, b) => PATH_ORDER.indexOf(networkOf(a)) - PATH_ORDER.indexOf(networkOf(b))), (result) => result.node);
  const reasonByNode = new Map(noData.filter((entry) => !entry.destination).map((entry) => [entry.node, entry.reason]));
  const deadDestinations = groupBy(noData.filter((entry) => entry.destination), (entry) => entry.node);
  const infoByNode = new Map(infos.map((info) => [info.name, info]));
  const names = new Set([...infoByNode.keys(), ...resultsByNode.keys(), ...reasonByNode.keys(), ...deadDestinations.keys()]);
  // Per path for every node once the run had two networks, or a destination gave no data: as it was otherwise.
  const withPaths = new Set(results.map(networkOf)).size > 1 || deadDestinations.size > 0;
  return [...names].sort(byNodeName).map((name) => {
    const info = infoByNode.get(name);
    const nodeResults = resultsByNode.get(name) ?? [];
    const paths: NodePathReport[] = nodeResults.map((result) => ({ path: networkOf(result), ...agentCounters(result), destinationNoData: null }));
    for (const { destination, reason } of deadDestinations.get(name) ?? []) {
      const entry = paths.find((p) => p.path === destination);
      if (entry) entry.destinationNoData = reason;
      else paths.push({ path: destination!, counters: null, synRetransmits: null, destinationNoData: reason });
    }
    paths.sort((a, b) => PATH_ORDER.indexOf(a.path) - PATH_ORDER.indexOf(b.path));
    const first = nodeResults[0];
    // The floor of the first agent that measured one; conntrack from the host-network agent that read it.
    const floorFrom = nodeResults.find((result) => result.latencyFloor);
    const conntrackFrom = nodeResults.find((result) => result.conntrack);
    return {
      name,
      internalIP: info?.internalIP ?? null,
      kernelVersion: info?.kernelVersion ?? first?.kernel.release ?? null,
      containerRuntime: info?.containerRuntime ?? null,
      labels: sortedRecord(info?.labels ?? {}),
      status: first ? 'ok' : 'no-data',
      noDataReason: first ? null : (reasonByNode.get(name) ?? "no result from this node's agent"),
      ...(first ? agentCounters(first) : { counters: null, synRetransmits: null }),
      warnings: [...new Set(nodeResults.flatMap((result) => result.warnings))],
      ...(withPaths && { paths }),
      ...(floorFrom && { latencyFloor: floorFrom.latencyFloor }),
      ...(conntrackFrom && { conntrack: conntrackFrom.conntrack!.delta }),
    };
  });
}

function agentCounters(result: AgentSummary): Pick<NodePathReport, 'counters' | 'synRetransmits'> {
  return { counters: inCounterOrder(result.counters.delta), synRetransmits: { inferred: result.inferredSynRetransmits, counted: result.counters.delta.TCPSynRetrans } };
}

/** A node's counter on one path (a hostNetwork agent reads the node's own), if its agent there reported. */
export function pathCounters(node: NodeReport | undefined, path: NetworkPath): NetCounters | null {
  if (!node) return null;
  return node.paths ? node.paths.find((p) => p.path === path)?.counters ?? null : node.counters;
}

/** A counter summed over the node's agents (each reads its own network namespace). */
export function counterOverPaths(node: NodeReport, name: keyof NetCounters): number {
  return node.paths ? node.paths.reduce((n, p) => n + (p.counters?.[name] ?? 0), 0) : node.counters?.[name] ?? 0;
}

function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The documented counter order, whatever order the agent printed them in. */
function inCounterOrder(counters: NetCounters): NetCounters {
  return Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, counters[name]])) as unknown as NetCounters;
}
