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
 * ~3 per pair, 500,000 at 5,000 nodes, and most pairs the same few counts: so a measurement is
 * frozen and shared by every pair with the same one (CountsJudged). Each its own, they were
 * ~60 MB that every young-generation collection of the analysis copied.
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
  /** Latency only: the limit the slow samples were counted above. */
  reference?: LatencyReference;
}

/** A pair's measurements by flag, in FLAG_ORDER; frozen, and shared by the pairs with the same ones. */
export type Measured = Readonly<Partial<Record<PairFlag, Measurement>>>;

export interface JudgedPair {
  report: PairReport;
  measurements: Measured;
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
 * theirs. The tallies are read a row at a time (TalliedPairs.at), for the latency references
 * and again for the reports, and not kept.
 */
export function judgePairs(tallies: TalliedPairs, thresholds: Thresholds, ratePerSecond: number | null): { judged: JudgedPair[]; run: RunJudgement } {
  const references = latencyReferences(tallies, thresholds);
  const shared = new SharedParts();
  const counts = new CountsJudged();
  const judged: JudgedPair[] = [];
  // e-BH's e-values: every measure is a test, and those not on the flag side are e = 0 (left out of the list).
  let tests = 0;
  const flagSide: number[] = [];
  for (let row = 0; row < tallies.size; row++) {
    const tally = tallies.at(row);
    const measurements = measure(tally, thresholds, references.get(referenceKey(tally.protocol, tally.path)), counts);
    judged.push({ report: pairReport(tally, shared.logEvidence(measurements), shared), measurements, evidence: null });
    // Indexed loops: run once over 165,000 pairs, for-of here made an iterator result a step.
    for (let f = 0; f < FLAG_ORDER.length; f++) {
      const m = measurements[FLAG_ORDER[f]];
      if (!m) continue;
      tests++;
      if (m.flagSide) flagSide.push(m.logEvidence);
    }
  }
  const cutoff = eBenjaminiHochbergCutoff(flagSide, thresholds.falseDiscoveryRate, tests);
  for (let i = 0; i < judged.length; i++) {
    const flag = rejectedFlag(judged[i].measurements, cutoff);
    if (flag) applyFlag(judged[i], flag, thresholds);
  }
  return { judged, run: { tests, rule: evidenceRule(thresholds, tests), ratePerSecond } };
}

/** The first measure e-BH rejects at `cutoff` (the pair's own evidence shows it above p0); null when none. */
function rejectedFlag(measurements: Measured, cutoff: number): PairFlag | null {
  for (let f = 0; f < FLAG_ORDER.length; f++) {
    const m = measurements[FLAG_ORDER[f]];
    if (m?.flagSide && m.logEvidence >= cutoff) return FLAG_ORDER[f];
  }
  return null;
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
  // Pairs with the same measurements share one record (CountsJudged.measured): each is settled once.
  const settled = new Map<Measured, Settled>();
  const neededAt = memo((k: number, n: number) => probesToDecide(k, n, run.rule));
  for (let i = 0; i < judged.length; i++) {
    const pair = judged[i];
    if (pair.report.verdict === 'flagged') continue;
    let verdict = settled.get(pair.measurements);
    if (!verdict) settled.set(pair.measurements, (verdict = settle(pair.measurements, run, neededAt)));
    pair.report.verdict = verdict.verdict;
    if (verdict.verdict === 'inconclusive') pair.report.toDecide = verdict.toDecide;
  }
}

type Settled = { verdict: 'clear' } | { verdict: 'inconclusive'; toDecide: PairReport['toDecide'] };

function settle(measurements: Measured, run: RunJudgement, neededAt: (k: number, n: number) => number | null): Settled {
  const lossLike = LOSS_LIKE.flatMap((flag) => measurements[flag] ?? []);
  if (lossLike.length > 0 && lossLike.every((m) => judge(m.k, m.n, run.rule).verdict === 'clear')) return { verdict: 'clear' };
  const needed = probesToVerdict(lossLike.length ? lossLike : [NOTHING_MEASURED], neededAt, run.ratePerSecond);
  return { verdict: 'inconclusive', toDecide: needed && Object.freeze(needed) };
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
const NOTHING_MEASURED: Measurement = Object.freeze({ measure: 'lost', k: 0, n: 0, probes: 0, logEvidence: 0, above: false, flagSide: false, elevated: false });

/**
 * The measurements of a run, each distinct one made once and shared (frozen): by measure (for
 * latency by its reference, which names the limit), then k and n, then probes and whether an
 * earlier measure explains it. And the pairs' sets of them, shared the same way by identity.
 */
class CountsJudged {
  private readonly byMeasure = new Map<PairEvidence['measure'] | LatencyReference, ByCounts<Map<number, Measurement>>>();
  private readonly sets = new Map<Measurement | null, Map<Measurement | null, Map<Measurement | null, Map<Measurement | null, Measured>>>>();

  /** `explained`: an earlier measure in FLAG_ORDER is elevated, so this one neither flags nor leads (its e-value is 0). */
  measurement(measure: PairEvidence['measure'], k: number, n: number, p0: number, probes: number, explained: boolean, reference?: LatencyReference): Measurement {
    const kind = reference ?? measure;
    let byCounts = this.byMeasure.get(kind);
    if (!byCounts) this.byMeasure.set(kind, (byCounts = new ByCounts()));
    const variants = byCounts.get(k, n) ?? byCounts.set(k, n, new Map());
    const variant = probes * 2 + (explained ? 1 : 0);
    const known = variants.get(variant);
    if (known) return known;
    const above = k > p0 * n;
    const elevated = !explained && n > 0 && wilsonInterval(k, n).low > p0;
    const made: Measurement = { measure, k, n, probes, logEvidence: logEvidence(k, n, p0), above, flagSide: above && !explained, elevated, ...(reference && { reference }) };
    variants.set(variant, Object.freeze(made));
    return made;
  }

  /** The pair's measurements as one shared record, keys in FLAG_ORDER. */
  measured(loss: Measurement | null, synLoss: Measurement | null, resolverMarks: Measurement | null, latency: Measurement | null): Measured {
    const bySynLoss = this.sets.get(loss) ?? this.sets.set(loss, new Map()).get(loss)!;
    const byMarks = bySynLoss.get(synLoss) ?? bySynLoss.set(synLoss, new Map()).get(synLoss)!;
    const byLatency = byMarks.get(resolverMarks) ?? byMarks.set(resolverMarks, new Map()).get(resolverMarks)!;
    const known = byLatency.get(latency);
    if (known) return known;
    const made: Partial<Record<PairFlag, Measurement>> = {};
    if (loss) made.loss = loss;
    if (synLoss) made['syn-loss'] = synLoss;
    if (resolverMarks) made['resolver-marks'] = resolverMarks;
    if (latency) made.latency = latency;
    byLatency.set(latency, Object.freeze(made));
    return made;
  }
}

function measure(tally: PairTally, thresholds: Thresholds, reference: LatencyReference | undefined, counts: CountsJudged): Measured {
  // The probes of burst windows (timeline.ts) are the burst findings' evidence. Judged here is
  // the rest of the run, so that a burst is not told twice: once as itself, and once spread
  // over the whole run as a row, a column or a pair that noise picked out.
  const bursts = tally.inBursts;
  const attempts = tally.attempts - bursts.attempts;
  // A measure explained by an earlier one (a blackholed connect also retransmits SYNs, a late
  // connect is also a slow one) neither flags nor leads: its e-value is set to 0.
  let explained = false;
  let loss: Measurement | null = null;
  let synLoss: Measurement | null = null;
  let resolverMarks: Measurement | null = null;
  if (attempts > 0) {
    loss = counts.measurement('lost', tally.attempts - tally.successes - bursts.failures, attempts, thresholds.lossRatio, attempts, explained);
    explained ||= loss.elevated;
    // A dropped SYN is retransmitted and the connect succeeds late: such loss shows only here.
    if (tally.protocol === 'tcp') {
      const retransmits = retransmitsOutsideBursts(tally);
      synLoss = counts.measurement('syn-retransmits', retransmits, attempts + retransmits, thresholds.lossRatio, attempts, explained);
      explained ||= synLoss.elevated;
    }
    if (tally.protocol === 'dns') {
      resolverMarks = counts.measurement('resolver-marks', sum(tally.dnsAnsweredAtResolverMarks) - bursts.degraded, attempts, thresholds.lossRatio, attempts, explained);
      explained ||= resolverMarks.elevated;
    }
  }
  // Latency is one histogram of the main window: of the bursts' probes only the degraded ones,
  // an RTO or a resolver timeout late and so above any limit a healthy p99 sets, can be taken out of it.
  const successes = mainWindowSuccesses(tally) - bursts.degraded;
  let latency: Measurement | null = null;
  if (reference && successes >= thresholds.minLatencySamples) {
    // "p99 above the limit" is "more than 1 % of samples above it": tested like loss.
    const slow = Math.max(0, tally.latencyCountAtLeast(reference.limitMs) - bursts.degraded);
    latency = counts.measurement('slow', slow, successes, P99_TAIL_SHARE, successes, explained, reference);
  }
  return counts.measured(loss, synLoss, resolverMarks, latency);
}

function mainWindowSuccesses(tally: PairTally): number {
  return tally.successes - tally.confirmedSuccesses;
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
    const tally = tallies.at(row);
    if (mainWindowSuccesses(tally) < thresholds.minLatencySamples) continue;
    const key = referenceKey(tally.protocol, tally.path);
    const group = p99s.get(key) ?? [];
    p99s.set(key, group);
    group.push(tally.latencyQuantiles(P99)[0]!);
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
  private readonly evidence = new Map<Measured, PairReport['logEvidence']>();
  private readonly evidenceByText = new Interned<PairReport['logEvidence']>();

  interval(k: number, n: number): ProportionInterval {
    return this.intervals.get(k, n) ?? this.intervals.set(k, n, Object.freeze(proportionInterval(k, n)));
  }

  udpDirection(direction: ReturnType<PairTally['udpDirection']>): PairReport['udpDirection'] {
    if (!direction) return direction;
    const { basis, requestsLost, repliesLost } = direction;
    const byReplies = this.directions.get(requestsLost, basis) ?? this.directions.set(requestsLost, basis, new Map());
    return byReplies.get(repliesLost) ?? byReplies.set(repliesLost, Object.freeze(direction)).get(repliesLost)!;
  }

  /** ln E of each measure, in FLAG_ORDER: one record per shared set of measurements (CountsJudged.measured). */
  logEvidence(measurements: Measured): PairReport['logEvidence'] {
    const known = this.evidence.get(measurements);
    if (known) return known;
    const logEvidence: PairReport['logEvidence'] = {};
    for (const flag of FLAG_ORDER) if (measurements[flag]) logEvidence[flag] = roundedLog(measurements[flag].logEvidence);
    // Records with the same rounded values are one, as they read the same.
    const key = JSON.stringify(logEvidence);
    const record = this.evidenceByText.find(key) ?? this.evidenceByText.keep(key, logEvidence);
    this.evidence.set(measurements, record);
    return record;
  }
}

/**
 * A pair's report row, made by a constructor that sets every key in the report's order: V8 then
 * keeps them all inside the object. Set key by key on a literal, all but four of its ~22 went to
 * a properties array grown as they came, 150 B and ~8 µs a pair at 165,000 pairs. Its prototype
 * is Object's, so that the row is a plain object to every reader (js-yaml dumps no other kind).
 */
function PairRow(this: PairReport, tally: PairTally, logEvidence: PairReport['logEvidence'], shared: SharedParts): void {
  const quantiles = tally.latencyQuantiles(REPORTED_QUANTILES);
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
  if (tally.confirmed) this.confirmation = { attempts: tally.confirmedAttempts, successes: tally.confirmedSuccesses, durationMs: tally.confirmedMs };
  this.loss = shared.interval(tally.attempts - tally.successes, tally.attempts);
  this.latencyMs = { p50: quantiles[0], p90: quantiles[1], p99: quantiles[2], max: quantiles[3] };
  this.synRetransmits = tally.synRetransmits;
  this.synLoss = tally.protocol === 'tcp' ? shared.interval(tally.synRetransmits, synsSent(tally)) : null;
  this.dnsTimeouts = tally.dnsTimeouts;
  this.dnsAnsweredAtResolverMarks = tally.dnsAnsweredAtResolverMarks;
  if (tally.protocol === 'udp') this.udpDirection = shared.udpDirection(tally.udpDirection());
  this.enobufs = tally.errors.ENOBUFS ?? 0;
  this.errors = tally.errors;
}
PairRow.prototype = Object.prototype;

function pairReport(tally: PairTally, logEvidence: PairReport['logEvidence'], shared: SharedParts): PairReport {
  return new (PairRow as unknown as new (...args: Parameters<typeof PairRow>) => PairReport)(tally, logEvidence, shared);
}

/** The latency a pair row reports: p50, p90, p99 and max (the 1-quantile, exact). */
const REPORTED_QUANTILES = [0.5, 0.9, 0.99, 1];
const P99 = [0.99];

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
  const confirmed = tally.confirmedSynRetransmits;
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
  // A typed array sorts numbers in place of a comparator that boxed both of them at each step (~30 MB over 165,000 pairs).
  const sorted = Float64Array.from(values).sort();
  const middle = sorted.length >> 1;
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
