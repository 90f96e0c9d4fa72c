// Phase 4: one prober pod per source node and path, all starting to probe at one wall-clock
// time (so that every window lines up); phase 5: waiting for them to finish, or a Ctrl-C.
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan, type PeerTarget, type Protocol } from '../../shared/plan.ts';
import { RunAborted, type TrackedPod } from '../session.ts';
import { START_DELAY_MS, type MatrixPhaseContext, type MatrixRunSettings } from './context.ts';
import { peersOf, type PeerPlan } from './peers.ts';

export interface Probers {
  pods: TrackedPod[];
  /** Epoch ms when probing starts, on the cluster's clock. */
  startAt: number;
}

export async function startProbers(ctx: MatrixPhaseContext, sources: readonly string[], peers: PeerPlan): Promise<Probers> {
  const { session, settings, progress } = ctx;
  if (ctx.signal.aborted) throw new RunAborted();
  const startAt = ctx.clock.now() + START_DELAY_MS;
  const plans = settings.paths.map((path) => {
    const protocols = path === 'pod' ? settings.protocols : settings.protocols.filter((p) => p !== 'dns');
    return {
      path,
      plans: sources
        .map((node) => ({ node, peers: peersOf(peers, node, path) }))
        .filter(({ peers: list }) => list.length > 0 || protocols.includes('dns'))
        .map(({ node, peers: list }) => ({ node, plan: proberPlan(settings, node, path, list, protocols, new Date(startAt).toISOString()) })),
    };
  });
  progress.phase(`probing from ${plans.reduce((n, p) => n + p.plans.length, 0)} pod(s) for ${settings.durationMs / 1000}s at ${settings.ratePerSecond}/s per pair and protocol`);
  const pods = (await Promise.all(plans.map(({ path, plans: list }) => session.createPods('prober', path, list, ctx.signal)))).flatMap((p) => p.tracked);
  return { pods, startAt };
}

/** Waits until the probers have finished; true when a Ctrl-C cut a --window run short (its interim results count). */
export async function waitForProbers(ctx: MatrixPhaseContext, probers: Probers): Promise<{ interrupted: boolean }> {
  const { settings, times } = ctx;
  const endsAt = probers.startAt + settings.durationMs + times.drainMs;
  try {
    await ctx.session.waitUntilFinished(probers.pods, 'probing', ctx.clock.toLocal(endsAt), settings.startTimeoutMs + START_DELAY_MS + settings.durationMs + times.drainMs, ctx.signal);
    return { interrupted: false };
  } catch (err) {
    // With windows the agents have printed what they measured so far: report that.
    if (!(err instanceof RunAborted) || !settings.windowMs) throw err;
    return { interrupted: true };
  }
}

function proberPlan(settings: MatrixRunSettings, node: string, path: 'pod' | 'host', peers: PeerTarget[], protocols: Protocol[], startAt: string): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, network: path, startAt, protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
    ...(settings.windowMs && { windowMs: settings.windowMs }),
    ...PROBE_DEFAULTS, peers,
    ...(protocols.includes('dns') && {
      dns: {
        names: settings.dnsNames, queryTimeoutMs: PLAN_DEFAULTS.dnsQueryTimeoutMs,
        resolverTimeoutMs: PLAN_DEFAULTS.resolverTimeoutMs, resolverAttempts: PLAN_DEFAULTS.resolverAttempts,
      },
    }),
  };
}
