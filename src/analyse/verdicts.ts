// Grades each pair: every measure tested against its threshold, and the flag it earns
// (if any) with the measurement behind it. A clean matrix with ordinary noise earns none.
import type { PairEvidence, PairFlag, PairReport, Thresholds } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { P99_TAIL_SHARE } from './options.ts';
import { errorCounts, type PairTally } from './pairs.ts';
import { binomialUpperTail, falseDiscoveryCutoff } from './significance.ts';
import { proportionInterval, wilsonInterval } from './wilson.ts';

/** One pair's test of one measure: k of n against the null rate p0 (evidence objects are built only for what is reported). */
export interface Measurement {
  measure: PairEvidence['measure'];
  k: number;
  n: number;
  /** The rate k/n is tested against: the loss threshold, or the 1 % tail of a p99 limit. */
  p0: number;
  /** One-sided exact binomial p-value of k or more in n at p0. */
  pValue: number;
  /** The 95 % Wilson lower bound is above p0 (and no measure before it in FLAG_ORDER is). */
  elevated: boolean;
  /** Latency only: the limit the slow samples were counted above. */
  reference?: LatencyReference;
}

export interface JudgedPair {
  report: PairReport;
  measurements: Partial<Record<PairFlag, Measurement>>;
  /** The measurement behind the pair's flag; null when it has none. */
  evidence: PairEvidence | null;
}

/** A pair gets at most one flag, the first that applies: a lost probe is also a slow one. */
const FLAG_ORDER: readonly PairFlag[] = ['loss', 'syn-loss', 'resolver-marks', 'latency'];

/** A common measure for one (protocol, path): the median over pairs of their p99, and the limit derived from it. */
interface LatencyReference {
  clusterMedianP99Ms: number;
  limitMs: number;
}

// A median of fewer pairs would let one bad pair set the reference it is judged by.
const MIN_PAIRS_FOR_LATENCY_REFERENCE = 3;

/**
 * Flags a pair on its own when a measure is elevated (95 % Wilson lower bound past the
 * threshold) and stays significant under false-discovery-rate control across every test
 * of the run. Elevated pairs that are not flagged can still form a pattern (patterns.ts).
 */
export function judgePairs(tallies: readonly PairTally[], thresholds: Thresholds): JudgedPair[] {
  const references = latencyReferences(tallies, thresholds);
  const judged: JudgedPair[] = tallies.map((tally) => ({
    report: pairReport(tally),
    measurements: measure(tally, thresholds, references.get(referenceKey(tally))),
    evidence: null,
  }));
  const cutoff = falseDiscoveryCutoff(judged.flatMap((j) => Object.values(j.measurements).map((m) => m.pValue)), thresholds.falseDiscoveryRate);
  for (const pair of judged) {
    const flag = FLAG_ORDER.find((f) => pair.measurements[f]?.elevated && pair.measurements[f]!.pValue <= cutoff);
    if (flag) applyFlag(pair, flag, thresholds);
  }
  return judged;
}

/** Marks the pair with its elevated measure: alone significant, or part of a pattern. */
export function applyFlag(pair: JudgedPair, flag: PairFlag, thresholds: Thresholds): void {
  const evidence = evidenceOf(pair, flag);
  const lossLike = evidence.measure === 'lost' || evidence.measure === 'syn-retransmits';
  pair.report.flags = [flag];
  pair.report.status = lossLike && evidence.low > thresholds.criticalLossRatio ? 'critical' : 'warning';
  pair.evidence = evidence;
}

/** The measurement as report evidence: k of n with its interval, and for latency the p99 and its reference. */
export function evidenceOf(pair: JudgedPair, flag: PairFlag): PairEvidence {
  const { measure, k, n, reference } = pair.measurements[flag]!;
  const { source, destination, protocol, path, family, latencyMs } = pair.report;
  return { source, destination, protocol, path, ...(family && { family }), measure, n, k, ...wilsonInterval(k, n), ...(reference ? { p99Ms: latencyMs.p99, ...reference } : {}) };
}

function measure(tally: PairTally, thresholds: Thresholds, reference: LatencyReference | undefined): Partial<Record<PairFlag, Measurement>> {
  const measurement = (measure: PairEvidence['measure'], k: number, n: number, p0: number): Measurement =>
    ({ measure, k, n, p0, pValue: binomialUpperTail(k, n, p0), elevated: wilsonInterval(k, n).low > p0 });
  const measurements: Partial<Record<PairFlag, Measurement>> = {};
  // The probes of burst windows (timeline.ts) are the burst findings' evidence. Judged here is
  // the rest of the run, so that a burst is not told twice: once as itself, and once spread
  // over the whole run as a row, a column or a pair that noise picked out.
  const bursts = tally.inBursts;
  const attempts = tally.attempts - bursts.attempts;
  if (attempts > 0) {
    measurements.loss = measurement('lost', tally.attempts - tally.successes - bursts.failures, attempts, thresholds.lossRatio);
    // A dropped SYN is retransmitted and the connect succeeds late: such loss shows only here.
    if (tally.protocol === 'tcp') {
      const retransmits = retransmitsOutsideBursts(tally);
      measurements['syn-loss'] = measurement('syn-retransmits', retransmits, attempts + retransmits, thresholds.lossRatio);
    }
    if (tally.protocol === 'dns') measurements['resolver-marks'] = measurement('resolver-marks', sum(tally.dnsAnsweredAtResolverMarks) - bursts.degraded, attempts, thresholds.lossRatio);
  }
  // Latency is one histogram per run: of the bursts' probes only the degraded ones, an RTO or a
  // resolver timeout late and so above any limit a healthy p99 sets, can be taken out of it.
  const successes = tally.successes - bursts.degraded;
  if (reference && successes >= thresholds.minLatencySamples) {
    // "p99 above the limit" is "more than 1 % of samples above it": tested like loss.
    const slow = Math.max(0, tally.latency.countAtLeast(reference.limitMs) - bursts.degraded);
    measurements.latency = { ...measurement('slow', slow, successes, P99_TAIL_SHARE), reference };
  }
  let earlierElevated = false;
  for (const flag of FLAG_ORDER) {
    const m = measurements[flag];
    if (!m) continue;
    m.elevated &&= !earlierElevated;
    earlierElevated ||= m.elevated;
  }
  return measurements;
}

function referenceKey(pair: { protocol: string; path: string }): string {
  return `${pair.protocol}|${pair.path}`;
}

function latencyReferences(tallies: readonly PairTally[], thresholds: Thresholds): Map<string, LatencyReference> {
  const judgeable = tallies.filter((tally) => tally.successes >= thresholds.minLatencySamples);
  const references = new Map<string, LatencyReference>();
  for (const [key, group] of groupBy(judgeable, referenceKey)) {
    if (group.length < MIN_PAIRS_FOR_LATENCY_REFERENCE) continue;
    const clusterMedianP99Ms = median(group.map((tally) => tally.latency.quantile(0.99)!));
    const limitMs = Math.max(clusterMedianP99Ms * thresholds.latencyFactor, clusterMedianP99Ms + thresholds.latencyMarginMs);
    references.set(key, { clusterMedianP99Ms, limitMs });
  }
  return references;
}

function pairReport(tally: PairTally): PairReport {
  const latency = tally.latency;
  return {
    source: tally.source,
    destination: tally.destination,
    protocol: tally.protocol,
    path: tally.path,
    ...(tally.family && { family: tally.family }),
    target: tally.targets.join(','),
    status: 'ok',
    flags: [],
    attempts: tally.attempts,
    successes: tally.successes,
    loss: proportionInterval(tally.attempts - tally.successes, tally.attempts),
    latencyMs: { p50: latency.quantile(0.5), p90: latency.quantile(0.9), p99: latency.quantile(0.99), max: latency.quantile(1) },
    synRetransmits: tally.synRetransmits,
    synLoss: tally.protocol === 'tcp' ? proportionInterval(tally.synRetransmits, synsSent(tally)) : null,
    dnsTimeouts: tally.dnsTimeouts,
    dnsAnsweredAtResolverMarks: tally.dnsAnsweredAtResolverMarks,
    ...(tally.protocol === 'udp' && { udpDirection: tally.udpDirection }),
    enobufs: tally.outcomes.ENOBUFS ?? 0,
    errors: errorCounts(tally.outcomes),
  };
}

/**
 * SYN retransmits are counted per run, not per window, and each lies on a failed or a late
 * connect: with neither in the burst windows all of them are outside; otherwise what is
 * certain outside is one per late connect there (a lower bound, so never a flag from a burst).
 */
function retransmitsOutsideBursts(tally: PairTally): number {
  const { failures, degraded } = tally.inBursts;
  return failures + degraded === 0 ? tally.synRetransmits : Math.min(tally.synRetransmits, tally.degradedOutsideBursts);
}

/** Every connect sends one SYN plus one per retransmit. */
function synsSent(tally: PairTally): number {
  return tally.attempts + tally.synRetransmits;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
