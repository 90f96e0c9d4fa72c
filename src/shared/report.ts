// The matrix report: what analysis produces and every renderer reads. Its JSON form is
// the documented `-o json` contract (docs/report-schema.md, docs/report.schema.json):
// names may be added, never renamed or removed without a new REPORT_SCHEMA_VERSION.
import type { ConntrackStats, NetCounters } from './agent-result.ts';
import type { NetworkPath, Protocol } from './plan.ts';
import type { Verdict } from './sequential-test.ts';

export type { Verdict };

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

/** The thresholds the verdicts and findings were judged by, and the error rates they hold to (see src/analyse/options.ts for the reasons). */
export interface Thresholds {
  /** Loss-like measures are judged against this ratio: flagged when the evidence shows them above it, clear when below. */
  lossRatio: number;
  /** Above this 95 % Wilson lower bound a flagged loss is critical rather than a warning. */
  criticalLossRatio: number;
  /** Flags (e-BH across every test of the run) and patterns (Bonferroni over a matrix's pattern tests) hold to this error rate. */
  falseDiscoveryRate: number;
  /** A measure is clear when a pair at or above the threshold would show evidence this strong with probability at most this (per measure, whenever the probing stopped). */
  falseClearRate: number;
  /** Flag a pair's p99 when it is above max(factor × cluster median pair p99, median + marginMs) … */
  latencyFactor: number;
  latencyMarginMs: number;
  /** … judged only on pairs with at least this many successful probes. */
  minLatencySamples: number;
  /** A row, column, the matrix or a cross-group block is a pattern when at least this share of its pairs is elevated and their pooled count is significant. */
  patternShare: number;
}

/** What the agent itself adds to a latency, from connects (and UDP echoes) to its own listener at start (ms). */
export interface LatencyFloor {
  tcpConnect: { p50: number; p90: number; samples: number };
  udpEcho?: { p50: number; p90: number; samples: number };
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
  /** The agent's own latency floor on this node: a latency near it is the agent's, not the network's. */
  latencyFloor?: LatencyFloor;
  /** Host-network agents: deltas of /proc/net/stat/nf_conntrack (summed over CPUs) over the run. */
  conntrack?: ConntrackStats;
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
  /**
   * flagged: a measure's evidence (or a pattern's it belongs to) shows it above its threshold;
   * clear: every loss-like measure is shown below lossRatio; inconclusive: neither yet.
   */
  verdict: Verdict;
  /**
   * ln E of each measure judged (src/shared/sequential-test.ts): the evidence against "the
   * measure is at its threshold", on the side k/n lies (above: towards a flag; below: towards clear).
   */
  logEvidence: Partial<Record<PairFlag, number>>;
  /**
   * Inconclusive pairs only: the further probes that would decide the pair if its failures went
   * on at the rate seen so far, and the seconds that takes at the run's probe rate; null when
   * no run length would (its loss is too close to the threshold).
   */
  toDecide?: { probes: number; seconds: number | null } | null;
  /** Probes sent, main window and confirmation (plan.confirm) together; the loss-like counts below are over both. */
  attempts: number;
  successes: number;
  /** Confirmation probes among them (after the main window, to decide the verdict); absent when none were made. */
  confirmation?: { attempts: number; successes: number; durationMs: number };
  /** Probes that did not succeed, over attempts. */
  loss: ProportionInterval;
  /** The main window's successful probes only (confirmation probes come at another rate and time). */
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

export type FindingKind = 'every-pair-failed' | 'loss' | 'syn-loss' | 'latency' | 'dns-conntrack-race' | 'enobufs' | 'neighbour-table-overflow' | 'burst';

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
  /** ln E of k of n against the threshold (src/shared/sequential-test.ts). */
  logEvidence: number;
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

/**
 * What could deny every probe, as the API listed it when the run ended: the NetworkPolicies of the
 * run's namespace and each cluster-wide policy kind the API serves (the others are not there).
 */
export interface PolicyEvidence {
  namespace: string;
  kinds: PolicyKindListing[];
  /** The cluster-wide kinds looked for that the API does not serve (not installed there). */
  notServed: string[];
  /** Why the API could not say which cluster-wide kinds it serves (its discovery failed): none of them was listed. */
  discoveryError?: string;
}

export interface PolicyKindListing {
  kind: string;
  /** group/version it was listed at. */
  apiVersion: string;
  /** Only for NetworkPolicies: the run's namespace. */
  namespace?: string;
  /** The policies' names; null when they could not be listed. */
  names: string[] | null;
  /** Why they could not be listed (a 403 or 404 is said, not fatal). */
  error?: string;
}

/**
 * How sure a finding is: its e-value against the null (a pair, or the pattern's pairs, at or
 * below the threshold) and the level it was compared with. A null measure reaches an e-value
 * of E with probability at most 1/E, however long it was probed (Ville's inequality).
 */
export interface FindingConfidence {
  /** ln E: the weakest of the finding's own flagged pairs (pair findings), or the pattern's pooled pairs. */
  logEvidence: number;
  /** The rate the null is at or below: lossRatio, or the 1 % slow share a p99 limit means. */
  againstRatio: number;
  /** 'e-bh': a pair flagged across the run's tests at errorRate (false discovery rate); 'bonferroni': a pattern among its matrix's pattern tests at errorRate (family-wise). */
  control: 'e-bh' | 'bonferroni';
  errorRate: number;
  /** How many tests that control was over. */
  tests: number;
}

export interface FindingEvidence {
  /** every-pair-failed findings: the policies that could deny the probes. */
  policies?: PolicyEvidence;
  /** Burst findings: the window and how its trouble compares with the run's average. */
  burst?: TimelineBurst;
  /** Statistical findings (loss-like, latency): the e-value they were reached at; absent for counted findings (kernel counters). */
  confidence?: FindingConfidence;
  /** The ratio the lower bounds were compared with (loss-like findings). */
  thresholdRatio?: number;
  /** Pattern findings: how many of the pattern's measured pairs are elevated, and their pooled count. */
  flaggedPairs?: number;
  measuredPairs?: number;
  pooled?: { k: number; n: number; ratio: number; low: number; high: number };
  /** UDP loss findings: which way the lost datagrams travelled, by the echoes' receive counts. */
  udpDirection?: UdpDirectionEvidence;
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

/**
 * The lost UDP datagrams of a finding's pairs, by the physical direction they travelled (a request
 * travels source → destination, its echo destination → source): `decided` when a sign test says
 * one direction holds most of them (else too few, or both ways).
 */
export interface UdpDirectionEvidence {
  /** Counted losses per direction 'a -> b', most first. */
  lost: { direction: string; count: number }[];
  counted: number;
  /** 'one-way': `direction` holds them (sign test, 5 %); 'both-ways': no direction does though enough were counted; 'too-few': not enough to tell; 'none-counted': nothing echoed after the losses. */
  outcome: 'one-way' | 'both-ways' | 'too-few' | 'none-counted';
  direction: string | null;
}

/** How much of the mesh a run probed (B3 computes it from the plan; the report states it). */
export interface Coverage {
  /** Directed node pairs probed in this run, of all directed pairs of its nodes (N·(N-1)). */
  probedPairs: number;
  possiblePairs: number;
  /**
   * When every directed pair will have been probed: 0 when this run probed them all; with a
   * rotation (--window with a ring sample), after `windows` windows of `windowMs` (ms from the
   * start); null when the run's peer rule never reaches them all.
   */
  fullMeshAfterMs: number | null;
  windows?: number;
  windowMs?: number;
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

/** A window with more trouble than the run's rate outside its bursts explains (exact binomial test, Bonferroni over windows). */
export interface TimelineBurst {
  window: number;
  /** ISO 8601 start of the window. */
  start: string;
  attempts: number;
  trouble: number;
  /** Trouble expected at the run's rate outside its bursts. */
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
  /** How much of the mesh the run probed; absent when the CLI did not say (e.g. --pairs). */
  coverage?: Coverage;
}
