// The plan one probe agent runs. The CLI writes it, the agent reads it (argv,
// --plan-file or NETPROBE_PLAN). Plain data only: the agent imports nothing heavy.
import type { EvidenceRule } from './sequential-test.ts';

export const PLAN_VERSION = 1;

export type Protocol = 'tcp' | 'udp' | 'dns';
export const PROTOCOLS: readonly Protocol[] = ['tcp', 'udp', 'dns'];

/** Which network a peer address belongs to: pod IP, node IP (hostNetwork) or a ClusterIP Service. */
export type NetworkPath = 'pod' | 'host' | 'service';

/** An address family: IPv6 pairs are labelled so; every older pair is IPv4. */
export type IpFamily = 'ipv4' | 'ipv6';

export function familyOf(ip: string): IpFamily {
  return ip.includes(':') ? 'ipv6' : 'ipv4';
}

/** "198.19.1.5:7400", "[2001:db8:1:1::5]:7400". */
export function hostPort(ip: string, port: number): string {
  return familyOf(ip) === 'ipv6' ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export interface PeerTarget {
  /** Node the peer runs on: the matrix column. */
  node: string;
  /** IPv4 or IPv6: a dual-stack peer is probed once per family. */
  ip: string;
  tcpPort: number;
  udpPort: number;
  path: NetworkPath;
}

export interface DnsPlan {
  /** Resolver address; absent = the first nameserver in /etc/resolv.conf. */
  server?: string;
  port?: number;
  names: string[];
  /** Timeout of one single query (the 'single' variant). */
  queryTimeoutMs: number;
  /**
   * The 'a+aaaa' variant emulates the libc resolver: A and AAAA sent together from
   * one socket, resent after resolverTimeoutMs, resolverAttempts times
   * (resolv.conf(5) defaults timeout:5 attempts:2). Answers that only come after a
   * resend land on the 5 s marks that betray the conntrack race.
   */
  resolverTimeoutMs: number;
  resolverAttempts: number;
}

export interface AgentPlan {
  planVersion: typeof PLAN_VERSION;
  /** Shared by every agent of one run; the UDP echo answers only datagrams carrying it. */
  runToken: string;
  /** The node this agent runs on: the matrix row. */
  node: string;
  /** The network its pod is on (echoed in the result). */
  network?: 'pod' | 'host';
  /** Wall-clock time (ISO 8601) when probing starts, so that every peer's responder is up by then; absent = at once. */
  startAt?: string;
  /** Serve a TCP responder and a UDP echo on these ports (absent = probe only); host absent: every address of both families. */
  listen?: { host?: string; tcpPort: number; udpPort: number };
  /** How long to keep serving, from start (default: durationMs + the longest probe timeout). */
  serveMs?: number;
  protocols: Protocol[];
  /** Probing window. Probes in flight at its end are waited for (up to their timeout). */
  durationMs: number;
  /** Count probes per window of this length too, and print a cumulative result at each window's end (--window). */
  windowMs?: number;
  /** Probes per second, per peer and protocol. */
  ratePerSecond: number;
  /** TCP connect timeout: long enough to see several SYN retransmits (field notes). */
  tcpTimeoutMs: number;
  /**
   * Bytes each TCP probe sends after the handshake. Handshakes and DNS fit any MTU;
   * tens of KB of full-size segments do not cross a path whose MTU is too small (field notes: MTU).
   */
  tcpPayloadBytes: number;
  /** UDP echo: a reply later than this counts as lost (and as 'late' if it comes). */
  udpTimeoutMs: number;
  /** Peers listed one by one (small runs, --pairs); with `roster`, probed besides the roster's. */
  peers: PeerTarget[];
  /** Peers from the mounted roster by a rule: a plan whose size does not grow with the cluster. */
  roster?: RosterPeers;
  dns?: DnsPlan;
  /** Confirmation probing after the main window, for series whose verdict is not decided yet. */
  confirm?: ConfirmPlan;
}

/** Which of the roster's nodes (roster.ts) this agent probes, and on which paths. */
export interface RosterPeers {
  /** Where the roster file is mounted (a ConfigMap volume). */
  file: string;
  /** The roster's paths to probe: a pod-network prober 'pod' (and 'service' with --service), a host-network one 'host'. */
  paths: NetworkPath[];
  rule: PeerRule;
}

/**
 * A ring sample (src/shared/ring.ts): the agent's k successors on the ring of the roster's
 * nodes (k >= N-1: every other node). With `rotate` (needs windowMs), window w probes the
 * successors (w·k + j) mod (N-1) + 1, j < k: every directed pair within ceil((N-1)/k) windows.
 */
export interface PeerRule {
  kind: 'ring';
  k: number;
  rotate?: boolean;
}

/**
 * After the main window, series whose loss-like verdict (sequential-test.ts) is not decided get
 * extra probes, those with trouble first, until each is decided or the budget ends. The rule is
 * only the agent's stopping rule: the analysis decides the verdicts over the whole run.
 */
export interface ConfirmPlan {
  /** At most this long after the main window; 0: no extra probes, but every series' decidedAfterMs is still judged. */
  maxMs: number;
  /** Probes per second per series while confirming. */
  ratePerSecond: number;
  /** The agent's whole budget: probes per second over all its series together. */
  maxProbesPerSecond: number;
  /** At most this many confirmation probes per series. */
  maxProbesPerSeries: number;
  /** threshold: the loss ratio judged; flagAt: the e-value of a single e-BH discovery in this run (m / q); clearAt: 1 / the per-pair false-clear rate. */
  rule: EvidenceRule;
}

export const PLAN_DEFAULTS = {
  ratePerSecond: 1,
  // Linear SYN backoff (Linux >= 6.5) retransmits at 1,2,3,4,5 s; the classic schedule at 1,3 s.
  // 5.5 s sees five retransmits on the new schedule and two on the old one.
  tcpTimeoutMs: 5500,
  tcpPayloadBytes: 16 * 1024,
  udpTimeoutMs: 2000,
  dnsQueryTimeoutMs: 2000,
  // resolv.conf(5): timeout:5, attempts:2.
  resolverTimeoutMs: 5000,
  resolverAttempts: 2,
} as const;

/**
 * Confirmation's defaults (matrix --confirm-rate, --confirm-budget). 10/s per series decides in
 * 10 s what 1/s takes 100 s for; 200/s per prober is that for 20 series at once, about six
 * times a default prober's main load (16 peers, TCP and UDP, 1/s), each series still under the
 * 100/s past which the probes load the node more than they measure the network.
 */
export const CONFIRM_DEFAULTS = { ratePerSecond: 10, maxProbesPerSecond: 200 } as const;

/** The per-probe settings of a plan, at their defaults. */
export const PROBE_DEFAULTS: Pick<AgentPlan, 'tcpTimeoutMs' | 'udpTimeoutMs' | 'tcpPayloadBytes'> = {
  tcpTimeoutMs: PLAN_DEFAULTS.tcpTimeoutMs,
  udpTimeoutMs: PLAN_DEFAULTS.udpTimeoutMs,
  tcpPayloadBytes: PLAN_DEFAULTS.tcpPayloadBytes,
};
