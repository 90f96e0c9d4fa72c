// The lab's address plan, in one place. Everything lives in 198.18.0.0/15 (RFC 2544
// benchmarking range), and with `up --ipv6` also in 2001:db8::/32 (RFC 3849 documentation
// range), inside namespaces the lab creates, so nothing can leak onto a real network.

export const UNDERLAY_PREFIX_LEN = 24;
export const POD_CIDR = '198.19.0.0/16';
/** The ClusterIP range (a /18 of the underlay's /16, never routed anywhere but to nftables DNAT). */
export const SERVICE_CIDR = '198.18.64.0/18';
export const KUBE_DNS_IP = '198.18.64.10';
export const KUBERNETES_SERVICE_IP = '198.18.64.1';
/** 254 hosts per node /24 and 8 bits of node index: node i owns 198.19.i.0/24. */
export const MAX_NODES = 200;

/** Node i (1-based) on the underlay bridge. */
export const nodeIP = (i: number): string => `198.18.0.${10 + i}`;
export const podCIDR = (i: number): string => `198.19.${i}.0/24`;
/** cni0's address: the pods' default gateway. */
export const podGateway = (i: number): string => `198.19.${i}.1`;
/** flannel.1's address: the .0 of the node's pod /24, as Flannel assigns it. */
export const vxlanAddress = (i: number): string => `198.19.${i}.0`;
/** A fixed, locally administered MAC per node's flannel.1, so peers' FDB/neighbour entries can be
 *  written without asking each node (Flannel publishes its VtepMAC in a node annotation instead). */
export const vxlanMac = (i: number): string => `02:4e:50:00:${(i >> 8).toString(16).padStart(2, '0')}:${(i & 0xff).toString(16).padStart(2, '0')}`;

/** Without root there are no namespaces: nodes and pods take the same plan inside 127.0.0.0/8,
 *  all of which is local on Linux, so a process can bind any of it without configuration. */
export const rootlessNodeIP = (i: number): string => `127.18.0.${10 + i}`;
export const rootlessPodCIDR = (i: number): string => `127.19.${i}.0/24`;
export const ROOTLESS_SERVICE_CIDR = '127.18.64.0/18';

// Dual-stack (`up --ipv6`): each address above has an IPv6 twin with the same numbers, so that
// node i is 198.18.0.(10+i) and 2001:db8::(10+i), and its pod .h is 198.19.i.h and 2001:db8:1:i::h.
export const UNDERLAY6_PREFIX_LEN = 64;
export const POD_CIDR6 = '2001:db8:1::/48';
export const nodeIP6 = (i: number): string => `2001:db8::${10 + i}`;
export const podCIDR6 = (i: number): string => `2001:db8:1:${i}::/64`;
export const podGateway6 = (i: number): string => `2001:db8:1:${i}::1`;
/** A pod's IPv6 address: its IPv4 host number in its node's /64. */
export const podIP6 = (ip4: string): string => {
  const [, , node, host] = ip4.split('.');
  return `2001:db8:1:${node}::${host}`;
};
/** flannel.1's IPv6 address (the twin of its .0), from a prefix of its own: the pods' /64 keeps ::0 as its subnet-router anycast. */
export const vxlanAddress6 = (i: number): string => `2001:db8:ffff::${i}`;

export const ipToInt = (ip: string): number => ip.split('.').reduce((n, o) => n * 256 + Number(o), 0);
export const intToIp = (n: number): string => [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');

// The hollow lab (hollow/): up to 5,000 simulated nodes and their pods. No packet is ever sent,
// yet every address stays inside 198.18.0.0/15 and outside SERVICE_CIDR, so what the plugin
// sees (InternalIPs, pod IPs, ClusterIPs) could all be real lab addresses.
//  - nodes: 198.18.0.0/18, node i at .0.0 + 10 + i: the real lab's 198.18.0.(10+i) up to node 245,
//    then on (node 5000 is 198.18.19.146);
//  - pods: one block per node, cut in order from 198.19.0.0/16 and then 198.18.128.0/17 (98,304
//    addresses): the largest power of two up to a /24 that gives every node one (a /24 up to 384
//    nodes, a /28 at 5,000: 13 pods, the .0, the .1 gateway and the broadcast address aside).
export const HOLLOW_MAX_NODES = 5000;
const HOLLOW_NODE_BASE = ipToInt('198.18.0.0') + 10;
const HOLLOW_POD_REGIONS = [{ base: ipToInt('198.19.0.0'), size: 65_536 }, { base: ipToInt('198.18.128.0'), size: 32_768 }];
const HOLLOW_POD_SPACE = HOLLOW_POD_REGIONS.reduce((n, r) => n + r.size, 0);

export const hollowNodeIP = (i: number): string => intToIp(HOLLOW_NODE_BASE + i);

/** Addresses per node's pod block in a hollow lab of `nodes` nodes. */
export function hollowPodBlockSize(nodes: number): number {
  return Math.min(256, 2 ** Math.floor(Math.log2(HOLLOW_POD_SPACE / nodes)));
}

/** Node i's (1-based) pod block, e.g. 198.19.0.16/28. */
export function hollowPodCIDR(i: number, nodes: number): string {
  const size = hollowPodBlockSize(nodes);
  let offset = (i - 1) * size;
  for (const region of HOLLOW_POD_REGIONS) {
    if (offset < region.size) return `${intToIp(region.base + offset)}/${32 - Math.log2(size)}`;
    offset -= region.size;
  }
  throw new Error(`node ${i} of ${nodes} has no pod block in the hollow plan`);
}
