// Phase 3 (--service): a ClusterIP Service in front of each listening pod-network responder,
// so that probes cross kube-proxy's DNAT. A Service answers only once the EndpointSlice
// controller has listed its responder as ready and kube-proxy has programmed the rules from
// that slice: so the phase waits for each Service's ready EndpointSlice, then for kube-proxy.
import type { V1EndpointSlice } from '@kubernetes/client-node';
import { setTimeout as delay } from 'node:timers/promises';
import pLimit from 'p-limit';
import { runSelector } from '../labels.ts';
import { responderService } from '../manifests.ts';
import { RunAborted } from '../session.ts';
import type { MatrixPhaseContext } from './context.ts';
import type { Responders } from './responders.ts';

/** Services are created this many at a time. */
const CREATE_CONCURRENCY = 10;
/** How often the run's EndpointSlices are listed while waiting (one request for all Services). */
const SLICE_POLL_MS = 500;
/**
 * After its EndpointSlice is ready, how long kube-proxy may take to program a Service: it
 * syncs at most once per minSyncPeriod (1 s by default, KubeProxyConfiguration
 * iptables/nftables.minSyncPeriod), and the sync itself takes time on a busy node; twice that.
 */
export const KUBE_PROXY_GRACE_MS = 2000;
/** The label the EndpointSlice controller puts on a Service's slices. */
const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';

/** Each node's ClusterIP, for the nodes whose Service has its responder behind it. */
export type ClusterIPs = Map<string, string>;

export async function startServices(ctx: MatrixPhaseContext, responders: Responders): Promise<ClusterIPs> {
  const { client, session, settings, progress } = ctx;
  const podResponders = [...responders.running.values()].filter((r) => r.pod.path === 'pod');
  progress.phase(`creating ${podResponders.length} ClusterIP service(s), one per responder`);
  const limit = pLimit(CREATE_CONCURRENCY);
  const created = new Map<string, { node: string; clusterIP: string }>();
  await Promise.all(podResponders.map((r) => limit(async () => {
    const service = await client.createService(settings.namespace, responderService(session.runObjects, session.ownerReference, r.pod.name, settings.tcpPort, settings.udpPort));
    if (service.spec?.clusterIP) created.set(service.metadata!.name!, { node: r.pod.node, clusterIP: service.spec.clusterIP });
  })));
  const ready = await waitForEndpoints(ctx, new Set(created.keys()));
  const clusterIPs: ClusterIPs = new Map();
  for (const [name, { node, clusterIP }] of created) {
    if (ready.has(name)) clusterIPs.set(node, clusterIP);
    else session.markDestinationNoData(node, 'service', `Service ${name} had no ready endpoint after ${Math.round(settings.startTimeoutMs / 1000)}s`);
  }
  if (clusterIPs.size > 0) await sleep(KUBE_PROXY_GRACE_MS, ctx.signal);
  return clusterIPs;
}

/** The Services of `names` whose EndpointSlice lists a ready endpoint, once all do or the start timeout passes. */
async function waitForEndpoints(ctx: MatrixPhaseContext, names: ReadonlySet<string>): Promise<Set<string>> {
  const deadline = Date.now() + ctx.settings.startTimeoutMs;
  let ready = new Set<string>();
  for (;;) {
    ready = readyServices(await ctx.client.listEndpointSlices(ctx.settings.namespace, runSelector(ctx.settings.runId)), names);
    ctx.progress.status(`services with a ready endpoint: ${ready.size}/${names.size}`);
    if (ready.size === names.size || Date.now() >= deadline) return ready;
    await sleep(SLICE_POLL_MS, ctx.signal);
  }
}

function readyServices(slices: readonly V1EndpointSlice[], names: ReadonlySet<string>): Set<string> {
  const ready = new Set<string>();
  for (const slice of slices) {
    const service = slice.metadata?.labels?.[SERVICE_NAME_LABEL];
    // An endpoint without conditions.ready is ready (discovery.k8s.io/v1 EndpointConditions).
    if (service && names.has(service) && slice.endpoints?.some((e) => e.conditions?.ready !== false)) ready.add(service);
  }
  return ready;
}

/** Waits `ms`; a Ctrl-C ends the wait (and the run). */
async function sleep(ms: number, signal: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch {
    throw new RunAborted();
  }
}
