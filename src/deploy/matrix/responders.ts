// Phase 1: one responder pod per destination node and network path, waited for until each
// runs with an address (or is a no-data node with its reason).
import type { V1Pod } from '@kubernetes/client-node';
import { PROBE_DEFAULTS, type AgentPlan, type NetworkPath } from '../../shared/plan.ts';
import type { TrackedPod } from '../session.ts';
import { pathKey, type MatrixPhaseContext, type MatrixRunSettings } from './context.ts';

/** A responder pod that runs, and where it answers. */
export interface RunningResponder {
  pod: TrackedPod;
  /** The pod as created (a --service Service selects it). */
  manifest: V1Pod;
  podIP: string;
}

export interface Responders {
  /** Every responder pod created, running or not. */
  all: TrackedPod[];
  /** Those that run, by pathKey(node, path). */
  running: Map<string, RunningResponder>;
}

export async function startResponders(ctx: MatrixPhaseContext, destinations: readonly string[]): Promise<Responders> {
  const { session, settings, progress } = ctx;
  progress.phase(`creating ${destinations.length * settings.paths.length} responder pod(s) in namespace ${settings.namespace}`);
  const created = (await Promise.all(settings.paths.map((path) =>
    session.createPods('responder', path, destinations.map((node) => ({ node, plan: responderPlan(settings, node, path, ctx.times.serveMs) })), ctx.signal)))).flatMap(({ tracked, pods }) =>
    tracked.map((pod, i) => ({ pod, manifest: pods[i] })));
  const verdicts = await session.waitFor(created.map((c) => c.pod), 'running', settings.startTimeoutMs, ctx.signal);
  const running = new Map<string, RunningResponder>();
  for (const { pod, manifest } of created) {
    const verdict = verdicts.get(pod.name);
    if (verdict?.state === 'running') running.set(pathKey(pod.node, pod.path), { pod, manifest, podIP: verdict.podIP });
  }
  return { all: created.map((c) => c.pod), running };
}

/** The responder on `node` for `path`, if it runs. */
export function responderOn(responders: Responders, node: string, path: NetworkPath): RunningResponder | undefined {
  return responders.running.get(pathKey(node, path));
}

function responderPlan(settings: MatrixRunSettings, node: string, path: 'pod' | 'host', serveMs: number): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, network: path, listen: { tcpPort: settings.tcpPort, udpPort: settings.udpPort }, serveMs,
    protocols: settings.protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
    ...PROBE_DEFAULTS, peers: [],
  };
}
