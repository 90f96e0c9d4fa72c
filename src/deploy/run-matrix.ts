// deploy → probe → collect for one matrix run. Responders first (one per
// destination node and network), probers once the responders have IPs (so no
// exec, no proxy, no API access from inside pods), then each prober's result
// from its log. A node whose pod cannot run is reported with the scheduler's or
// kubelet's reason as soon as that is known, and the rest is still measured.
import type { V1OwnerReference, V1Pod } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import type { NoDataEntry } from '../analyse/analyse.ts';
import { AgentResultError, parseAgentResult } from '../collect/parse-agent-result.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { DirectedPair } from '../plan/pairs.ts';
import type { AgentResult } from '../shared/agent-result.ts';
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan, type NetworkPath, type PeerTarget, type Protocol } from '../shared/plan.ts';
import { runSelector, type PodRole } from './labels.ts';
import { agentConfigMap, namespaceManifest, ownerReferenceTo, probePod, responderService, type RunObjects } from './manifests.ts';
import { PodTracker } from './pod-tracker.ts';
import { podVerdict, type PodVerdict } from './pod-state.ts';

/** Pods are created this many at a time: parallel, without a burst that trips API priority and fairness. */
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
}

export interface Progress {
  /** A new phase: always one line. */
  phase(text: string): void;
  /** A status that replaces the previous one (a TTY shows it, a log may drop it). */
  status(text: string): void;
  /** Something the user should know at once. */
  warn(text: string): void;
}

export interface MatrixRunOutcome {
  results: AgentResult[];
  noData: NoDataEntry[];
  start: Date;
  end: Date;
  /** What is left behind with --keep, and how to remove it. */
  kept?: string;
}

interface TrackedPod {
  name: string;
  node: string;
  role: PodRole;
  path: NetworkPath;
}

export async function runMatrix(
  client: KubeClient, pairs: readonly DirectedPair[], settings: MatrixRunSettings, agentCode: string, progress: Progress, signal: AbortSignal,
): Promise<MatrixRunOutcome> {
  const start = new Date();
  const noData = new Map<string, string>();
  const markNoData = (node: string, reason: string) => {
    if (noData.has(node)) return;
    noData.set(node, reason);
    progress.warn(`node ${node}: no data: ${reason}`);
  };
  const plan = planTimes(settings);
  const run: RunObjects = {
    runId: settings.runId, namespace: settings.namespace, image: settings.image, tolerations: settings.tolerations, activeDeadlineSeconds: plan.deadlineSeconds,
  };

  await prepareNamespace(client, settings);
  const tracker = new PodTracker(client, settings.namespace, runSelector(settings.runId));
  let results: AgentResult[] = [];
  try {
    const configMap = await client.createConfigMap(settings.namespace, agentConfigMap(run, agentCode));
    const owner = ownerReferenceTo(configMap);
    await tracker.start();
    const limit = pLimit(CREATE_CONCURRENCY);
    const create = (pods: V1Pod[]) => Promise.all(pods.map((pod) => limit(() => client.createPod(settings.namespace, pod))));

    const destinations = [...new Set(pairs.map((p) => p.destination))].sort();
    const responders: TrackedPod[] = [];
    const responderPods: V1Pod[] = [];
    for (const path of settings.paths) {
      destinations.forEach((node, i) => {
        const pod = probePod(run, owner, 'responder', path, node, i, responderPlan(settings, node, plan.serveMs));
        responders.push({ name: pod.metadata!.name!, node, role: 'responder', path });
        responderPods.push(pod);
      });
    }
    progress.phase(`creating ${responders.length} responder pod(s) in namespace ${settings.namespace}`);
    await create(responderPods);
    const responderIPs = await waitForPods(tracker, responders, 'running', settings.startTimeoutMs, signal, progress, markNoData);

    const peersBySource = new Map<string, PeerTarget[]>();
    for (const path of settings.paths) {
      for (const pair of pairs) {
        const ip = responderIPs.get(key(pair.destination, path));
        if (!ip) continue;
        const peers = peersBySource.get(key(pair.source, path)) ?? [];
        peers.push({ node: pair.destination, ip, tcpPort: settings.tcpPort, udpPort: settings.udpPort, path });
        peersBySource.set(key(pair.source, path), peers);
      }
    }
    if (settings.service) await addServicePeers(client, run, owner, responders, responderPods, responderIPs, pairs, settings, peersBySource, progress);

    const sources = [...new Set(pairs.map((p) => p.source))].sort().filter((node) => !noData.has(node));
    const startAt = new Date(Date.now() + START_DELAY_MS).toISOString();
    const probers: TrackedPod[] = [];
    const proberPods: V1Pod[] = [];
    for (const path of settings.paths) {
      sources.forEach((node, i) => {
        const peers = [...(peersBySource.get(key(node, path)) ?? []), ...(path === 'pod' ? peersBySource.get(key(node, 'service')) ?? [] : [])];
        const protocols = path === 'pod' ? settings.protocols : settings.protocols.filter((p) => p !== 'dns');
        if (peers.length === 0 && !protocols.includes('dns')) return;
        const pod = probePod(run, owner, 'prober', path, node, i, proberPlan(settings, node, peers, protocols, startAt));
        probers.push({ name: pod.metadata!.name!, node, role: 'prober', path });
        proberPods.push(pod);
      });
    }
    if (signal.aborted) throw new RunAborted();
    progress.phase(`probing from ${probers.length} pod(s) for ${settings.durationMs / 1000}s at ${settings.ratePerSecond}/s per pair and protocol`);
    await create(proberPods);
    const endsAt = Date.now() + START_DELAY_MS + settings.durationMs + plan.drainMs;
    const ticker = setInterval(() => progress.status(`probing: ${Math.max(0, Math.round((endsAt - Date.now()) / 1000))}s left`), 1000);
    try {
      await waitForPods(tracker, probers, 'finished', settings.startTimeoutMs + START_DELAY_MS + settings.durationMs + plan.drainMs, signal, progress, markNoData);
    } finally {
      clearInterval(ticker);
    }
    if (signal.aborted) throw new RunAborted();

    progress.phase('collecting results');
    results = await collectResults(client, tracker, probers, settings, markNoData);
  } finally {
    tracker.stop();
    if (settings.keep) {
      progress.phase(`--keep: leaving namespace ${settings.namespace}; remove with: kubectl netprobe cleanup --run ${settings.runId}`);
    } else {
      await removeRun(client, settings.namespace, settings.runId, settings.ownNamespace, progress);
    }
  }
  return { results, noData: [...noData].map(([node, reason]) => ({ node, reason })), start, end: new Date() };
}

/** A run that cannot go on for a reason the user can fix: shown as one line. */
export class DeployError extends Error {}

export class RunAborted extends Error {
  constructor() {
    super('interrupted');
  }
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
    ...PROBE_DEFAULTS, peers,
    ...(protocols.includes('dns') && {
      dns: {
        names: settings.dnsNames, queryTimeoutMs: PLAN_DEFAULTS.dnsQueryTimeoutMs,
        resolverTimeoutMs: PLAN_DEFAULTS.resolverTimeoutMs, resolverAttempts: PLAN_DEFAULTS.resolverAttempts,
      },
    }),
  };
}

async function prepareNamespace(client: KubeClient, settings: MatrixRunSettings): Promise<void> {
  const existing = await client.readNamespace(settings.namespace);
  if (settings.ownNamespace) {
    if (existing) throw new DeployError(`namespace ${settings.namespace} already exists: pick another run id or pass -n`);
    await client.createNamespace(namespaceManifest(settings.namespace, settings.runId, settings.namespaceLabels, settings.paths.includes('host')));
    return;
  }
  if (!existing) throw new DeployError(`namespace ${settings.namespace} not found (leave out -n and netprobe makes its own)`);
  if (existing.status?.phase === 'Terminating' || existing.metadata?.deletionTimestamp) throw new DeployError(`namespace ${settings.namespace} is being deleted: wait for it to go, or use another`);
}

/**
 * Waits until every pod is running (with an IP) or finished, or has failed, the
 * timeout passed or the run was interrupted. Returns the running pods' IPs by
 * node/path; every pod that did not make it becomes a no-data node with its reason.
 */
async function waitForPods(
  tracker: PodTracker, pods: readonly TrackedPod[], goal: 'running' | 'finished', timeoutMs: number, signal: AbortSignal,
  progress: Progress, markNoData: (node: string, reason: string) => void,
): Promise<Map<string, string>> {
  const settled = new Map<string, PodVerdict>();
  const reached = (v: PodVerdict) => v.state === 'failed' || v.state === 'succeeded' || (goal === 'running' && v.state === 'running');
  await tracker.waitFor(() => {
    for (const pod of pods) {
      if (settled.has(pod.name)) continue;
      const current = tracker.get(pod.name);
      if (!current) continue;
      const verdict = podVerdict(current);
      if (!reached(verdict)) continue;
      settled.set(pod.name, verdict);
      if (verdict.state === 'failed') markNoData(pod.node, `${pod.role} pod ${pod.name} (${pod.path} network): ${verdict.reason}`);
    }
    progress.status(`${goal === 'running' ? 'responders running' : 'probers finished'}: ${settled.size}/${pods.length}`);
    return settled.size === pods.length ? true : undefined;
  }, timeoutMs, signal);
  if (signal.aborted) throw new RunAborted();
  const ips = new Map<string, string>();
  for (const pod of pods) {
    const verdict = settled.get(pod.name);
    if (!verdict) markNoData(pod.node, `${pod.role} pod ${pod.name} not ${goal} after ${Math.round(timeoutMs / 1000)}s (${describeWaiting(tracker.get(pod.name))})`);
    else if (verdict.state === 'running') ips.set(key(pod.node, pod.path), verdict.podIP);
  }
  return ips;
}

function describeWaiting(pod: V1Pod | undefined): string {
  if (!pod) return 'never seen';
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  return waiting?.reason ? `${pod.status?.phase}: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}` : `phase ${pod.status?.phase ?? 'unknown'}`;
}

async function addServicePeers(
  client: KubeClient, run: RunObjects, owner: V1OwnerReference, responders: readonly TrackedPod[], responderPods: readonly V1Pod[],
  responderIPs: ReadonlyMap<string, string>, pairs: readonly DirectedPair[], settings: MatrixRunSettings,
  peersBySource: Map<string, PeerTarget[]>, progress: Progress,
): Promise<void> {
  const podPathResponders = responders.map((r, i) => ({ r, pod: responderPods[i] })).filter(({ r }) => r.path === 'pod' && responderIPs.has(key(r.node, 'pod')));
  progress.phase(`creating ${podPathResponders.length} ClusterIP service(s), one per responder`);
  const clusterIPs = new Map<string, string>();
  const limit = pLimit(CREATE_CONCURRENCY);
  await Promise.all(podPathResponders.map(({ r, pod }) => limit(async () => {
    const service = await client.createService(settings.namespace, responderService(run, owner, pod, settings.tcpPort, settings.udpPort));
    if (service.spec?.clusterIP) clusterIPs.set(r.node, service.spec.clusterIP);
  })));
  for (const pair of pairs) {
    const ip = clusterIPs.get(pair.destination);
    if (!ip) continue;
    const peers = peersBySource.get(key(pair.source, 'service')) ?? [];
    peers.push({ node: pair.destination, ip, tcpPort: settings.tcpPort, udpPort: settings.udpPort, path: 'service' });
    peersBySource.set(key(pair.source, 'service'), peers);
  }
}

async function collectResults(
  client: KubeClient, tracker: PodTracker, probers: readonly TrackedPod[], settings: MatrixRunSettings,
  markNoData: (node: string, reason: string) => void,
): Promise<AgentResult[]> {
  const limit = pLimit(CREATE_CONCURRENCY);
  const results = await Promise.all(probers.map((pod) => limit(async () => {
    const verdict = tracker.get(pod.name) ? podVerdict(tracker.get(pod.name)!) : undefined;
    if (verdict?.state !== 'succeeded') return undefined;
    const source = `pod ${pod.name} on ${pod.node}`;
    try {
      return parseAgentResult(await client.podLogs(settings.namespace, pod.name), source, { node: pod.node, runToken: settings.runId });
    } catch (err) {
      markNoData(pod.node, err instanceof AgentResultError ? err.message : `${source}: ${(err as Error).message}`);
      return undefined;
    }
  })));
  return results.filter((r): r is AgentResult => r !== undefined);
}

/** Deletes the run's pods (the ConfigMap's garbage collection would too, but later), the ConfigMap, and an own namespace. */
export async function removeRun(client: KubeClient, namespace: string, runId: string, ownNamespace: boolean, progress: Progress): Promise<void> {
  progress.phase('cleaning up');
  const selector = runSelector(runId);
  const limit = pLimit(CREATE_CONCURRENCY);
  const { items } = await client.listPods(namespace, selector);
  await Promise.all(items.map((pod) => limit(() => client.deletePod(namespace, pod.metadata!.name!))));
  for (const configMap of await client.listConfigMaps(namespace, selector)) await client.deleteConfigMap(namespace, configMap.metadata!.name!);
  if (ownNamespace) await client.deleteNamespace(namespace);
}
