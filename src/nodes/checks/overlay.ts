// Overlay health. Routes: every other node's pods must be routed (Flannel: the peer's pod CIDR
// via flannel.1; Calico: its blocks via the peer's node IP), in both directions (./peer-gaps.ts).
// Flannel VXLAN: flanneld writes, per peer, a permanent neighbour entry for the peer's VTEP
// (the .0 of its subnet) and an FDB entry for the VTEP MAC (flannel backend/vxlan docs). The
// FDB is not in /proc, so the neighbour entries in /proc/net/arp stand for both: none for a
// peer is what "flanneld not running" leaves behind.
import type { NodeInspection } from '../../shared/inspection.ts';
import type { NodeFacts } from '../cluster-facts.ts';
import { networkWithin, vtepAddress } from '../ipv4.ts';
import { checkResult, peersOf, type Check } from './check.ts';
import { judgeGaps } from './peer-gaps.ts';

const ATF_COM = 0x2;
const FLANNEL_VXLAN = 'flannel.1';

function hasRouteTo(inspection: NodeInspection, peer: NodeFacts): boolean {
  const gateways = new Set([peer.internalIP, ...peer.podCIDRs.map(vtepAddress)]);
  return inspection.routes.some((r) => r.prefixLength > 0
    && (peer.podCIDRs.some((cidr) => networkWithin(r.destination, r.prefixLength, cidr)) || gateways.has(r.gateway)));
}

function routeGaps(inspection: NodeInspection, nodes: readonly NodeFacts[]): string[] {
  return nodes.filter((p) => p.name !== inspection.node && !hasRouteTo(inspection, p)).map((p) => p.name);
}

export const overlayCheck: Check = (ctx) => {
  const peers = peersOf(ctx);
  if (peers.length === 0) return checkResult('overlay', 'pass', 'single node: no peers');
  const gaps = new Map([...ctx.inspections].map(([name, i]) => [name, routeGaps(i, ctx.cluster.nodes)]));
  const routes = judgeGaps(ctx.node.name, gaps);
  const evidence = [`routes to ${peers.length - routes.own.length - routes.theirs.length} of ${peers.length} peers' pods`];
  const problems: string[] = [];
  if (routes.own.length) problems.push(`no route to the pods of ${routes.own.join(', ')}`);
  if (routes.unreachedByAll) problems.push('no other node has a route to this node\'s pods');
  const unseen = ctx.cnis.includes('calico') ? ['route origin (proto bird or static) is not in /proc/net/route'] : [];

  const vxlan = ctx.inspection.interfaces.find((i) => i.name === FLANNEL_VXLAN);
  if (vxlan) {
    const missing = peers.filter((p) => p.podCIDRs.length).filter((p) => {
      const entry = ctx.inspection.neighbours.entries.find((e) => e.device === FLANNEL_VXLAN && e.ip === vtepAddress(p.podCIDRs[0]));
      return !entry || (entry.flags & ATF_COM) === 0 || (p.vtepMac !== null && entry.mac.toLowerCase() !== p.vtepMac);
    });
    evidence.push(`${FLANNEL_VXLAN} neighbour entries for ${peers.length - missing.length} of ${peers.length} peers' VTEPs`);
    if (missing.length) problems.push(`no valid ${FLANNEL_VXLAN} neighbour entry for ${missing.map((p) => `${p.name} (${vtepAddress(p.podCIDRs[0])})`).join(', ')}`);
    unseen.push('the VXLAN FDB (bridge fdb) is not in /proc: judged by the flannel.1 neighbour entries flanneld writes with it');
  }
  if (problems.length) {
    return checkResult('overlay', 'fail', problems[0], {
      evidence: [...evidence, ...problems.slice(1)], unseen,
      fix: vxlan ? 'flanneld is not programming this node: check the logs of its flannel pod and restart it; compare `ip neigh show dev flannel.1` and `bridge fdb show dev flannel.1` with the peers'
        : 'the CNI agent does not program routes here: check calico-node (BGP) / the agent on this node and on the peers named',
    });
  }
  if (routes.theirs.length) {
    return checkResult('overlay', 'warn', `no route to ${routes.theirs.join(', ')} (no node has one: see there)`, { evidence, unseen, fix: `fix ${routes.theirs.join(', ')} first` });
  }
  return checkResult('overlay', 'pass', `routes to ${peers.length}/${peers.length} peers${vxlan ? `, ${FLANNEL_VXLAN} neighbours ${peers.length}/${peers.length}` : ''}`, { evidence, unseen });
};
