// Phase 4: one prober pod per source node and path, all starting to probe at one wall-clock
// time (so that every window lines up); phase 5: waiting for them to finish, or a Ctrl-C.
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan, type NetworkPath, type PeerTarget, type Protocol } from '../../shared/plan.ts';
import { ROSTER_FILE, ROSTER_MOUNT_DIR } from '../manifests.ts';
import { RunAborted, type PodPlan, type TrackedPod } from '../session.ts';
import { START_DELAY_MS, type MatrixPhaseContext, type MatrixRunSettings } from './context.ts';
import { peersOf, type PeerPlan } from './peers.ts';
import type { Responders } from './responders.ts';

export interface Probers {
  pods: TrackedPod[];
  /** Epoch ms when probing starts, on the cluster's clock. */
  startAt: number;
}

/**
 * Starting a pod takes a cluster about as long per pod for probers as it took for the
 * responders (the scheduler's pace and the API's budget bound both: ~100 pods/s on a
 * 5,000-node control plane): probing starts once that time has passed for this many probers,
 * with this much to spare, so that the last of them still gets the whole window.
 */
const START_ESTIMATE_MARGIN = 1.1;

export async function startProbers(ctx: MatrixPhaseContext, sources: readonly string[], peers: PeerPlan, { startedInMs, all: { length: respondersStarted } }: Responders): Promise<Probers> {
  const { session, settings, progress } = ctx;
  if (ctx.signal.aborted) throw new RunAborted();
  const plans = settings.paths.map((path) => {
    const protocols = path === 'pod' ? settings.protocols : settings.protocols.filter((p) => p !== 'dns');
    return {
      path,
      plans: sources
        .map((node) => ({ node, peers: peers.kind === 'listed' ? peersOf(peers.peers, node, path) : [] }))
        .filter(({ peers: list }) => peers.kind === 'ring' || list.length > 0 || protocols.includes('dns')),
      protocols,
    };
  });
  const total = plans.reduce((n, p) => n + p.plans.length, 0);
  const expectedStartMs = respondersStarted > 0 ? (startedInMs * total / respondersStarted) * START_ESTIMATE_MARGIN : 0;
  // Never beyond the start timeout: the responders serve for two of them (runTimes), one for themselves and one for the probers.
  const startAt = ctx.clock.now() + Math.max(START_DELAY_MS, Math.min(expectedStartMs, settings.startTimeoutMs));
  const startAtText = new Date(startAt).toISOString();
  progress.phase(`probing from ${total} pod(s) for ${settings.durationMs / 1000}s at ${settings.ratePerSecond}/s per pair and protocol${startAt - ctx.clock.now() > 2 * START_DELAY_MS ? `, from ${startAtText.slice(11, 19)}Z (${Math.round((startAt - ctx.clock.now()) / 1000)}s to start them all)` : ''}`);
  let created = 0;
  const pods = (await Promise.all(plans.map(({ path, plans: list, protocols }) => session.createPods('prober', path,
    list.map(({ node, peers: listed }): PodPlan => ({
      node,
      plan: proberPlan(settings, node, path, peers.kind === 'ring' ? { roster: { file: `${ROSTER_MOUNT_DIR}/${ROSTER_FILE}`, paths: rosterPaths(settings, path), rule: peers.rule } } : { peers: listed }, protocols, startAtText),
      ...(peers.kind === 'ring' && { volume: { configMap: peers.configMap, mountPath: ROSTER_MOUNT_DIR } }),
    })), ctx.signal, () => progress.status(`probers: ${++created}/${total} created`)))))
    .flatMap((p) => p.tracked);
  return { pods, startAt };
}

/**
 * Waits until the probers have finished; `started`: those that ran in time, whose results count;
 * `interrupted`: a Ctrl-C cut a --window run short (their interim results count).
 * A prober must be running while every responder still serves its whole window (a responder
 * serves for serveMs from its start, runTimes): one bound later (a scheduler slower than the
 * run) would probe responders that have stopped, and their silence would read as loss. Such a
 * node is no-data, with the reason.
 */
export async function waitForProbers(ctx: MatrixPhaseContext, probers: Probers, responders: Responders): Promise<{ started: Probers; interrupted: boolean }> {
  const { session, settings, times } = ctx;
  const probingMs = settings.durationMs + times.drainMs + times.confirmMs;
  const runningBy = responders.createdFrom + times.serveMs - probingMs;
  const endsAt = probers.startAt + probingMs;
  let started = probers;
  try {
    const verdicts = await session.waitFor(probers.pods, 'running', Math.max(0, runningBy - Date.now()), ctx.signal,
      ({ settled, running, total }) => `probers: ${settled + running}/${total} running`);
    started = { ...probers, pods: probers.pods.filter((pod) => verdicts.has(pod.name)) };
    await session.waitUntilFinished(started.pods, 'probing', ctx.clock.toLocal(endsAt), Math.max(0, probers.startAt - ctx.clock.now()) + settings.startTimeoutMs + probingMs, ctx.signal);
    return { started, interrupted: false };
  } catch (err) {
    // With windows the agents have printed what they measured so far: report that.
    if (!(err instanceof RunAborted) || !settings.windowMs) throw err;
    return { started, interrupted: true };
  }
}

/** The roster's paths a prober on `path` probes: a pod-network one also each node's Service. */
function rosterPaths(settings: MatrixRunSettings, path: 'pod' | 'host'): NetworkPath[] {
  return path === 'pod' && settings.service ? ['pod', 'service'] : [path];
}

function proberPlan(settings: MatrixRunSettings, node: string, path: 'pod' | 'host', peers: Required<Pick<AgentPlan, 'roster'>> | { peers: PeerTarget[] }, protocols: Protocol[], startAt: string): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, network: path, startAt, protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
    ...(settings.windowMs && { windowMs: settings.windowMs }),
    ...PROBE_DEFAULTS, peers: [], ...peers,
    ...(protocols.includes('dns') && {
      dns: {
        names: settings.dnsNames, queryTimeoutMs: PLAN_DEFAULTS.dnsQueryTimeoutMs,
        resolverTimeoutMs: PLAN_DEFAULTS.resolverTimeoutMs, resolverAttempts: PLAN_DEFAULTS.resolverAttempts,
      },
    }),
    ...(settings.confirm && { confirm: settings.confirm }),
  };
}
