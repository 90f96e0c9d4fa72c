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

