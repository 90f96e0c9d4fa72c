// deploy → probe → collect for one matrix run. Responders first (one per
// destination node and network), probers once the responders have IPs (so no
// exec, no proxy, no API access from inside pods), then each prober's result
// from its log. A node whose pod cannot run is reported with the scheduler's or
// kubelet's reason as soon as that is known, and the rest is still measured.
import type { V1Pod } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { NoDataEntry } from '../analyse/analyse.ts';
import { parseAgentResult } from '../collect/parse-agent-result.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { DirectedPair } from '../plan/pairs.ts';
import type { AgentResult } from '../shared/agent-result.ts';
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan, type NetworkPath, type PeerTarget, type Protocol } from '../shared/plan.ts';
import { responderService, type RunObjects } from './manifests.ts';
import { ProbeSession, RunAborted, type Progress, type TrackedPod } from './session.ts';

/** Services are created this many at a time. */
const CREATE_CONCURRENCY = 10;
/** Headroom on the pods' activeDeadlineSeconds beyond the time a run needs. */
const DEADLINE_SLACK_SECONDS = 15;
/** Probing starts this long after the probers are created, so slow starters still get the whole window. */
const START_DELAY_MS = 3000;

export interface MatrixRunSettings {
  runId: string;
  namespace: string;
  /** True: the run made its own namespace (and removes it). */
  ownNamespace: boolean;
  namespaceLabels: Record<string, string>;
  image: string;
  tolerations: RunObjects['tolerations'];
  paths: ('pod' | 'host')[];
  service: boolean;
  protocols: Protocol[];
  durationMs: number;
  ratePerSecond: number;
  dnsNames: string[];
  tcpPort: number;
  udpPort: number;
  /** How long pods may take to be scheduled and started. */
  startTimeoutMs: number;
  keep: boolean;
  /** --window: per-window counts, and interim results that survive a Ctrl-C. */
  windowMs?: number;
}

export interface MatrixRunOutcome {
  results: AgentResult[];
  noData: NoDataEntry[];
  start: Date;
  end: Date;
  /** Stopped early (Ctrl-C) with --window: the results are what the agents had measured by then. */
  interrupted: boolean;
}

export async function runMatrix(
  client: KubeClient, pairs: readonly DirectedPair[], settings: MatrixRunSettings, agentCode: string, progress: Progress, signal: AbortSignal,
): Promise<MatrixRunOutcome> {
  const start = new Date();
  const times = planTimes(settings);
  const session = await ProbeSession.open(client, {
    runId: settings.runId, namespace: settings.namespace, ownNamespace: settings.ownNamespace, namespaceLabels: settings.namespaceLabels,
    hostNetwork: settings.paths.includes('host'), image: settings.image, tolerations: settings.tolerations,
    activeDeadlineSeconds: times.deadlineSeconds, keep: settings.keep,
  }, agentCode, progress);
  let results: AgentResult[] = [];
  let interrupted = false;
  try {
    const destinations = [...new Set(pairs.map((p) => p.destination))].sort();
    progress.phase(`creating ${destinations.length * settings.paths.length} responder pod(s) in namespace ${settings.namespace}`);
    const responders = await Promise.all(settings.paths.map((path) =>
      session.createPods('responder', path, destinations.map((node) => ({ node, plan: responderPlan(settings, node, times.serveMs) })))));
    const responderVerdicts = await session.waitFor(responders.flatMap((r) => r.tracked), 'running', settings.startTimeoutMs, signal);
    const responderIPs = new Map<string, string>();
    for (const { tracked } of responders) {
      for (const pod of tracked) {
        const verdict = responderVerdicts.get(pod.name);
        if (verdict?.state === 'running') responderIPs.set(key(pod.node, pod.path), verdict.podIP);
      }
    }

    const peersBySource = new Map<string, PeerTarget[]>();
    const addPeer = (source: string, path: NetworkPath, peer: PeerTarget) => {
      const peers = peersBySource.get(key(source, path)) ?? [];
      peers.push(peer);
      peersBySource.set(key(source, path), peers);
    };
    for (const path of settings.paths) {
      for (const pair of pairs) {
        const ip = responderIPs.get(key(pair.destination, path));
        if (ip) addPeer(pair.source, path, { node: pair.destination, ip, tcpPort: settings.tcpPort, udpPort: settings.udpPort, path });
      }
    }
    if (settings.service) {
      const podResponders = responders[settings.paths.indexOf('pod')];
      const clusterIPs = await createServices(client, session, podResponders?.tracked ?? [], podResponders?.pods ?? [], responderIPs, settings, progress);
      for (const pair of pairs) {
        const ip = clusterIPs.get(pair.destination);
        if (ip) addPeer(pair.source, 'service', { node: pair.destination, ip, tcpPort: settings.tcpPort, udpPort: settings.udpPort, path: 'service' });
      }
    }

    const sources = [...new Set(pairs.map((p) => p.source))].sort().filter((node) => !session.noData.has(node));
    const startAt = new Date(Date.now() + START_DELAY_MS).toISOString();
    if (signal.aborted) throw new RunAborted();
    const proberPlans = settings.paths.map((path) => {
      const protocols = path === 'pod' ? settings.protocols : settings.protocols.filter((p) => p !== 'dns');
      return {
        path,
        plans: sources
          .map((node) => ({ node, peers: [...(peersBySource.get(key(node, path)) ?? []), ...(path === 'pod' ? peersBySource.get(key(node, 'service')) ?? [] : [])] }))
          .filter(({ peers }) => peers.length > 0 || protocols.includes('dns'))
          .map(({ node, peers }) => ({ node, plan: proberPlan(settings, node, peers, protocols, startAt) })),
      };
    });
    progress.phase(`probing from ${proberPlans.reduce((n, p) => n + p.plans.length, 0)} pod(s) for ${settings.durationMs / 1000}s at ${settings.ratePerSecond}/s per pair and protocol`);
    const probers = (await Promise.all(proberPlans.map(({ path, plans }) => session.createPods('prober', path, plans)))).flatMap((p) => p.tracked);
    const endsAt = Date.now() + START_DELAY_MS + settings.durationMs + times.drainMs;
    try {
      await session.waitUntilFinished(probers, 'probing', endsAt, settings.startTimeoutMs + START_DELAY_MS + settings.durationMs + times.drainMs, signal);
    } catch (err) {
      // With windows the agents have printed what they measured so far: report that.
      if (!(err instanceof RunAborted) || !settings.windowMs) throw err;
      interrupted = true;
    }

    progress.phase(interrupted ? 'interrupted: collecting what was measured so far' : 'collecting results');
    results = await session.results(probers, (log, source, pod) => parseAgentResult(log, source, { node: pod.node, runToken: settings.runId }), interrupted);
  } finally {
    await session.close();
  }
  return { results, noData: [...session.noData].map(([node, reason]) => ({ node, reason })), start, end: new Date(), interrupted };
}

function key(node: string, path: NetworkPath): string {
  return `${path}/${node}`;
}

function planTimes(settings: MatrixRunSettings): { drainMs: number; serveMs: number; deadlineSeconds: number } {
  // Probes still in flight at the end of the window finish within their timeout; DNS resends take longest.
  const drainMs = Math.max(PLAN_DEFAULTS.tcpTimeoutMs, PLAN_DEFAULTS.udpTimeoutMs,
    settings.protocols.includes('dns') ? PLAN_DEFAULTS.resolverTimeoutMs * PLAN_DEFAULTS.resolverAttempts : 0) + 1000;
  const serveMs = 2 * settings.startTimeoutMs + START_DELAY_MS + settings.durationMs + drainMs;
  return { drainMs, serveMs, deadlineSeconds: Math.ceil(serveMs / 1000) + DEADLINE_SLACK_SECONDS };
}

function responderPlan(settings: MatrixRunSettings, node: string, serveMs: number): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, listen: { tcpPort: settings.tcpPort, udpPort: settings.udpPort }, serveMs,
    protocols: settings.protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
    ...PROBE_DEFAULTS, peers: [],
  };
}

function proberPlan(settings: MatrixRunSettings, node: string, peers: PeerTarget[], protocols: Protocol[], startAt: string): AgentPlan {
  return {
    planVersion: 1, runToken: settings.runId, node, startAt, protocols, durationMs: settings.durationMs, ratePerSecond: settings.ratePerSecond,
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

/** --service: a ClusterIP per pod-network responder; returns each node's ClusterIP. */
async function createServices(
  client: KubeClient, session: ProbeSession, responders: readonly TrackedPod[], pods: readonly V1Pod[], responderIPs: ReadonlyMap<string, string>,
  settings: MatrixRunSettings, progress: Progress,
): Promise<Map<string, string>> {
  const running = responders.map((r, i) => ({ r, pod: pods[i] })).filter(({ r }) => responderIPs.has(key(r.node, 'pod')));
  progress.phase(`creating ${running.length} ClusterIP service(s), one per responder`);
  const limit = pLimit(CREATE_CONCURRENCY);
  const clusterIPs = new Map<string, string>();
  await Promise.all(running.map(({ r, pod }) => limit(async () => {
    const service = await client.createService(settings.namespace, responderService(session.runObjects, session.ownerReference, pod, settings.tcpPort, settings.udpPort));
    if (service.spec?.clusterIP) clusterIPs.set(r.node, service.spec.clusterIP);
  })));
  return clusterIPs;
}
