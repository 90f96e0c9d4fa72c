// One entry per node: what the API said about it, what its agent measured about itself,
// or why there is no data from it.
import { NET_COUNTER_NAMES, type AgentResult, type NetCounters } from '../shared/agent-result.ts';
import { byNodeName } from '../shared/node-order.ts';
import type { NodeReport } from '../shared/report.ts';

/** A node as the Kubernetes API describes it. */
export interface NodeInfo {
  name: string;
  internalIP?: string | null;
  kernelVersion?: string | null;
  labels?: Record<string, string>;
}

/** A node without a usable agent result, and why (unschedulable pod, crashed agent, bad output). */
export interface NoDataEntry {
  node: string;
  reason: string;
}

export function nodeReports(infos: readonly NodeInfo[], results: readonly AgentResult[], noData: readonly NoDataEntry[]): NodeReport[] {
  const resultByNode = new Map(results.map((result) => [result.node, result]));
  const reasonByNode = new Map(noData.map((entry) => [entry.node, entry.reason]));
  const infoByNode = new Map(infos.map((info) => [info.name, info]));
  const names = new Set([...infoByNode.keys(), ...resultByNode.keys(), ...reasonByNode.keys()]);
  return [...names].sort(byNodeName).map((name) => {
    const info = infoByNode.get(name);
    const result = resultByNode.get(name);
    const inferred = result?.series.reduce((n, series) => n + (series.tcp?.synRetransmits ?? 0), 0) ?? 0;
    return {
      name,
      internalIP: info?.internalIP ?? null,
      kernelVersion: info?.kernelVersion ?? result?.kernel.release ?? null,
      labels: sortedRecord(info?.labels ?? {}),
      status: result ? 'ok' : 'no-data',
      noDataReason: result ? null : (reasonByNode.get(name) ?? "no result from this node's agent"),
      counters: result ? inCounterOrder(result.counters.delta) : null,
      synRetransmits: result ? { inferred, counted: result.counters.delta.TCPSynRetrans } : null,
      warnings: result?.warnings ?? [],
    };
  });
}


function sortedRecord<V>(record: Record<string, V>): Record<string, V> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** The documented counter order, whatever order the agent printed them in. */
function inCounterOrder(counters: NetCounters): NetCounters {
  return Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, counters[name]])) as unknown as NetCounters;
}
