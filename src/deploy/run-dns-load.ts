// deploy → load → collect for one `dns` run: one loader pod per chosen node on the pod
// network (where applications resolve), all starting their ramp at the same wall-clock
// time so that the step rates add up, then each loader's result from its log.
import { parseDnsLoadResult } from '../collect/parse-dns-load-result.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { DNS_LOAD_MODE, DNS_LOAD_PLAN_VERSION, type DnsLoadPlan, type DnsLoadResult } from '../shared/dns-load.ts';
import { PLAN_DEFAULTS } from '../shared/plan.ts';
import { readClusterClock } from './cluster-clock.ts';
import { ProbeSession, type Progress, type SessionSettings } from './session.ts';

/** The ramp starts this long after the loaders are created, so every loader is up for the first step. */
const START_DELAY_MS = 5000;
/** Headroom on the pods' activeDeadlineSeconds beyond the time a run needs. */
const DEADLINE_SLACK_SECONDS = 15;
/**
 * Queries waiting per loader at most (one socket each). A healthy DNS answers in
 * milliseconds, so even 1,000 q/s keep a few dozen waiting; 500 waiting means the DNS is
 * half a second behind, well past the knee, and stays far below a container's file limit.
 */
const MAX_OUTSTANDING = 500;
/** A loader stops its ramp at twice the knee's loss threshold: past the knee, not at a single unlucky step. */
const STOP_FACTOR = 2;

export interface DnsLoadRunSettings extends Pick<SessionSettings, 'runId' | 'namespace' | 'ownNamespace' | 'namespaceLabels' | 'image' | 'tolerations' | 'keep'> {
  loaders: string[];
  names: string[];
  /** Total queries per second offered in each step, over all loaders. */
  stepQps: number[];
  stepMs: number;
  server?: string;
  lossThreshold: number;
  startTimeoutMs: number;
}

export interface DnsLoadRunOutcome {
  results: DnsLoadResult[];
  noData: { node: string; reason: string }[];
  start: Date;
  end: Date;
}

export async function runDnsLoad(client: KubeClient, settings: DnsLoadRunSettings, agentCode: string, progress: Progress, signal: AbortSignal): Promise<DnsLoadRunOutcome> {
  const clock = await readClusterClock(client, progress);
  const start = new Date(clock.now());
  // An unanswered query is resent after the resolver timeout: the last step's queries end by then.
  const drainMs = PLAN_DEFAULTS.resolverTimeoutMs * PLAN_DEFAULTS.resolverAttempts + 1000;
  const runMs = settings.startTimeoutMs + START_DELAY_MS + settings.stepQps.length * settings.stepMs + drainMs;
  const { runId, namespace, ownNamespace, namespaceLabels, image, tolerations, keep } = settings;
  const session = await ProbeSession.open(client, {
    runId, namespace, ownNamespace, namespaceLabels, image, tolerations, keep, hostNetwork: false, activeDeadlineSeconds: Math.ceil(runMs / 1000) + DEADLINE_SLACK_SECONDS,
  }, agentCode, progress);
  let results: DnsLoadResult[] = [];
  try {
    const startAt = clock.now() + START_DELAY_MS;
    const plans = settings.loaders.map((node) => ({ node, plan: loaderPlan(settings, node, new Date(startAt).toISOString()) }));
    progress.phase(`ramping to ${settings.stepQps[settings.stepQps.length - 1]} queries/s in ${settings.stepQps.length} steps of ${settings.stepMs / 1000}s from ${plans.length} loader pod(s) in namespace ${settings.namespace}`);
    const { tracked } = await session.createPods('loader', 'pod', plans, signal);
    const endsAt = clock.toLocal(startAt) + settings.stepQps.length * settings.stepMs;
    await session.waitUntilFinished(tracked, 'loading (less when the ramp stops early)', endsAt, runMs, signal);
    progress.phase('collecting results');
    results = await session.results(tracked, (log, source, pod) => parseDnsLoadResult(log, source, { node: pod.node, runToken: settings.runId }));
  } finally {
    await session.close();
  }
  return { results, noData: [...session.noData].map(([node, reason]) => ({ node, reason })), start, end: new Date(clock.now()) };
}

function loaderPlan(settings: DnsLoadRunSettings, node: string, startAt: string): DnsLoadPlan {
  return {
    mode: DNS_LOAD_MODE, planVersion: DNS_LOAD_PLAN_VERSION, runToken: settings.runId, node, startAt,
    ...(settings.server !== undefined && { server: settings.server }),
    names: settings.names,
    stepQps: settings.stepQps.map((qps) => qps / settings.loaders.length),
    stepMs: settings.stepMs,
    resolverTimeoutMs: PLAN_DEFAULTS.resolverTimeoutMs,
    resolverAttempts: PLAN_DEFAULTS.resolverAttempts,
    maxOutstanding: MAX_OUTSTANDING,
    stopLossRatio: Math.min(0.5, settings.lossThreshold * STOP_FACTOR),
  };
}
