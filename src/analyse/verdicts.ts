// Grades each pair: which flag it earns (if any), with the measurement behind it. A flag
// needs the 95 % Wilson lower bound past the threshold AND a minimum number of failures,
// so a clean matrix with ordinary noise earns none.
import type { PairEvidence, PairFlag, PairReport, PairStatus, Thresholds } from '../shared/report.ts';
import { P99_TAIL_SHARE } from './options.ts';
import { errorCounts, type PairTally } from './pairs.ts';
import { proportionInterval, wilsonInterval } from './wilson.ts';

export interface JudgedPair {
  report: PairReport;
  /** The measurement behind the pair's flag; null when it has none. */
  evidence: PairEvidence | null;
}

/** A cluster's typical p99 for one (protocol, path): the median over pairs with enough samples. */
interface LatencyReference {
  clusterMedianP99Ms: number;
  limitMs: number;
}

// A median of fewer pairs would let one bad pair set the reference it is judged by.
const MIN_PAIRS_FOR_LATENCY_REFERENCE = 3;

export function judgePairs(tallies: readonly PairTally[], thresholds: Thresholds): JudgedPair[] {
  const references = latencyReferences(tallies, thresholds);
  return tallies.map((tally) => {
    const evidence = flagEvidence(tally, thresholds, references.get(referenceKey(tally)));
    const flags: PairFlag[] = evidence ? [flagOf(evidence)] : [];
    return { report: pairReport(tally, flags, statusOf(evidence, thresholds)), evidence };
  });
}

function flagEvidence(tally: PairTally, thresholds: Thresholds, reference: LatencyReference | undefined): PairEvidence | null {
  const passes = (k: number, n: number, threshold: number) => k >= thresholds.minFailures && n > 0 && wilsonInterval(k, n).low > threshold;
  const evidence = (measure: PairEvidence['measure'], k: number, n: number): PairEvidence => ({
    source: tally.source, destination: tally.destination, protocol: tally.protocol, path: tally.path, measure, n, k, ...wilsonInterval(k, n),
  });

  const lost = tally.attempts - tally.successes;
  if (passes(lost, tally.attempts, thresholds.lossRatio)) return evidence('lost', lost, tally.attempts);
  // A dropped SYN is retransmitted and the connect succeeds late: loss shows only here.
  if (tally.protocol === 'tcp' && passes(tally.synRetransmits, synsSent(tally), thresholds.lossRatio)) {
    return evidence('syn-retransmits', tally.synRetransmits, synsSent(tally));
  }
  const atMarks = sum(tally.dnsAnsweredAtResolverMarks);
  if (passes(atMarks, tally.attempts, thresholds.lossRatio)) return evidence('resolver-marks', atMarks, tally.attempts);
  if (reference && tally.successes >= thresholds.minLatencySamples) {
    // "p99 above the limit" is "more than 1 % of samples above it": tested like loss.
    const slow = tally.latency.countAtLeast(reference.limitMs);
    if (passes(slow, tally.successes, P99_TAIL_SHARE)) {
      return { ...evidence('slow', slow, tally.successes), p99Ms: tally.latency.quantile(0.99), ...reference };
    }
  }
  return null;
}

function flagOf(evidence: PairEvidence): PairFlag {
  const flags: Record<PairEvidence['measure'], PairFlag> = { lost: 'loss', 'syn-retransmits': 'syn-loss', 'resolver-marks': 'resolver-marks', slow: 'latency' };
  return flags[evidence.measure];
}

function statusOf(evidence: PairEvidence | null, thresholds: Thresholds): PairStatus {
  if (!evidence) return 'ok';
  const lossLike = evidence.measure === 'lost' || evidence.measure === 'syn-retransmits';
  return lossLike && evidence.low > thresholds.criticalLossRatio ? 'critical' : 'warning';
}

function referenceKey(pair: { protocol: string; path: string }): string {
  return `${pair.protocol}|${pair.path}`;
}

function latencyReferences(tallies: readonly PairTally[], thresholds: Thresholds): Map<string, LatencyReference> {
  const p99sByGroup = new Map<string, number[]>();
  for (const tally of tallies) {
    if (tally.successes < thresholds.minLatencySamples) continue;
    const key = referenceKey(tally);
    p99sByGroup.set(key, [...(p99sByGroup.get(key) ?? []), tally.latency.quantile(0.99)!]);
  }
  const references = new Map<string, LatencyReference>();
  for (const [key, p99s] of p99sByGroup) {
    if (p99s.length < MIN_PAIRS_FOR_LATENCY_REFERENCE) continue;
    const clusterMedianP99Ms = median(p99s);
    const limitMs = Math.max(clusterMedianP99Ms * thresholds.latencyFactor, clusterMedianP99Ms + thresholds.latencyMarginMs);
    references.set(key, { clusterMedianP99Ms, limitMs });
  }
  return references;
}

function pairReport(tally: PairTally, flags: PairFlag[], status: PairStatus): PairReport {
  const latency = tally.latency;
  return {
    source: tally.source,
    destination: tally.destination,
    protocol: tally.protocol,
    path: tally.path,
    target: tally.targets.join(','),
    status,
    flags,
    attempts: tally.attempts,
    successes: tally.successes,
    loss: proportionInterval(tally.attempts - tally.successes, tally.attempts),
    latencyMs: { p50: latency.quantile(0.5), p90: latency.quantile(0.9), p99: latency.quantile(0.99), max: latency.quantile(1) },
    synRetransmits: tally.synRetransmits,
    synLoss: tally.protocol === 'tcp' ? proportionInterval(tally.synRetransmits, synsSent(tally)) : null,
    dnsTimeouts: tally.dnsTimeouts,
    dnsAnsweredAtResolverMarks: tally.dnsAnsweredAtResolverMarks,
    enobufs: tally.outcomes.ENOBUFS ?? 0,
    errors: errorCounts(tally.outcomes),
  };
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
