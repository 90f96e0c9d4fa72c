// deploy → inspect → collect for `kubectl netprobe nodes`: one short-lived hostNetwork pod per
// node reads the node's /proc and /sys and prints a NodeInspection; the session does the rest
// (namespace, agent ConfigMap, watch, logs, cleanup).
import { parseInspection } from '../collect/parse-inspection.ts';
import { readClusterClock } from '../deploy/cluster-clock.ts';
import { ProbeSession, type Progress, type SessionSettings } from '../deploy/session.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { INSPECT_PLAN_VERSION, type InspectPlan, type NodeInspection } from '../shared/inspection.ts';

/** The inspection reads a few files; the pod only has to start. */
const DEADLINE_SLACK_SECONDS = 30;

/** A session's settings but the ones an inspection decides itself. */
export type InspectionSettings = Omit<SessionSettings, 'hostNetwork' | 'activeDeadlineSeconds'> & {
  /** How long pods may take to be scheduled, started and done. */
  startTimeoutMs: number;
};

export interface InspectionOutcome {
  inspections: NodeInspection[];
  noData: Map<string, string>;
  start: Date;
  end: Date;
}

export async function runInspection(
  client: KubeClient, nodes: readonly string[], settings: InspectionSettings, agentCode: string, progress: Progress, signal: AbortSignal,
): Promise<InspectionOutcome> {
  // The report's times are the cluster's, like the nodes' own.
  const clock = await readClusterClock(client, progress);
  const start = new Date(clock.now());
  const session = await ProbeSession.open(client, {
    ...settings, hostNetwork: true, activeDeadlineSeconds: Math.ceil(settings.startTimeoutMs / 1000) + DEADLINE_SLACK_SECONDS,
  }, agentCode, progress);
  let inspections: NodeInspection[] = [];
  try {
    progress.phase(`creating ${nodes.length} inspector pod(s) on the host network in namespace ${settings.namespace}`);
    const plans = nodes.map((node) => ({ node, plan: { planVersion: INSPECT_PLAN_VERSION, mode: 'inspect', runToken: settings.runId, node } satisfies InspectPlan }));
    const { tracked } = await session.createPods('inspector', 'host', plans);
    await session.waitFor(tracked, 'finished', settings.startTimeoutMs, signal);
    progress.phase('collecting inspections');
    inspections = await session.results(tracked, (log, source, pod) => parseInspection(log, source, { node: pod.node, runToken: settings.runId }));
  } finally {
    await session.close();
  }
  return { inspections, noData: new Map(session.noData), start, end: new Date(clock.now()) };
}
