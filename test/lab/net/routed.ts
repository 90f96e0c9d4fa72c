// The Calico-style routed network without encapsulation: each node routes every peer's pod
// block via that peer's underlay address (what BGP would have taught it), so pod packets
// cross the underlay unchanged and the pod MTU stays at the underlay's 1500.
import { batch } from '../../support/netns.ts';
import type { NodeAddressing } from './topology.ts';

export function buildRoutes(node: NodeAddressing, peers: NodeAddressing[]): void {
  batch('ip', node.netns, peers.map((p) => `route add ${p.podCIDR} via ${p.internalIP} dev eth0`));
}
