// The 'inspect' mode: its plan, and the document one inspector agent prints when done.
// The agent reports what it read from /proc and /sys of its node (hostNetwork); the CLI
// judges it (src/nodes/). Versioned like the probe result: the CLI refuses a schemaVersion
// it does not know rather than misreading it.

export const INSPECTION_KIND = 'netprobe-node-inspection';
export const INSPECTION_SCHEMA_VERSION = 1;
export const INSPECT_PLAN_VERSION = 1;

export interface InspectPlan {
  planVersion: typeof INSPECT_PLAN_VERSION;
  mode: 'inspect';
  runToken: string;
  node: string;
}

/** A row of /proc/net/arp: this network namespace's IPv4 neighbours. */
export interface NeighbourEntry {
  ip: string;
  device: string;
  mac: string;
  /** ATF_* flags: 0x2 complete, 0x4 permanent; 0 = incomplete (no answer yet). */
  flags: number;
}

export interface InterfaceInfo {
  name: string;
  mtu: number;
  /** ARPHRD_* link type (/sys/class/net/X/type): 1 Ethernet, 768 IP-in-IP tunnel, 65534 none (WireGuard). */
  type: number;
  /** DEVTYPE from uevent: 'vxlan', 'geneve', 'wireguard', 'bridge', …; null when none. */
  devType: string | null;
  /** IFF_UP. */
  up: boolean;
  /** The device it sends through (sysfs lower_* link, e.g. a VXLAN's underlay), if any. */
  lower: string | null;
}

/** A row of /proc/net/route (IPv4 main table). */
export interface RouteEntry {
  iface: string;
  destination: string;
  prefixLength: number;
  /** '0.0.0.0' for a directly connected route. */
  gateway: string;
}

/** A TCP socket with port 179 on either side (/proc/net/tcp, tcp6). */
export interface BgpSocket {
  state: 'listen' | 'established' | 'other';
  localAddress: string;
  remoteAddress: string;
}

export interface NodeInspection {
  kind: typeof INSPECTION_KIND;
  schemaVersion: typeof INSPECTION_SCHEMA_VERSION;
  node: string;
  runToken: string;
  takenAt: string;
  kernel: {
    /** uname -r as the agent's process sees it. */
    release: string;
    /** net.ipv4.tcp_syn_linear_timeouts; null = absent (kernel < 6.5). */
    synLinearTimeouts: number | null;
    synRetries: number | null;
    /** net.ipv4.tcp_tw_recycle; null = absent (removed in 4.12). */
    twRecycle: number | null;
  };
  neighbours: {
    /** This network namespace's entries. */
    entries: NeighbourEntry[];
    /** gc_thresh1/2/3; null where not visible (only the host's initial namespace has them). */
    gcThresh: [number, number, number] | null;
    /** /proc/net/stat/arp_cache: entries in the whole kernel table (all namespaces) and table_fulls summed over CPUs. */
    kernelTable: { entries: number; tableFulls: number } | null;
  };
  conntrack: {
    count: number | null;
    max: number | null;
    /** /proc/net/stat/nf_conntrack, summed over CPUs; null when unreadable. */
    insertFailed: number | null;
    drop: number | null;
    /** Entries evicted to make room in a full table; absent from inspectors before it was read. */
    earlyDrop?: number | null;
  };
  interfaces: InterfaceInfo[];
  routes: RouteEntry[];
  bgpSockets: BgpSocket[];
  /** What the agent could not read, and why (e.g. "/proc/net/stat/arp_cache: ENOENT"). */
  unreadable: string[];
}
