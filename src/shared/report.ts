// The matrix report: what analysis produces and every renderer reads. Its JSON form is
// the documented `-o json` contract (docs/report-schema.md, docs/report.schema.json):
// names may be added, never renamed or removed without a new REPORT_SCHEMA_VERSION.
import type { NetCounters } from './agent-result.ts';
import type { NetworkPath, Protocol } from './plan.ts';

export const REPORT_KIND = 'netprobe-matrix-report';
export const REPORT_SCHEMA_VERSION = 1;

/** A pair's destination is a DNS resolver ('dns:<ip>') rather than a node. */
export function isResolver(destination: string): boolean {
  return destination.startsWith('dns:');
}

export type Severity = 'critical' | 'warning' | 'info';
export const SEVERITIES: readonly Severity[] = ['critical', 'warning', 'info'];

/** A pair's grade: 'critical' and 'warning' mean it carries at least one flag. */
export type PairStatus = 'ok' | 'warning' | 'critical';

/** Why a pair was flagged, in precedence order: a pair gets at most one of these. */
export type PairFlag = 'loss' | 'syn-loss' | 'resolver-marks' | 'latency';

/** A proportion k/n with its 95 % Wilson score interval; all null when n = 0. */
export interface ProportionInterval {
  ratio: number | null;
  low: number | null;
  high: number | null;
}

/** Milliseconds; null when nothing succeeded. */
export interface LatencySummary {
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
}

export interface RunInfo {
  id: string;
  /** ISO 8601 times. */
  start: string;
  end: string;
  /** What the user asked for (duration, rate, protocols, network, …), as the CLI chose to record it. */
  settings: Record<string, unknown>;
}

/** The thresholds the findings were judged by (see src/analyse/options.ts for the reasons). */
export interface Thresholds {
  /** Flag loss when the 95 % Wilson lower bound exceeds this ratio. */
  lossRatio: number;
  /** Above this lower bound a loss is critical rather than a warning. */
  criticalLossRatio: number;
  /** A pair alone is flagged only when it stays significant at this false discovery rate across the run's pairs. */
  falseDiscoveryRate: number;
  /** Flag a pair's p99 when it is above max(factor × cluster median pair p99, median + marginMs) … */
  latencyFactor: number;
  latencyMarginMs: number;
  /** … judged only on pairs with at least this many successful probes. */
  minLatencySamples: number;
  /** A row, column, the matrix or a cross-group block is a pattern when at least this share of its pairs is elevated and their pooled count is significant. */
  patternShare: number;
}

export interface NodeReport {
  name: string;
  internalIP: string | null;
  kernelVersion: string | null;
  /** status.nodeInfo.containerRuntimeVersion, as the API reports it (e.g. containerd://1.7.22). */
  containerRuntime: string | null;
  labels: Record<string, string>;
  /** 'no-data': no usable agent result from this node; the reason says why. */
  status: 'ok' | 'no-data';
  noDataReason: string | null;
  /** The agent's network-namespace counter deltas over the run (a hostNetwork agent: the node's). */
  counters: NetCounters | null;
  /** SYN retransmits: inferred from connect times vs the kernel's TCPSynRetrans delta. */
  synRetransmits: { inferred: number; counted: number } | null;
  warnings: string[];
  /**
   * Per network path, when there is more than one (--network both: each agent reads its own
   * network namespace's counters), or when the node could not be probed as a destination on a
   * path (its responder died): `counters` and `synRetransmits` above are then the first path's.
   */
  paths?: NodePathReport[];
}

export interface NodePathReport {
  path: NetworkPath;
  /** This path's prober's counter deltas (a host-network one: the node's); null without a result. */
  counters: NetCounters | null;
  synRetransmits: { inferred: number; counted: number } | null;
  /** Why the node gave no data as a destination on this path (its responder died, was evicted…): its pairs there are left out, never counted as loss. */
  destinationNoData: string | null;
}

export interface PairReport {
  /** Node the probes left from (the matrix row). */
  source: string;
  /** Node probed (the matrix column), or 'dns:<ip>' for the resolver. */
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  /** 'ipv6' for the IPv6 pair of a dual-stack cluster; absent: IPv4 (every pair of a single-stack one). */
  family?: 'ipv6';
  /** ip:port probed (several when merged series differed). */
  target: string;
  status: PairStatus;
  flags: PairFlag[];
  attempts: number;
  successes: number;
  /** Probes that did not succeed, over attempts. */
  loss: ProportionInterval;
  latencyMs: LatencySummary;
  /** TCP: retransmitted SYNs inferred from connect times (0 for other protocols). */
  synRetransmits: number;
  /** TCP: SYN-level loss, retransmits / SYNs sent (Pingmesh); null for other protocols. */
  synLoss: ProportionInterval | null;
  /** DNS: lookups without any answer. */
  dnsTimeouts: number;
  /** DNS: lookups answered only after 1, 2, … resends, at the resolver-timeout marks (~5 s, ~10 s). */
  dnsAnsweredAtResolverMarks: number[];
  /**
   * UDP: of the probes up to each series' last echo (basis), those lost on the way there and those
   * whose answer was lost on the way back; null when nothing was echoed (e.g. a blackhole).
   */
  udpDirection?: { basis: number; requestsLost: number; repliesLost: number } | null;
  /** Probes that failed with ENOBUFS. */
  enobufs: number;
  /** Failed probes by outcome code (timeout, refused, reset, unreachable, ENOBUFS, errno names). */
  errors: Record<string, number>;
}

export type FindingKind = 'loss' | 'syn-loss' | 'latency' | 'dns-conntrack-race' | 'enobufs' | 'burst';

/** Where a finding lies: one pair, one node's row/column/both, the whole matrix, or groups. */
export type FindingPattern =
  | 'pair'
  | 'bad-source'
  | 'bad-destination'
  | 'bad-node'
  | 'all-but-diagonal'
  | 'partition'
  | 'nodes'
  | 'window';

/** One measured proportion behind a finding: k of n, with its 95 % Wilson interval. */
export interface PairEvidence {
  source: string;
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  family?: 'ipv6';
  /** What k counts: lost probes, retransmitted SYNs, answers at resolver marks, samples above the latency limit. */
  measure: 'lost' | 'syn-retransmits' | 'resolver-marks' | 'slow';
  n: number;
  k: number;
  ratio: number;
  low: number;
  high: number;
  /** 'slow' only: the pair's p99, the limit samples were counted above, and the cluster reference behind it. */
  p99Ms?: number | null;
  limitMs?: number;
  clusterMedianP99Ms?: number;
}

export interface NodeEvidence {
  node: string;
  kernelVersion: string | null;
  /** Counter deltas or outcome counts that support the finding, by name. */
  counts: Record<string, number>;
}

export interface FindingEvidence {
  /** Burst findings: the window and how its trouble compares with the run's average. */
  burst?: TimelineBurst;
  /** The ratio the lower bounds were compared with (loss-like findings). */
  thresholdRatio?: number;
  /** Pattern findings: how many of the pattern's measured pairs are elevated, and their pooled count. */
  flaggedPairs?: number;
  measuredPairs?: number;
  pooled?: { k: number; n: number; ratio: number; low: number; high: number };
  /** Partition findings: the groups, and a node label they line up with if any. */
  groups?: string[][];
  groupLabel?: string | null;
  pairs: PairEvidence[];
  nodes: NodeEvidence[];
}

export interface Finding {
  severity: Severity;
  kind: FindingKind;
  pattern: FindingPattern;
  /** A node, 'a -> b' (or 'a <-> b': both directions), a resolver 'dns:<ip>', 'cluster', or the groups of a partition. */
  subject: string;
  path: NetworkPath | null;
  /** 'ipv6': found on the IPv6 pairs (dual-stack); absent: IPv4, or not about pairs. */
  family?: 'ipv6';
  protocols: Protocol[];
  message: string;
  /** What to check or change. */
  hint: string;
  evidence: FindingEvidence;
}

/** --window: per-window totals, the pairs that had trouble in any window, and the bursts. */
export interface TimelineReport {
  originAt: string;
  windowMs: number;
  /** All pairs together, per window: probes, and trouble (failed, or succeeded after SYN retransmits or at a DNS resolver mark). */
  windows: { attempts: number; trouble: number }[];
  pairs: { source: string; destination: string; protocol: Protocol; path: NetworkPath; family?: 'ipv6'; attempts: number[]; trouble: number[] }[];
  bursts: TimelineBurst[];
}

/** A window with more trouble than the run's average rate explains (exact binomial test, Bonferroni over windows). */
export interface TimelineBurst {
  window: number;
  /** ISO 8601 start of the window. */
  start: string;
  attempts: number;
  trouble: number;
  /** Trouble expected at the run's average rate. */
  expected: number;
  pValue: number;
  pairsHit: number;
  pairsMeasured: number;
  sourcesHit: number;
  protocols: Protocol[];
  /** Most probing nodes hit at once; or one node's pairs; or neither. */
  scope: 'cluster-wide' | 'node' | 'some-pairs';
  node: string | null;
}

export interface MatrixReport {
  kind: typeof REPORT_KIND;
  schemaVersion: typeof REPORT_SCHEMA_VERSION;
  run: RunInfo;
  thresholds: Thresholds;
  nodes: NodeReport[];
  pairs: PairReport[];
  /** Worst first. */
  findings: Finding[];
  /** Only with --window. */
  timeline?: TimelineReport;
}
