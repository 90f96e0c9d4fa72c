// Phase 2: what each prober probes: for every directed pair and path, the destination's
// responder at each of its addresses (IPv4, IPv6), or its Service, once that listens.
import type { DirectedPair } from '../../plan/pairs.ts';
import type { NetworkPath, PeerTarget } from '../../shared/plan.ts';
import { pathKey, type MatrixRunSettings } from './context.ts';
import { responderOn, type Responders } from './responders.ts';
import type { ClusterIPs } from './services.ts';

/** Each prober's peers, by pathKey(source, path); Service peers under path 'service'. */
export type PeerPlan = Map<string, PeerTarget[]>;

export function planPeers(pairs: readonly DirectedPair[], settings: MatrixRunSettings, responders: Responders, clusterIPs: ClusterIPs): PeerPlan {
  const peers: PeerPlan = new Map();
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

/** The peers a prober on `node` for `path` probes: a pod-network prober also probes the Services. */
export function peersOf(peers: PeerPlan, node: string, path: 'pod' | 'host'): PeerTarget[] {
  return [...(peers.get(pathKey(node, path)) ?? []), ...(path === 'pod' ? peers.get(pathKey(node, 'service')) ?? [] : [])];
}
