// The document one agent prints on stdout when it ends. Versioned: the CLI refuses
// a schemaVersion it does not know rather than misreading it.
import type { HistogramJSON } from './histogram.ts';
import type { NetworkPath, Protocol } from './plan.ts';

export const AGENT_RESULT_KIND = 'netprobe-agent-result';
/** 2: histograms in the dense form (histogram.ts); 1 keyed each bucket by its index. */
export const AGENT_RESULT_SCHEMA_VERSION = 2;

/** Outcome of one probe. Errno names other than these are kept as they are (e.g. 'EPERM'). */
export type ProbeOutcome = 'ok' | 'timeout' | 'refused' | 'reset' | 'unreachable' | 'ENOBUFS' | typeof TRANSFER_TIMEOUT | (string & {});

/** TCP: the handshake completed, the request was never answered (large packets lost: MTU). */
export const TRANSFER_TIMEOUT = 'transfer-timeout';

/** Kernel counters of the agent's network namespace (a hostNetwork pod sees the node's). */
export interface NetCounters {
  /** TcpExt: SYN and SYN/ACK retransmits. */
  TCPSynRetrans: number;
  ListenDrops: number;
  ListenOverflows: number;
  /** Tcp */
  RetransSegs: number;
  AttemptFails: number;
  /** Udp */
  InErrors: number;
  RcvbufErrors: number;
  SndbufErrors: number;
}
export const NET_COUNTER_NAMES: readonly (keyof NetCounters)[] = [
  'TCPSynRetrans', 'ListenDrops', 'ListenOverflows', 'RetransSegs', 'AttemptFails', 'InErrors', 'RcvbufErrors', 'SndbufErrors',
];

export interface TcpDetail {
  /** Inferred from each connect's duration and this kernel's SYN schedule. */
  synRetransmits: number;
  /** Request/answer time on the established connection: the RTT without the handshake. */
  requestLatency: HistogramJSON;
}

export interface UdpDetail {
  duplicates: number;
  reordered: number;
  /** Echoes that came after udpTimeoutMs: counted as lost, noted here. */
  late: number;
  /**
   * Of the probes up to the last one echoed (`basis` of them), how many never reached the
   * responder and how many reached it but whose answer was lost, from the receive count
   * each echo carries. Absent when nothing was echoed.
   */
  direction?: { basis: number; requestsLost: number; repliesLost: number };
}

export type DnsVariant = 'single' | 'a+aaaa';

export interface DnsDetail {
  variant: DnsVariant;
  /** Names asked, in turn. */
  names: string[];
  /** Lookups that got no answer at all. */
  timeouts: number;
  /** 'a+aaaa' only: lookups answered only after 1, 2, … resends, i.e. at the resolver-timeout marks (~5 s, ~10 s). */
  answeredAtResolverMarks: number[];
  /** DNS response codes by name (NOERROR, NXDOMAIN, SERVFAIL, …). */
  rcodes: Record<string, number>;
}

/** Per-window counts (--window): index i covers [origin + i·windowMs, origin + (i+1)·windowMs). */
export interface SeriesWindows {
  attempts: number[];
  failures: number[];
  /** Succeeded the hard way: connects after SYN retransmits, DNS answers at a resolver mark. */
  degraded: number[];
}

/** One (destination, protocol) series of probes from this agent. */
export interface ProbeSeries {
  protocol: Protocol;
  /** Peer node name; for DNS the resolver ('dns:<ip>'). */
  destination: string;
  path: NetworkPath;
  /** 'ipv6' when the address probed is IPv6; absent: IPv4. */
  family?: 'ipv6';
  /** ip:port probed ([ip]:port for IPv6). */
  target: string;
  attempts: number;
  successes: number;
  /** Successful probes' latency in ms: TCP connect (handshake) time, UDP echo RTT, DNS answer time. */
  latency: HistogramJSON;
  /** Probes by outcome ('ok' included). */
  outcomes: Record<string, number>;
  tcp?: TcpDetail;
  udp?: UdpDetail;
  dns?: DnsDetail;
  windows?: SeriesWindows;
  /** Probes made after the main window to decide the series' verdict (plan.confirm); kept apart so the window's timeline and percentiles stay as measured. */
  confirmation?: ConfirmationCounts;
  /** ms from the probing start until the agent's stopping rule first decided this series (main window included); null: never; absent: not judged. */
  decidedAfterMs?: number | null;
}

/** A series' confirmation probes: the same counts as the series itself. */
export type ConfirmationCounts = Pick<ProbeSeries, 'attempts' | 'successes' | 'latency' | 'outcomes' | 'tcp' | 'udp' | 'dns'> & {
  /** How long the series was confirmed. */
  durationMs: number;
};

export interface AgentResult {
  kind: typeof AGENT_RESULT_KIND;
  schemaVersion: typeof AGENT_RESULT_SCHEMA_VERSION;
  node: string;
  runToken: string;
  /** The network the agent's pod is on (its plan's `network`): a host-network agent reads the node's counters. */
  network?: 'pod' | 'host';
  startedAt: string;
  endedAt: string;
  kernel: {
    release: string;
    /** net.ipv4.tcp_syn_linear_timeouts; null = absent (kernel < 6.5, classic exponential schedule). */
    synLinearTimeouts: number | null;
    synRetries: number;
  };
  settings: { durationMs: number; ratePerSecond: number; protocols: Protocol[] };
  /** With --window: where window 0 starts, and the window length. */
  timeline?: { originAt: string; windowMs: number };
  /** True on the result an agent prints when it ends; false on the interim ones (--window; a responder's served counts). Absent: not final. */
  final?: boolean;
  series: ProbeSeries[];
  served: { tcpAccepted: number; udpEchoed: number; udpIgnored: number } | null;
  counters: { start: NetCounters; end: NetCounters; delta: NetCounters };
  /** The agent's own cost: CPU time and peak resident memory. */
  self: { cpuMs: number; maxRssBytes: number };
  /** The agent's own trouble that did not stop it (e.g. a counter file it could not read). */
  warnings: string[];
  /**
   * What the agent itself adds to a latency: connects (and UDP echoes) to its own listener at
   * start, so nobody reads the agent's overhead as the network's (ms).
   */
  latencyFloor?: { tcpConnect: { p50: number; p90: number; samples: number }; udpEcho?: { p50: number; p90: number; samples: number } };
  /** Host network only: /proc/net/stat/nf_conntrack summed over CPUs at start and end (the DNS race's own counters). */
  conntrack?: { start: ConntrackStats; end: ConntrackStats; delta: ConntrackStats };
}

export interface ConntrackStats {
  insert_failed: number;
  drop: number;
  early_drop: number;
}
