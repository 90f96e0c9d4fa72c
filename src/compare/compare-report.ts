// The compare document: `kubectl netprobe compare -o json|yaml` prints it as it is, the table
// renderer reads it. Like the matrix report, names may be added, never renamed or removed
// without a new COMPARE_SCHEMA_VERSION.
import type { NetworkPath, Protocol } from '../shared/plan.ts';
import type { Finding, LatencySummary, NodeReport } from '../shared/report.ts';
import type { LatencyShift } from './latency-shift.ts';
import type { ComparisonPower } from './power.ts';

export type { ComparisonPower, PowerAt } from './power.ts';

export const COMPARE_KIND = 'netprobe-compare-report';
export const COMPARE_SCHEMA_VERSION = 1;

/** 'regressed' and 'improved' only when significant (Benjamini-Hochberg over the comparison's tests). */
export type Change = 'regressed' | 'improved' | 'unchanged';

export interface RunRef {
  file: string;
  runId: string;
  start: string;
  end: string;
}

export interface PairKey {
  source: string;
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  /** Set for the IPv6 family of a dual-stack run, whose pairs are compared with their own family only. */
  family?: 'ipv6';
}

/** k events of n (lost probes of attempts, retransmitted SYNs of SYNs sent); ratio null when n = 0. */
export interface Count {
  k: number;
  n: number;
  ratio: number | null;
}

export interface ProportionComparison {
  measure: 'loss' | 'syn-loss';
  before: Count;
  after: Count;
  /** after.ratio - before.ratio. */
  delta: number | null;
  /** Fisher's exact test, two-sided. */
  pValue: number;
  change: Change;
}

export interface LatencyComparison {
  measure: 'latency';
  before: LatencySummary & { n: number };
  after: LatencySummary & { n: number };
  /** after - before per quantile, ms. */
  deltaMs: LatencySummary;
  /** The quantile test behind pValue, in its direction (slower = after for a regression); null when no quantile cleared the bar either way. */
  evidence: LatencyShift | null;
  /** Two-sided: twice the smaller one-sided p-value. */
  pValue: number;
  change: Change;
}

export type MeasureComparison = ProportionComparison | LatencyComparison;
export type Measure = MeasureComparison['measure'];

export interface PairComparison extends PairKey {
  /** Regressed when any measure regressed, else improved when any improved. */
  change: Change;
  measures: MeasureComparison[];
}

/** One significant change of one pair, for the ranked lists. */
export type PairChange = PairKey & MeasureComparison;

export type NodeStatus = NodeReport['status'] | 'absent';

export interface NodeComparison {
  name: string;
  kernelBefore: string | null;
  kernelAfter: string | null;
  kernelChanged: boolean;
  statusBefore: NodeStatus;
  statusAfter: NodeStatus;
  /** Pooled over the node's pairs in both runs (as source or destination) that did not change on their own. */
  measures: ProportionComparison[];
  pairsRegressed: number;
  pairsImproved: number;
  /** Regressed also when the node measured before and gave no data after. */
  change: Change;
}

export interface CompareSettings {
  /** Benjamini-Hochberg level, separately over pair tests and node tests. */
  falseDiscoveryRate: number;
  /** Latency bar (latency-shift.ts): after's quantile must exceed max(factor × before's, before's + margin). */
  latencyFactor: number;
  latencyMarginMs: number;
  /** The loss increase the power statement sizes runs for (--detect). */
  detectIncrease: number;
}

/** A critical finding of the after run with no finding of its kind, path and subject before: a gate fails on it as on a regression. */
export type NewFinding = Pick<Finding, 'severity' | 'kind' | 'pattern' | 'subject' | 'path' | 'message'>;

export interface CompareReport {
  kind: typeof COMPARE_KIND;
  schemaVersion: typeof COMPARE_SCHEMA_VERSION;
  before: RunRef;
  after: RunRef;
  settings: CompareSettings;
  summary: {
    pairsCompared: number;
    tests: number;
    regressions: number;
    improvements: number;
    nodeRegressions: number;
    onlyBefore: number;
    onlyAfter: number;
    kernelChanges: number;
    /** Critical findings of the after run that the before run did not have. */
    newCritical: number;
  };
  /** Worst first: loss before SYN loss before latency, then by size. */
  regressions: PairChange[];
  improvements: PairChange[];
  onlyBefore: PairKey[];
  onlyAfter: PairKey[];
  /** The after run's critical findings absent before. */
  newCritical: NewFinding[];
  /** What these sample sizes could have detected, and the --duration that detects settings.detectIncrease. */
  power: ComparisonPower;
  nodes: NodeComparison[];
  pairs: PairComparison[];
  /** Differences between the runs' settings that bear on reading the comparison. */
  notes: string[];
}
