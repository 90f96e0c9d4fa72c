// Every check on every node that reported, in the report's order; nodes without a report are
// listed with the reason. The CNI is what the agent pods say, else what the interfaces say.
import type { NodeInspection } from '../shared/inspection.ts';
import { NODES_REPORT_KIND, NODES_REPORT_SCHEMA_VERSION, type CheckId, type CheckResult, type NodeChecks, type NodesReport } from '../shared/nodes-report.ts';
import { bgpCheck } from './checks/bgp.ts';
import { checkResult, type Check } from './checks/check.ts';
import { cniCheck } from './checks/cni.ts';
import { conntrackCheck } from './checks/conntrack.ts';
import { kernelCheck } from './checks/kernel.ts';
import { mtuCheck } from './checks/mtu.ts';
import { neighboursCheck } from './checks/neighbours.ts';
import { overlayCheck } from './checks/overlay.ts';
import { twRecycleCheck } from './checks/tw-recycle.ts';
import { cnisOfInterfaces, type CniName } from './cni.ts';
import type { ClusterFacts } from './cluster-facts.ts';

/** In CHECK_IDS order. */
const CHECKS: Check[] = [kernelCheck, cniCheck, neighboursCheck, twRecycleCheck, conntrackCheck, mtuCheck, overlayCheck, bgpCheck];
/** Files without which a check's verdict would be made up (an empty route table is no evidence of missing routes). */
const REQUIRED_SOURCES: Partial<Record<CheckId, string[]>> = {
  cni: ['/sys/class/net'],
  mtu: ['/sys/class/net', '/proc/net/route'],
  overlay: ['/proc/net/route', '/proc/net/arp'],
  bgp: ['/proc/net/tcp'],
};

/** The check's verdict, or a warning that it could not be judged when a file it rests on was unreadable. */
function judged(result: CheckResult, unreadable: readonly string[]): CheckResult {
  const missing = unreadable.filter((entry) => (REQUIRED_SOURCES[result.check] ?? []).some((path) => entry.startsWith(`${path}:`) || entry.startsWith(`${path}/`)));
  if (!missing.length) return result;
  return checkResult(result.check, 'warn', `not judged: could not read ${missing.join(', ')}`, {
    unseen: missing, fix: 'run the inspector where it can read /proc and /sys (hostNetwork pod, no restrictive AppArmor/SELinux profile)',
  });
}

export interface JudgeInput {
  run: NodesReport['run'];
  cluster: ClusterFacts;
  /** The nodes inspected, in order. */
  nodes: string[];
  inspections: NodeInspection[];
  noData: ReadonlyMap<string, string>;
}

export function clusterCnis(cluster: ClusterFacts, inspections: readonly NodeInspection[]): NodesReport['cni'] {
  const fromPods = new Map<CniName, string[]>();
  for (const p of cluster.agentPods) fromPods.set(p.cni, [...(fromPods.get(p.cni) ?? []), p.node]);
  if (fromPods.size) return [...fromPods].map(([name, nodes]) => ({ name, evidence: [`agent pods on ${new Set(nodes).size} of ${cluster.nodes.length} nodes`] }));
  const fromInterfaces = new Map<CniName, Set<string>>();
  for (const i of inspections) for (const { cni, names } of cnisOfInterfaces(i.interfaces)) fromInterfaces.set(cni.name, new Set([...(fromInterfaces.get(cni.name) ?? []), ...names]));
  return [...fromInterfaces].map(([name, names]) => ({ name, evidence: [`interfaces ${[...names].join(', ')}; no agent pod found`] }));
}

export function judgeNodes(input: JudgeInput): NodesReport {
  const cni = clusterCnis(input.cluster, input.inspections);
  const cnis = cni.map((c) => c.name as CniName);
  const inspections = new Map(input.inspections.map((i) => [i.node, i]));
  const nodes: NodeChecks[] = input.nodes.map((name) => {
    const inspection = inspections.get(name);
    const node = input.cluster.nodes.find((n) => n.name === name);
    if (!inspection || !node) return { name, status: 'no-data', reason: input.noData.get(name) ?? 'no inspection reported', checks: [] };
    const ctx = { node, inspection, cluster: input.cluster, inspections, cnis };
    const checks = CHECKS.map((check) => check(ctx)).filter((r): r is CheckResult => r !== null).map((r) => judged(r, inspection.unreadable));
    return { name, status: 'ok', reason: null, checks };
  });
  const all = nodes.flatMap((n) => n.checks);
  return {
    kind: NODES_REPORT_KIND,
    schemaVersion: NODES_REPORT_SCHEMA_VERSION,
    run: input.run,
    cni,
    nodes,
    summary: {
      pass: all.filter((c) => c.verdict === 'pass').length,
      warn: all.filter((c) => c.verdict === 'warn').length,
      fail: all.filter((c) => c.verdict === 'fail').length,
      noData: nodes.filter((n) => n.status === 'no-data').length,
    },
  };
}
