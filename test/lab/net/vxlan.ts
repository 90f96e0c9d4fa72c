// The Flannel-style VXLAN overlay: flannel.1 (VNI 1, UDP 8472 — Flannel's default, not IANA's
// 4789) with `nolearning`, so the kernel never floods: every peer is known statically, as
// flanneld programs it (FDB entry for the peer's VTEP MAC → its underlay IP, a permanent
// neighbour entry for the peer's .0 address, and an onlink route to the peer's pod /24).
import { batch, nsExec } from '../../support/netns.ts';
import { vxlanAddress, vxlanAddress6, vxlanMac } from '../addresses.ts';
import type { NodeAddressing } from './topology.ts';

/** 1500 minus VXLAN's 50 bytes (outer IP 20 + UDP 8 + VXLAN 8 + inner Ethernet 14), as Flannel sets it. */
export const VXLAN_MTU = 1450;
export const VXLAN_PORT = 8472;

export function buildVxlan(node: NodeAddressing, peers: NodeAddressing[]): void {
  batch('ip', node.netns, [
    `link add flannel.1 address ${vxlanMac(node.index)} mtu ${VXLAN_MTU} type vxlan id 1 local ${node.internalIP} dev eth0 dstport ${VXLAN_PORT} nolearning`,
    `addr add ${vxlanAddress(node.index)}/32 dev flannel.1`,
    // Dual-stack: the same VXLAN device carries the IPv6 pod traffic (it is one L2 network),
    // with an IPv6 twin of each route and neighbour entry.
    ...(node.podCIDR6 ? [`addr add ${vxlanAddress6(node.index)}/128 dev flannel.1 nodad`] : []),
    'link set flannel.1 up',
    ...peers.map((p) => `route add ${p.podCIDR} via ${vxlanAddress(p.index)} dev flannel.1 onlink`),
    ...peers.filter((p) => p.podCIDR6).map((p) => `route add ${p.podCIDR6} via ${vxlanAddress6(p.index)} dev flannel.1 onlink`),
  ]);
  writePeerEntries(node, peers);
}

/** What flanneld keeps programmed per peer: the VTEP's permanent neighbour entry and its FDB entry. */
export function writePeerEntries(node: NodeAddressing, peers: NodeAddressing[]): void {
  batch('ip', node.netns, peers.flatMap((p) => [
    `neigh replace ${vxlanAddress(p.index)} lladdr ${vxlanMac(p.index)} dev flannel.1 nud permanent`,
    ...(p.podCIDR6 ? [`neigh replace ${vxlanAddress6(p.index)} lladdr ${vxlanMac(p.index)} dev flannel.1 nud permanent`] : []),
  ]));
  batch('bridge', node.netns, peers.map((p) => `fdb replace ${vxlanMac(p.index)} dev flannel.1 dst ${p.internalIP} self permanent`));
}

/** The `fdb-flush` fault: the node's peer entries gone, as when flanneld is not running (after a
 *  reboot, or a flush): its VXLAN packets have nowhere to go. Routes stay, as they would. */
export function flushPeerEntries(node: NodeAddressing): void {
  // Without a family, ip flushes both.
  batch('ip', node.netns, ['neigh flush dev flannel.1 nud permanent']);
  batch('bridge', node.netns, bridgeFdbEntries(node).map((mac) => `fdb del ${mac} dev flannel.1 self`));
}

/** The MACs in the node's flannel.1 forwarding database. */
export function bridgeFdbEntries(node: NodeAddressing): string[] {
  return nsExec(node.netns, 'bridge', ['fdb', 'show', 'dev', 'flannel.1']).split('\n').filter((l) => l.includes(' dst ')).map((l) => l.split(' ')[0]);
}
