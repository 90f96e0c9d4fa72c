// Phase 2: what each prober probes: for every directed pair and path, the destination's
// responder at each of its addresses (IPv4, IPv6), or its Service, once that listens. Listed
// pairs go into each prober's plan; a ring sample goes into the run's roster (one ConfigMap,
// src/shared/roster.ts), from which each agent computes its own peers by the ring rule, so a
// plan does not grow with the cluster.
import { probedPairs, type PeerSelection } from '../../plan/pairs.ts';
import type { NetworkPath, PeerRule, PeerTarget } from '../../shared/plan.ts';
import { ROSTER_KIND, ROSTER_VERSION, type Roster } from '../../shared/roster.ts';
import { ROSTER_FILE, rosterConfigMap } from '../manifests.ts';
import { DeployError } from '../session.ts';
import { pathKey, type MatrixPhaseContext } from './context.ts';
import { responderOn, type Responders } from './responders.ts';
import type { ClusterIPs } from './services.ts';

/** The API refuses a ConfigMap whose data passes 1 MiB (ValidateConfigMap: MaxSecretSize, 1,048,576 bytes). */
const CONFIGMAP_DATA_LIMIT = 1024 * 1024;

/** Each prober's peers: listed, by pathKey(source, path) (Service peers under path 'service'), or by the ring rule from the roster. */
export type PeerPlan =
  | { kind: 'listed'; peers: Map<string, PeerTarget[]> }
  | { kind: 'ring'; rule: PeerRule; roster: Roster; configMap: string };

export async function planPeers(ctx: MatrixPhaseContext, selection: PeerSelection, responders: Responders, clusterIPs: ClusterIPs): Promise<PeerPlan> {
  if (selection.kind === 'pairs') return { kind: 'listed', peers: listedPeers(ctx, selection, responders, clusterIPs) };
  const roster = rosterOf(ctx, selection, responders, clusterIPs);
  const manifest = rosterConfigMap(ctx.session.runObjects, ctx.session.ownerReference, JSON.stringify(roster));
  const bytes = Buffer.byteLength(manifest.data![ROSTER_FILE]);
  if (bytes > CONFIGMAP_DATA_LIMIT) {
    throw new DeployError(`the run's roster of ${roster.nodes.length} nodes takes ${(bytes / 2 ** 20).toFixed(2)} MiB, more than a ConfigMap holds (1 MiB): probe fewer nodes at once (-l, --max-nodes) or fewer networks (--network, --service)`);
  }
  await ctx.client.createConfigMap(ctx.settings.namespace, manifest);
  ctx.progress.phase(`peers by the ring rule from the run's roster: ${roster.nodes.length} nodes, ${(bytes / 1024).toFixed(0)} KiB (ConfigMap ${manifest.metadata!.name}, at most 1 MiB)`);
  return { kind: 'ring', roster, configMap: manifest.metadata!.name!, rule: { kind: 'ring', k: selection.peers, ...(selection.rotate && { rotate: true }) } };
}

/** The peers a listed prober on `node` for `path` probes: a pod-network prober also probes the Services. */
export function peersOf(peers: Map<string, PeerTarget[]>, node: string, path: 'pod' | 'host'): PeerTarget[] {
  return [...(peers.get(pathKey(node, path)) ?? []), ...(path === 'pod' ? peers.get(pathKey(node, 'service')) ?? [] : [])];
}

function listedPeers(ctx: MatrixPhaseContext, selection: PeerSelection, responders: Responders, clusterIPs: ClusterIPs): Map<string, PeerTarget[]> {
  const { settings } = ctx;
  const pairs = probedPairs(selection);
  const peers = new Map<string, PeerTarget[]>();
  const add = (source: string, path: NetworkPath, destination: string, ip: string) => {
    const key = pathKey(source, path);
    const list = peers.get(key) ?? [];
    list.push({ node: destination, ip, tcpPort: settings.tcpPort, udpPort: settings.udpPort, path });
    peers.set(key, list);
  };
  for (const path of settings.paths) {
    for (const pair of pairs) {
      // Each family the destination's pod has: a dual-stack cluster has two networks to measure.
      for (const ip of responderOn(responders, pair.destination, path)?.podIPs ?? []) add(pair.source, path, pair.destination, ip);
    }
  }
  for (const pair of pairs) {
    const ip = clusterIPs.get(pair.destination);
    if (ip) add(pair.source, 'service', pair.destination, ip);
  }
  return peers;
}

/** Every ring node's addresses per path: [] where its responder does not listen. */
function rosterOf(ctx: MatrixPhaseContext, selection: PeerSelection & { kind: 'ring' }, responders: Responders, clusterIPs: ClusterIPs): Roster {
  const { settings } = ctx;
  const addresses: Roster['addresses'] = {};
  for (const path of settings.paths) addresses[path] = selection.ring.map((node) => responderOn(responders, node, path)?.podIPs ?? []);
  if (settings.service) addresses.service = selection.ring.map((node) => (clusterIPs.has(node) ? [clusterIPs.get(node)!] : []));
  return { kind: ROSTER_KIND, rosterVersion: ROSTER_VERSION, runToken: settings.runId, tcpPort: settings.tcpPort, udpPort: settings.udpPort, nodes: selection.ring, addresses };
}
