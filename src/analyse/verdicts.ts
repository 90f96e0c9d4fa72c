// Every pair's verdict. Each loss-like measure (probe loss, SYN loss, DNS answers at the
// resolver marks) is judged against the loss threshold by the shared sequential test
// (src/shared/sequential-test.ts), whose e-values stay valid however long a pair was probed:
// confirmation probing stops each series when it is decided, so the number of probes depends
// on the data and a fixed-n test (Wilson, exact binomial) would no longer hold its error rate.
// Latency is the share of samples above a limit set from the cluster's median pair (a p99
// above the limit = more than 1 % of samples above it), judged by the same test at 1 %.
// Flags across the run: e-BH (Wang & Ramdas 2022) over every flag-side e-value. A clean
// matrix with ordinary noise earns none.
import type { NetworkPath, Protocol } from '../shared/plan.ts';
import type { PairEvidence, PairFlag, PairReport, ProportionInterval, Thresholds } from '../shared/report.ts';
import { judge, logEvidence, probesToDecide, type EvidenceRule } from '../shared/sequential-test.ts';
import { P99_TAIL_SHARE } from './options.ts';
import type { PairTally, TalliedPairs } from './pairs.ts';
import { ByCounts, Interned } from './interned.ts';
import { eBenjaminiHochbergCutoff } from './significance.ts';
import { proportionInterval, wilsonInterval } from './wilson.ts';

/**
 * One pair's test of one measure: k of n against the rate p0, the loss threshold or (latency) the
 * 1 % tail of a p99 limit (evidence objects are built only for what is reported). A run holds
 * ~3 per pair, 500,000 at 5,000 nodes: numbers that are not small integers cost a box of their
 * own in each, so p0 is not kept (its measure says which) and the flag side is a boolean.
 */
export interface Measurement {
  measure: PairEvidence['measure'];
  k: number;
  n: number;
  /** Probes behind n (n counts SYNs for SYN loss): to say how many more probes a verdict needs. */
  probes: number;
  /** ln E_n(p0): the evidence against "the rate is p0", on the side k/n lies. */
  logEvidence: number;
  /** k/n is above p0: logEvidence is evidence towards a flag. */
  above: boolean;
  /**
   * e-BH reads logEvidence as its flag-side e-value: the measure is above p0 and no measure
   * before it in FLAG_ORDER is elevated (otherwise e = 0, which stays an e-value).
   */
  flagSide: boolean;
  /** Its 95 % Wilson lower bound is above p0 (and no measure before it is): descriptive, it names which measure explains a pair and the shape of a pattern. */
  elevated: boolean;
  /** e-BH rejected it: the pair's own evidence shows the measure above p0. */
  rejected: boolean;
  /** Latency only: the limit the slow samples were counted above. */
  reference?: LatencyReference;
}

export interface JudgedPair {
  report: PairReport;
  measurements: Partial<Record<PairFlag, Measurement>>;
  /** The measurement behind the pair's flag; null when it has none. */
  evidence: PairEvidence | null;
}

/** What the run's verdicts were reached at: how many tests e-BH was over, and the rule each measure was judged by. */
export interface RunJudgement {
  /** Every measure of every pair: the m of e-BH. */
  tests: number;
  /** Loss-like measures: clear at 1 / falseClearRate; flagAt is the e-BH level of a single discovery (m / q), the level `toDecide` aims at. */
  rule: EvidenceRule;
  /** Probes per second per pair and protocol (to turn probes into seconds); null when unknown. */
  ratePerSecond: number | null;
}

/** A pair gets at most one flag, the first that applies: a lost probe is also a slow one. */
const FLAG_ORDER: readonly PairFlag[] = ['loss', 'syn-loss', 'resolver-marks', 'latency'];
const LOSS_LIKE: readonly PairFlag[] = ['loss', 'syn-loss', 'resolver-marks'];

/** A common measure for one (protocol, path): the median over pairs of their p99, and the limit derived from it. */
interface LatencyReference {
  clusterMedianP99Ms: number;
  limitMs: number;
}

// A median of fewer pairs would let one bad pair set the reference it is judged by.
const MIN_PAIRS_FOR_LATENCY_REFERENCE = 3;

/** The rule loss-like measures are judged by in a run of `tests` tests (also the agent's stopping rule for confirmation, PHASE-B §2). */
export function evidenceRule(thresholds: Thresholds, tests: number): EvidenceRule {
  return { threshold: thresholds.lossRatio, flagAt: Math.max(1, tests) / thresholds.falseDiscoveryRate, clearAt: 1 / thresholds.falseClearRate };
}

/**
 * The tests a run of these series makes, for the plan's confirmation rule before anything is
 * measured: loss and latency per series, SYN loss per TCP series, resolver marks per DNS series
 * (an upper bound: a latency test needs enough successes and a reference).
 */
export function plannedTests(series: readonly { protocol: string }[]): number {
  return series.reduce((n, s) => n + 2 + (s.protocol === 'tcp' || s.protocol === 'dns' ? 1 : 0), 0);
}

/**
 * Measures every pair and flags, on its own, each whose flag-side e-value e-BH rejects at the
 * run's false discovery rate. Elevated pairs that are not flagged can still form a pattern
 * (patterns.ts); `settleVerdicts` gives every pair its verdict once the patterns have flagged
 * theirs. Each tally (PairTallies.take) is made for the latency references and again for its
 * report, and not kept.
 */
export function judgePairs(tallies: TalliedPairs, thresholds: Thresholds, ratePerSecond: number | null): { judged: JudgedPair[]; run: RunJudgement } {
  const references = latencyReferences(tallies, thresholds);
  const shared = new SharedParts();
  const counts = new CountsJudged();
  const judged: JudgedPair[] = [];
  for (let row = 0; row < tallies.size; row++) {
    const tally = tallies.tally(row);
    const measurements = measure(tally, thresholds, references.get(referenceKey(tally.protocol, tally.path)), counts);
    judged.push({ report: pairReport(tally, shared.logEvidence(measurements), shared), measurements, evidence: null });
  }
  // Indexed loops: run once over 165,000 pairs, for-of here made an iterator result a step.
  const all: Measurement[] = [];
  for (let i = 0; i < judged.length; i++) {
    const { measurements } = judged[i];
    for (let f = 0; f < FLAG_ORDER.length; f++) if (measurements[FLAG_ORDER[f]]) all.push(measurements[FLAG_ORDER[f]]!);
  }
  const logFlagEvidence = (m: Measurement) => (m.flagSide ? m.logEvidence : -Infinity);
  const cutoff = eBenjaminiHochbergCutoff(all.map(logFlagEvidence), thresholds.falseDiscoveryRate);
  for (let i = 0; i < all.length; i++) all[i].rejected = logFlagEvidence(all[i]) >= cutoff;
  for (let i = 0; i < judged.length; i++) {
    const flag = FLAG_ORDER.find((f) => judged[i].measurements[f]?.rejected);
    if (flag) applyFlag(judged[i], flag, thresholds);
  }
  return { judged, run: { tests: all.length, rule: evidenceRule(thresholds, all.length), ratePerSecond } };
}

/** Marks the pair with its elevated measure: alone significant, or part of a pattern. */
export function applyFlag(pair: JudgedPair, flag: PairFlag, thresholds: Thresholds): void {
  const evidence = evidenceOf(pair, flag);
  const lossLike = evidence.measure === 'lost' || evidence.measure === 'syn-retransmits';
  pair.report.flags = [flag];
  pair.report.status = lossLike && evidence.low > thresholds.criticalLossRatio ? 'critical' : 'warning';
  pair.report.verdict = 'flagged';
  pair.evidence = evidence;
}

/** The measurement as report evidence: k of n with its interval and e-value, and for latency the p99 and its reference. */
export function evidenceOf(pair: JudgedPair, flag: PairFlag): PairEvidence {
  const { measure, k, n, reference } = pair.measurements[flag]!;
  const { source, destination, protocol, path, family, latencyMs } = pair.report;
  return {
    source, destination, protocol, path, ...(family && { family }), measure, n, k, ...wilsonInterval(k, n), logEvidence: roundedLog(pair.measurements[flag]!.logEvidence),
    ...(reference ? { p99Ms: latencyMs.p99, ...reference } : {}),
  };
}

/**
 * The verdict of every pair not flagged: clear when every loss-like measure is clear (latency
 * cannot flag it: it would be flagged), else inconclusive, with the probes that would decide it
 * if its failures went on at the rate seen: the first measure to flag, or the last to clear.
 */
export function settleVerdicts(judged: readonly JudgedPair[], run: RunJudgement): void {
  // Most pairs share a handful of counts (0 of 30, 1 of 30, …): each is judged once.
  const verdictOf = memo((k: number, n: number) => judge(k, n, run.rule).verdict);
  const neededAt = memo((k: number, n: number) => probesToDecide(k, n, run.rule));
  // Shared as the other sub-records (interned.ts); seconds null keyed as -1.
  const toDecide = new ByCounts<{ probes: number; seconds: number | null }>();
  for (const pair of judged) {
    if (pair.report.verdict === 'flagged') continue;
    const lossLike: Measurement[] = [];
    let clear = true;
    for (const flag of LOSS_LIKE) {
      const m = pair.measurements[flag];
      if (!m) continue;
      lossLike.push(m);
      clear &&= verdictOf(m.k, m.n) === 'clear';
    }
    if (lossLike.length > 0 && clear) {
      pair.report.verdict = 'clear';
      continue;
    }
    pair.report.verdict = 'inconclusive';
    const needed = probesToVerdict(lossLike.length ? lossLike : [NOTHING_MEASURED], neededAt, run.ratePerSecond);
    pair.report.toDecide = needed && (toDecide.get(needed.probes, needed.seconds ?? -1) ?? toDecide.set(needed.probes, needed.seconds ?? -1, Object.freeze(needed)));
  }
}

function memo<T>(f: (k: number, n: number) => T): (k: number, n: number) => T {
  const cache = new ByCounts<T>();
  return (k, n) => {
    const known = cache.get(k, n);
    return known !== undefined ? known : cache.set(k, n, f(k, n));
  };
}

/** The more probes that decide the pair; null when a measure sits too near its threshold for any run length. */
function probesToVerdict(measures: readonly Measurement[], neededAt: (k: number, n: number) => number | null, ratePerSecond: number | null): { probes: number; seconds: number | null } | null {
  const more = (m: Measurement): number | null => {
    const needed = neededAt(m.k, m.n);
    if (needed === null) return null;
    // n counts SYNs for SYN loss: as many more probes as that many more SYNs take at this pair's SYNs per probe.
    const perProbe = m.probes > 0 ? m.n / m.probes : 1;
    return Math.ceil((needed - m.n) / perProbe);
  };
  const towardsFlag = measures.filter((m) => m.above);
  let probes: number | null;
  if (towardsFlag.length) {
    // The pair is decided when its first measure flags.
    const each = towardsFlag.map(more).filter((x): x is number => x !== null);
    probes = each.length ? Math.min(...each) : null;
  } else {
    // Cleared only when every measure is.
    const each = measures.map(more);
    probes = each.includes(null) ? null : Math.max(...(each as number[]));
  }
  if (probes === null) return null;
  return { probes, seconds: ratePerSecond ? Math.ceil(probes / ratePerSecond) : null };
}

/** A pair whose every probe fell in burst windows has no measure: as if nothing was probed. */
const NOTHING_MEASURED: Measurement = { measure: 'lost', k: 0, n: 0, probes: 0, logEvidence: 0, above: false, flagSide: false, elevated: false, rejected: false };

/** ln E and the Wilson lower bound of k of n, by p0 (the loss threshold, the latency tail): most pairs share a handful of counts. */
class CountsJudged {
  private readonly byRate = new Map<number, ByCounts<{ logEvidence: number; elevated: boolean }>>();

  measurement(measure: PairEvidence['measure'], k: number, n: number, p0: number, probes = n): Measurement {
    let known = this.byRate.get(p0);
    if (!known) this.byRate.set(p0, (known = new ByCounts()));
    const judged = known.get(k, n) ?? known.set(k, n, { logEvidence: logEvidence(k, n, p0), elevated: n > 0 && wilsonInterval(k, n).low > p0 });
    const above = k > p0 * n;
    return { measure, k, n, probes, logEvidence: judged.logEvidence, above, flagSide: above, elevated: judged.elevated, rejected: false };
  }
}

function measure(tally: PairTally, thresholds: Thresholds, reference: LatencyReference | undefined, counts: CountsJudged): Partial<Record<PairFlag, Measurement>> {
  const measurements: Partial<Record<PairFlag, Measurement>> = {};
  // The probes of burst windows (timeline.ts) are the burst findings' evidence. Judged here is
  // the rest of the run, so that a burst is not told twice: once as itself, and once spread
  // over the whole run as a row, a column or a pair that noise picked out.
  const bursts = tally.inBursts;
  const attempts = tally.attempts - bursts.attempts;
  if (attempts > 0) {
    measurements.loss = counts.measurement('lost', tally.attempts - tally.successes - bursts.failures, attempts, thresholds.lossRatio);
    // A dropped SYN is retransmitted and the connect succeeds late: such loss shows only here.
    if (tally.protocol === 'tcp') {
      const retransmits = retransmitsOutsideBursts(tally);
      measurements['syn-loss'] = counts.measurement('syn-retransmits', retransmits, attempts + retransmits, thresholds.lossRatio, attempts);
    }
    if (tally.protocol === 'dns') measurements['resolver-marks'] = counts.measurement('resolver-marks', sum(tally.dnsAnsweredAtResolverMarks) - bursts.degraded, attempts, thresholds.lossRatio);
  }
  // Latency is one histogram of the main window: of the bursts' probes only the degraded ones,
  // an RTO or a resolver timeout late and so above any limit a healthy p99 sets, can be taken out of it.
  const successes = mainWindowSuccesses(tally) - bursts.degraded;
  if (reference && successes >= thresholds.minLatencySamples) {
    // "p99 above the limit" is "more than 1 % of samples above it": tested like loss.
    const slow = Math.max(0, tally.latency.countAtLeast(reference.limitMs) - bursts.degraded);
    measurements.latency = { ...counts.measurement('slow', slow, successes, P99_TAIL_SHARE), reference };
  }
  // A measure explained by an earlier one (a blackholed connect also retransmits SYNs, a late
  // connect is also a slow one) neither flags nor leads: its e-value is set to 0.
  let earlierElevated = false;
  for (const flag of FLAG_ORDER) {
    const m = measurements[flag];
    if (!m) continue;
    if (earlierElevated) {
      m.elevated = false;
      m.flagSide = false;
    }
    earlierElevated ||= m.elevated;
  }
  return measurements;
}

function mainWindowSuccesses(tally: PairTally): number {
  return tally.successes - (tally.confirmation?.successes ?? 0);
}

/** "tcp|pod": each key made once, not twice a pair. */
const REFERENCE_KEYS = new Map<Protocol, Map<NetworkPath, string>>();
function referenceKey(protocol: Protocol, path: NetworkPath): string {
  const byPath = REFERENCE_KEYS.get(protocol) ?? new Map<NetworkPath, string>();
  REFERENCE_KEYS.set(protocol, byPath);
  const key = byPath.get(path) ?? `${protocol}|${path}`;
  byPath.set(path, key);
  return key;
}

function latencyReferences(tallies: TalliedPairs, thresholds: Thresholds): Map<string, LatencyReference> {
  const p99s = new Map<string, number[]>();
  for (let row = 0; row < tallies.size; row++) {
    if (tallies.mainWindowSuccesses(row) < thresholds.minLatencySamples) continue;
    const key = referenceKey(tallies.protocol(row), tallies.path(row));
    const group = p99s.get(key) ?? [];
    p99s.set(key, group);
    group.push(tallies.latency(row).quantile(0.99)!);
  }
  const references = new Map<string, LatencyReference>();
  for (const [key, group] of p99s) {
    if (group.length < MIN_PAIRS_FOR_LATENCY_REFERENCE) continue;
    const clusterMedianP99Ms = median(group);
    const limitMs = Math.max(clusterMedianP99Ms * thresholds.latencyFactor, clusterMedianP99Ms + thresholds.latencyMarginMs);
    references.set(key, { clusterMedianP99Ms, limitMs });
  }
  return references;
}

/** The sub-records most pairs share, one frozen object for each distinct value (interned.ts). */
class SharedParts {
  private readonly intervals = new ByCounts<ProportionInterval>();
  /** By basis and requests lost, then replies lost. */
  private readonly directions = new ByCounts<Map<number, NonNullable<PairReport['udpDirection']>>>();
  private readonly evidence = new Interned<PairReport['logEvidence']>();

  interval(k: number, n: number): ProportionInterval {
    return this.intervals.get(k, n) ?? this.intervals.set(k, n, Object.freeze(proportionInterval(k, n)));
  }

  udpDirection(direction: PairTally['udpDirection']): PairReport['udpDirection'] {
    if (!direction) return direction;
    const { basis, requestsLost, repliesLost } = direction;
    const byReplies = this.directions.get(requestsLost, basis) ?? this.directions.set(requestsLost, basis, new Map());
    return byReplies.get(repliesLost) ?? byReplies.set(repliesLost, Object.freeze(direction)).get(repliesLost)!;
  }

  /** ln E of each measure, in FLAG_ORDER. */
  logEvidence(measurements: Partial<Record<PairFlag, Measurement>>): PairReport['logEvidence'] {
    let key = '';
    for (const flag of FLAG_ORDER) if (measurements[flag]) key += `${flag}=${roundedLog(measurements[flag].logEvidence)};`;
    const known = this.evidence.find(key);
    if (known) return known;
    const logEvidence: PairReport['logEvidence'] = {};
    for (const flag of FLAG_ORDER) if (measurements[flag]) logEvidence[flag] = roundedLog(measurements[flag].logEvidence);
    return this.evidence.keep(key, logEvidence);
  }
}

/**
 * A pair's report row, made by a constructor that sets every key in the report's order: V8 then
 * keeps them all inside the object. Set key by key on a literal, all but four of its ~22 went to
 * a properties array grown as they came, 150 B and ~8 µs a pair at 165,000 pairs. Its prototype
 * is Object's, so that the row is a plain object to every reader (js-yaml dumps no other kind).
 */
function PairRow(this: PairReport, tally: PairTally, logEvidence: PairReport['logEvidence'], shared: SharedParts): void {
  const latency = tally.latency;
  this.source = tally.source;
  this.destination = tally.destination;
  this.protocol = tally.protocol;
  this.path = tally.path;
  if (tally.family) this.family = tally.family;
  this.target = tally.target;
  this.status = 'ok';
  // Until a flag is set (applyFlag gives the pair a list of its own).
  this.flags = NO_FLAGS;
  // Until settleVerdicts (or a flag) decides.
  this.verdict = 'inconclusive';
  this.logEvidence = logEvidence;
  this.attempts = tally.attempts;
  this.successes = tally.successes;
  if (tally.confirmation) this.confirmation = { attempts: tally.confirmation.attempts, successes: tally.confirmation.successes, durationMs: tally.confirmation.durationMs };
  this.loss = shared.interval(tally.attempts - tally.successes, tally.attempts);
  this.latencyMs = { p50: latency.quantile(0.5), p90: latency.quantile(0.9), p99: latency.quantile(0.99), max: latency.quantile(1) };
  this.synRetransmits = tally.synRetransmits;
  this.synLoss = tally.protocol === 'tcp' ? shared.interval(tally.synRetransmits, synsSent(tally)) : null;
  this.dnsTimeouts = tally.dnsTimeouts;
  this.dnsAnsweredAtResolverMarks = tally.dnsAnsweredAtResolverMarks;
  if (tally.protocol === 'udp') this.udpDirection = shared.udpDirection(tally.udpDirection);
  this.enobufs = tally.errors.ENOBUFS ?? 0;
  this.errors = tally.errors;
}
PairRow.prototype = Object.prototype;

function pairReport(tally: PairTally, logEvidence: PairReport['logEvidence'], shared: SharedParts): PairReport {
  return new (PairRow as unknown as new (...args: Parameters<typeof PairRow>) => PairReport)(tally, logEvidence, shared);
}

/** One empty list for every pair without a flag (most of 165,000 at 5,000 nodes), frozen so that no pair changes it for all. */
const NO_FLAGS: PairFlag[] = Object.freeze([]) as unknown as PairFlag[];

/** ln E to three decimals in the report: stable text, and all a reader needs. */
function roundedLog(logE: number): number {
  return Math.round(logE * 1000) / 1000;
}

/**
 * SYN retransmits are counted per run, not per window, and each lies on a failed or a late
 * connect: with neither in the burst windows all of them are outside; otherwise what is
 * certain outside is one per late connect there (a lower bound, so never a flag from a burst),
 * plus the confirmation's, which come after every window.
 */
function retransmitsOutsideBursts(tally: PairTally): number {
  const { failures, degraded } = tally.inBursts;
  if (failures + degraded === 0) return tally.synRetransmits;
  const confirmed = tally.confirmation?.synRetransmits ?? 0;
  return Math.min(tally.synRetransmits - confirmed, tally.degradedOutsideBursts) + confirmed;
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
