// The underlay: one "underlay" namespace holding a bridge (the lab's L2 switch), and one namespace
// per node whose eth0 is a veth port on that bridge. The root namespace is never touched: veths
// are created directly inside their namespaces (`ip -n X link add … netns Y`).
import { batch } from '../../support/netns.ts';
import { UNDERLAY6_PREFIX_LEN, UNDERLAY_PREFIX_LEN } from '../addresses.ts';
import type { NodeAddressing } from './topology.ts';

export const UNDERLAY_MTU = 1500;

export function buildUnderlay(underlayNs: string, nodes: NodeAddressing[]): void {
  batch('ip', undefined, [underlayNs, ...nodes.map((n) => n.netns)].map((ns) => `netns add ${ns}`));
  batch('ip', underlayNs, [
    'link set lo up',
    'link add br0 type bridge',
    'link set br0 up',
    ...nodes.flatMap((n) => [
      `link add port${n.index} type veth peer name eth0 netns ${n.netns}`,
      `link set port${n.index} master br0 up`,
    ]),
  ]);
  for (const n of nodes) {
    batch('ip', n.netns, [
      'link set lo up',
      `link set eth0 mtu ${UNDERLAY_MTU}`,
      `addr add ${n.internalIP}/${UNDERLAY_PREFIX_LEN} dev eth0`,
      // nodad: usable at once, without Duplicate Address Detection's second or so of "tentative".
      ...(n.internalIP6 ? [`addr add ${n.internalIP6}/${UNDERLAY6_PREFIX_LEN} dev eth0 nodad`] : []),
      'link set eth0 up',
    ]);
  }
}
