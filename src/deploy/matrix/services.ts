// Phase 3 (--service): a ClusterIP Service in front of each running pod-network responder,
// so that probes cross kube-proxy's DNAT.
import pLimit from 'p-limit';
import { responderService } from '../manifests.ts';
import type { MatrixPhaseContext } from './context.ts';
import type { Responders } from './responders.ts';

/** Services are created this many at a time. */
const CREATE_CONCURRENCY = 10;

/** Each node's ClusterIP, for the nodes whose pod-network responder runs. */
export type ClusterIPs = Map<string, string>;

export async function startServices(ctx: MatrixPhaseContext, responders: Responders): Promise<ClusterIPs> {
  const { client, session, settings, progress } = ctx;
  const podResponders = [...responders.running.values()].filter((r) => r.pod.path === 'pod');
  progress.phase(`creating ${podResponders.length} ClusterIP service(s), one per responder`);
  const limit = pLimit(CREATE_CONCURRENCY);
  const clusterIPs: ClusterIPs = new Map();
  await Promise.all(podResponders.map((r) => limit(async () => {
    const service = await client.createService(settings.namespace, responderService(session.runObjects, session.ownerReference, r.manifest, settings.tcpPort, settings.udpPort));
    if (service.spec?.clusterIP) clusterIPs.set(r.pod.node, service.spec.clusterIP);
  })));
  return clusterIPs;
}
