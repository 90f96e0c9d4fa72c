// Phase 1: one responder pod per destination node and network path, waited for until each
// listens (its readiness probe, a TCP connect to its port, passes) or is a no-data
// destination with its reason. Before the analysis they are looked at again: one that died
// during the probing (OOM-killed, evicted, deleted) gave no answers to probes that then
// failed, and those must count as no data, not as loss.
import { readDocuments } from '../../collect/documents.ts';
import type { AgentResult } from '../../shared/agent-result.ts';
import { PROBE_DEFAULTS, type AgentPlan, type NetworkPath } from '../../shared/plan.ts';
import { finishedAt, podVerdict } from '../pod-state.ts';
import type { DeadDestination, PodCounts, TrackedPod } from '../session.ts';
import { pathKey, type MatrixPhaseContext, type MatrixRunSettings } from './context.ts';

/** A responder pod that listens, and where. */
export interface RunningResponder {
  /** The pod (a --service Service selects it by name). */
  pod: TrackedPod;
  /** Its addresses, one per family (status.podIPs): each is probed. */
  podIPs: string[];
}

export interface Responders {
  /** Every responder pod created, listening or not. */
  all: TrackedPod[];
  /** Those that listen, by pathKey(node, path). */
  running: Map<string, RunningResponder>;
  /** How long from the first creation until the last was ready or given up on (ms): what this cluster takes to start that many pods. */
  startedInMs: number;
  /** When their creation began (epoch ms, this machine's clock): each serves for runTimes' serveMs from its start, so no earlier than this. */
  createdFrom: number;
}

export async function startResponders(ctx: MatrixPhaseContext, destinations: readonly string[]): Promise<Responders> {
  const { session, settings, progress } = ctx;
  const total = destinations.length * settings.paths.length;
  progress.phase(`creating ${total} responder pod(s) in namespace ${settings.namespace}`);
  const began = Date.now();
  let created = 0;
  let counts: PodCounts = { settled: 0, running: 0, total };
  const line = () => `responders: ${created}/${total} created, ${counts.running} running, ${counts.settled} ready`;
  const plans = settings.paths.map((path) => ({
    path, plans: destinations.map((node) => ({ node, plan: responderPlan(settings, node, path, ctx.times.serveMs), readinessPort: settings.tcpPort })),
  }));
  const all = plans.flatMap(({ path, plans: list }) => session.podsFor('responder', path, list));
  const creating = Promise.all(plans.map(({ path, plans: list }) => session.createPods('responder', path, list, ctx.signal, () => {
    created++;
    progress.status(line());
  })));
  const verdicts = await session.waitFor(all, 'ready', settings.startTimeoutMs, ctx.signal, (now) => {
    counts = now;
    return line();
  }, creating);
  const running = new Map<string, RunningResponder>();
  for (const pod of all) {
    const verdict = verdicts.get(pod.name);
    if (verdict?.state === 'running') running.set(pathKey(pod.node, pod.path), { pod, podIPs: verdict.podIPs });
  }
  const startedInMs = Date.now() - began;
  progress.phase(`responders: ${running.size}/${total} ready in ${Math.round(startedInMs / 1000)}s`);
  return { all, running, startedInMs, createdFrom: began };
}

/** The responder on `node` for `path`, if it listens. */
export function responderOn(responders: Responders, node: string, path: NetworkPath): RunningResponder | undefined {
  return responders.running.get(pathKey(node, path));
}

/** The responders that stopped before `probingEndedAt` (epoch ms): gone or ended; each with its reason and what it had served. */
export async function recheckResponders(ctx: MatrixPhaseContext, responders: Responders, probingEndedAt: number): Promise<DeadDestination[]> {
  const dead = await Promise.all([...responders.running.values()].map(async ({ pod }): Promise<DeadDestination | undefined> => {
    const current = ctx.session.pod(pod.name);
    const verdict = current && podVerdict(current);
    let why: string;
    if (!current) why = 'was deleted during the run (evicted, or removed by someone)';
    // Still running counts as answering even if its readiness probe fails now: a node that
    // refuses connections is what the matrix is there to show, not a reason to look away.
    else if (verdict?.state === 'running') return undefined;
    else {
      const ended = finishedAt(current);
      if (ended !== undefined && ended >= probingEndedAt) return undefined;
      const how = verdict?.state === 'failed' ? await ctx.session.explainFailure(pod, verdict.reason) : 'ended';
      why = `stopped during the run${ended === undefined ? '' : ` at ${new Date(ended).toISOString().slice(11, 19)}Z`}: ${how}`;
    }
    const served = current && servedCounts(await ctx.session.podLog(pod.name));
    const answered = served ? `; it had answered ${served.tcpAccepted} TCP connections and ${served.udpEchoed} UDP probes` : '';
    return { node: pod.node, path: pod.path, reason: `responder pod ${pod.name} (${pod.path} network) ${why}${answered}` };
  }));
  return dead.filter((d): d is DeadDestination => d !== undefined);
}

/** What a responder last reported having served (it reports every SERVED_REPORT_MS). */
function servedCounts(log: string | undefined): AgentResult['served'] | undefined {
  const last = log === undefined ? undefined : readDocuments(log).complete.at(-1) as Partial<AgentResult> | undefined;
  return last?.served ?? undefined;
}

function responderPlan(settings: MatrixRunSettings, node: string, path: 'pod' | 'host', serveMs: number): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, network: path, listen: { tcpPort: settings.tcpPort, udpPort: settings.udpPort }, serveMs,
    protocols: settings.protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
    ...PROBE_DEFAULTS, peers: [],
  };
}
