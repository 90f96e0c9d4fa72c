// Merges the agents' probe series into one tally per (source, destination, protocol, path):
// several series can feed one pair (DNS variants and names), and histograms merge exactly.
// Confirmation probes (plan.confirm) add to the loss-like counts, not to the latency
// histogram or the windows: they come after the main window, at another rate.
import type { ProbeSeries, SeriesWindows } from '../shared/agent-result.ts';
import { HistogramStore, LatencyHistogram, withRoom } from '../shared/histogram.ts';
import { Interned } from './interned.ts';
import { PROTOCOLS, type NetworkPath, type Protocol } from '../shared/plan.ts';

/**
 * What analysis reads of one pair (TalliedPairs.at): its series merged, main window and
 * confirmation together in every loss-like count.
 */
export interface PairTally {
  source: string;
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  /** IPv6 pairs are pairs of their own: a dual-stack cluster has two networks between the same nodes. */
  family: 'ipv6' | undefined;
  /** ip:port probed, several joined by ',' (merged series that differed). */
  target: string;
  attempts: number;
  successes: number;
  /** Failed probes by outcome, 'ok' left out, keys sorted for a stable report; pairs with the same failures share one frozen record. */
  errors: Record<string, number>;
  synRetransmits: number;
  dnsTimeouts: number;
  dnsAnsweredAtResolverMarks: number[];
  /** UDP: lost on the way there vs answers lost on the way back (from the echoes' receive counts). */
  udpDirection(): { basis: number; requestsLost: number; repliesLost: number } | null;
  /** --window: the probes that started in burst windows, which the burst findings report. */
  inBursts: WindowCounts;
  /** --window: successes the hard way in the other windows (connects after SYN retransmits, answers at resolver marks). */
  degradedOutsideBursts: number;
  /** Confirmation probes were made (plan.confirm); the confirmed counts below are 0 when not. */
  confirmed: boolean;
  confirmedAttempts: number;
  confirmedSuccesses: number;
  confirmedSynRetransmits: number;
  confirmedMs: number;
  /** The main window's latency (confirmation's successes are not in it): quantiles for `qs` ascending, as LatencyHistogram.quantile. */
  latencyQuantiles(qs: readonly number[]): (number | null)[];
  /** Its samples at or above `limitMs`, as LatencyHistogram.countAtLeast. */
  latencyCountAtLeast(limitMs: number): number;
}

export interface WindowCounts {
  attempts: number;
  failures: number;
  /** Succeeded the hard way (SeriesWindows.degraded). */
  degraded: number;
}

/** A network: the path, and for IPv6 the family ("pod", "pod/ipv6"). */
export function networkKey(pair: { path: NetworkPath; family?: 'ipv6' }): string {
  return pair.family ? `${pair.path}/${pair.family}` : pair.path;
}

/** One heatmap cell: a (network, source, destination), all protocols. */
export function cellKey(pair: { source: string; destination: string; path: NetworkPath; family?: 'ipv6' }): string {
  return `${networkKey(pair)}|${pair.source}|${pair.destination}`;
}

export function pairKey(pair: { source: string; destination: string; protocol: Protocol; path: NetworkPath; family?: 'ipv6' }): string {
  return `${cellKey(pair)}|${pair.protocol}`;
}

/** --window: one pair's probes and trouble (failures, and successes the hard way) per window, for timeline.ts. */
export interface WindowedPair {
  source: string;
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  family?: 'ipv6';
  attempts: number[];
  trouble: number[];
}

/** A pair's per-window counts (SeriesWindows), summed over its series. */
interface TallyWindows {
  attempts: number[];
  failures: number[];
  degraded: number[];
}

/**
 * The tallies analysis takes (PairTallies.take), read a row at a time: at(row) moves one
 * PairTally to that row and returns it, so that it holds until the next at(). A 5,000-node run
 * has ~165,000 rows, and an object per row (with its histogram made again) was ~250 MB of
 * garbage for the collector to follow.
 */
export interface TalliedPairs {
  size: number;
  at(row: number): PairTally;
}

/** The counts of a row, each a slot in PairTallies' numbers (FIELDS a row). */
const FIELD = {
  attempts: 0, successes: 1, synRetransmits: 2, dnsTimeouts: 3,
  hasUdpDirection: 4, udpBasis: 5, udpRequestsLost: 6, udpRepliesLost: 7,
  hasConfirmation: 8, confirmedAttempts: 9, confirmedSuccesses: 10, confirmedSynRetransmits: 11, confirmedMs: 12,
} as const;
const FIELDS = 13;

/**
 * The agents' series folded into one row per pair as each result is parsed, so that no result
 * needs keeping, and stored by column: a 5,000-node run has ~165,000 pairs, and a pair as an
 * object of its own (its counts, outcomes, histogram, windows) took ~1.7 KB, most of it on the
 * heap, where the tallies dead once judged stayed beside the reports made of them until the next
 * full collection. Here a row is its counts in one Float64Array, its packed histogram
 * (HistogramStore, ~200 bytes) and its names (shared strings); what only some pairs have
 * (failures by outcome, resolver marks, --window counts) is kept for those alone. take() hands
 * the columns to analysis, which reads them a row at a time (TalliedPairs).
 */
export class PairTallies {
  /**
   * Each pair's row: by its source's id, then by its destination's id and its variant (protocol,
   * path, family), small integers all. Keyed by pairKey text instead, the 165,000 keys of a
   * 5,000-node run were ~600,000 concatenated strings, 23 MB of heap kept until analysis.
   */
  private rowOf = new Map<number, Map<number, number>>();
  private nameIds = new Map<string, number>();
  private numbers = new Float64Array(0);
  private sources: string[] = [];
  private destinations: string[] = [];
  private protocols: Protocol[] = [];
  private paths: NetworkPath[] = [];
  private ipv6 = new Set<number>();
  /** ip:port probed, several joined by ','. */
  private targets: string[] = [];
  private histograms = new HistogramStore();
  /** Outcomes other than 'ok', for the rows that had any. */
  private failures = new Map<number, Record<string, number>>();
  private resolverMarks = new Map<number, number[]>();
  private windows = new Map<number, TallyWindows>();
  /** One copy of each name, target and outcome: JSON.parse makes a string per series. */
  private readonly strings = new Map<string, string>();

  get size(): number {
    return this.sources.length;
  }

  /** One series of the agent on `source`. */
  add(source: string, series: ProbeSeries): void {
    const latency = LatencyHistogram.fromJSON(series.latency);
    const sourceId = this.nameId(source);
    const bySource = this.rowOf.get(sourceId) ?? new Map<number, number>();
    this.rowOf.set(sourceId, bySource);
    const key = this.nameId(series.destination) * VARIANTS + variant(series);
    let row = bySource.get(key);
    if (row === undefined) {
      row = this.sources.length;
      bySource.set(key, row);
      this.sources.push(this.shared(source));
      this.destinations.push(this.shared(series.destination));
      this.protocols.push(series.protocol);
      this.paths.push(series.path);
      if (series.family) this.ipv6.add(row);
      this.targets.push(this.shared(series.target));
      this.numbers = withRoom(this.numbers, (row + 1) * FIELDS);
    } else {
      latency.merge(this.histograms.get(row));
      if (!this.targets[row].split(',').includes(series.target)) this.targets[row] += `,${series.target}`;
    }
    this.histograms.put(row, latency);
    this.addCounts(row, series);
    const at = row * FIELDS;
    const n = this.numbers;
    if (series.confirmation) {
      this.addCounts(row, series.confirmation);
      n[at + FIELD.hasConfirmation] = 1;
      n[at + FIELD.confirmedAttempts] += series.confirmation.attempts;
      n[at + FIELD.confirmedSuccesses] += series.confirmation.successes;
      n[at + FIELD.confirmedSynRetransmits] += series.confirmation.tcp?.synRetransmits ?? 0;
      n[at + FIELD.confirmedMs] = Math.max(n[at + FIELD.confirmedMs], series.confirmation.durationMs);
    }
    if (series.windows) {
      const windows = this.windows.get(row) ?? { attempts: [], failures: [], degraded: [] };
      this.windows.set(row, windows);
      addWindows(windows, series.windows);
    }
  }

  /** Each pair's destination and probes so far: enough to tell whether any probe got through. */
  outcomes(): { destination: string; attempts: number; successes: number }[] {
    return this.destinations.map((destination, row) => ({ destination, attempts: this.numbers[row * FIELDS + FIELD.attempts], successes: this.numbers[row * FIELDS + FIELD.successes] }));
  }

  /**
   * Every pair's tally, handed over: they are no longer kept here. `burstWindows`: the windows
   * timeline.ts found bursts in, whose probes are counted apart (inBursts).
   */
  take(burstWindows: ReadonlySet<number> = new Set()): TalliedPairs {
    const { numbers, sources, destinations, protocols, paths, ipv6, targets, histograms, failures, resolverMarks, windows } = this;
    const taken = new TallyRow({ numbers, sources, destinations, protocols, paths, ipv6, targets, histograms, failures, resolverMarks, windows }, burstWindows);
    // This store starts again empty: what was handed over is held by the tally rows alone.
    Object.assign(this, new PairTallies());
    return { size: taken.size, at: (row) => taken.moveTo(row) };
  }

  /** --window: each pair counted per window. */
  windowed(): WindowedPair[] {
    return [...this.windows].map(([row, windows]) => ({
      source: this.sources[row], destination: this.destinations[row], protocol: this.protocols[row], path: this.paths[row], ...(this.ipv6.has(row) && { family: 'ipv6' as const }),
      attempts: windows.attempts, trouble: windows.failures.map((f, i) => f + (windows.degraded[i] ?? 0)),
    }));
  }

  /** A node's or resolver's number, in the order first seen. */
  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) this.nameIds.set(name, (id = this.nameIds.size));
    return id;
  }

  private shared(text: string): string {
    const known = this.strings.get(text);
    if (known !== undefined) return known;
    this.strings.set(text, text);
    return text;
  }

  /** The loss-like counts of a series, or of its confirmation block, onto the pair's row. */
  private addCounts(row: number, counts: Pick<ProbeSeries, 'attempts' | 'successes' | 'outcomes' | 'tcp' | 'udp' | 'dns'>): void {
    const at = row * FIELDS;
    const n = this.numbers;
    n[at + FIELD.attempts] += counts.attempts;
    n[at + FIELD.successes] += counts.successes;
    for (const [outcome, count] of Object.entries(counts.outcomes)) {
      if (outcome === 'ok' || count === 0) continue;
      const failed = this.failures.get(row) ?? {};
      this.failures.set(row, failed);
      const name = this.shared(outcome);
      failed[name] = (failed[name] ?? 0) + count;
    }
    n[at + FIELD.synRetransmits] += counts.tcp?.synRetransmits ?? 0;
    n[at + FIELD.dnsTimeouts] += counts.dns?.timeouts ?? 0;
    const direction = counts.udp?.direction;
    if (direction) {
      n[at + FIELD.hasUdpDirection] = 1;
      n[at + FIELD.udpBasis] += direction.basis;
      n[at + FIELD.udpRequestsLost] += direction.requestsLost;
      n[at + FIELD.udpRepliesLost] += direction.repliesLost;
    }
    const marks = counts.dns?.answeredAtResolverMarks;
    if (marks) {
      const sum = this.resolverMarks.get(row) ?? [];
      this.resolverMarks.set(row, sum);
      marks.forEach((count, resend) => {
        sum[resend] = (sum[resend] ?? 0) + count;
      });
    }
  }
}

/** A PairTallies' columns, as take() hands them over. */
interface TallyColumns {
  numbers: Float64Array;
  sources: readonly string[];
  destinations: readonly string[];
  protocols: readonly Protocol[];
  paths: readonly NetworkPath[];
  ipv6: ReadonlySet<number>;
  targets: readonly string[];
  histograms: HistogramStore;
  failures: ReadonlyMap<number, Record<string, number>>;
  resolverMarks: ReadonlyMap<number, number[]>;
  windows: ReadonlyMap<number, TallyWindows>;
}

/** One PairTally, moved from row to row of the columns (TalliedPairs.at). */
class TallyRow implements PairTally {
  source = '';
  destination = '';
  protocol: Protocol = 'tcp';
  path: NetworkPath = 'pod';
  family: 'ipv6' | undefined = undefined;
  target = '';
  attempts = 0;
  successes = 0;
  errors = NO_ERRORS;
  synRetransmits = 0;
  dnsTimeouts = 0;
  dnsAnsweredAtResolverMarks = NO_MARKS;
  inBursts = NO_PROBES;
  degradedOutsideBursts = 0;
  confirmed = false;
  confirmedAttempts = 0;
  confirmedSuccesses = 0;
  confirmedSynRetransmits = 0;
  confirmedMs = 0;
  private row = -1;
  private readonly errorRecords = new Interned<Record<string, number>>();
  private readonly columns: TallyColumns;
  private readonly burstWindows: ReadonlySet<number>;

  constructor(columns: TallyColumns, burstWindows: ReadonlySet<number>) {
    this.columns = columns;
    this.burstWindows = burstWindows;
  }

  get size(): number {
    return this.columns.sources.length;
  }

  moveTo(row: number): PairTally {
    const { columns } = this;
    const n = columns.numbers;
    const at = row * FIELDS;
    this.row = row;
    this.source = columns.sources[row];
    this.destination = columns.destinations[row];
    this.protocol = columns.protocols[row];
    this.path = columns.paths[row];
    this.family = columns.ipv6.has(row) ? 'ipv6' : undefined;
    this.target = columns.targets[row];
    this.attempts = n[at + FIELD.attempts];
    this.successes = n[at + FIELD.successes];
    this.errors = this.errorsOf(row);
    this.synRetransmits = n[at + FIELD.synRetransmits];
    this.dnsTimeouts = n[at + FIELD.dnsTimeouts];
    this.dnsAnsweredAtResolverMarks = columns.resolverMarks.get(row) ?? NO_MARKS;
    this.confirmed = n[at + FIELD.hasConfirmation] === 1;
    this.confirmedAttempts = n[at + FIELD.confirmedAttempts];
    this.confirmedSuccesses = n[at + FIELD.confirmedSuccesses];
    this.confirmedSynRetransmits = n[at + FIELD.confirmedSynRetransmits];
    this.confirmedMs = n[at + FIELD.confirmedMs];
    const perWindow = columns.windows.get(row);
    const split = perWindow ? splitByBursts(perWindow, this.burstWindows) : null;
    this.inBursts = split?.inBursts ?? NO_PROBES;
    this.degradedOutsideBursts = split?.degradedOutsideBursts ?? 0;
    return this;
  }

  udpDirection(): { basis: number; requestsLost: number; repliesLost: number } | null {
    const n = this.columns.numbers;
    const at = this.row * FIELDS;
    return n[at + FIELD.hasUdpDirection] ? { basis: n[at + FIELD.udpBasis], requestsLost: n[at + FIELD.udpRequestsLost], repliesLost: n[at + FIELD.udpRepliesLost] } : null;
  }

  latencyQuantiles(qs: readonly number[]): (number | null)[] {
    return this.columns.histograms.quantiles(this.row, qs);
  }

  latencyCountAtLeast(limitMs: number): number {
    return this.columns.histograms.countAtLeast(this.row, limitMs);
  }

  private errorsOf(row: number): Record<string, number> {
    const failed = this.columns.failures.get(row);
    if (!failed) return NO_ERRORS;
    const sorted = sortedFailures(failed);
    const key = JSON.stringify(sorted);
    return this.errorRecords.find(key) ?? this.errorRecords.keep(key, sorted);
  }
}

/** The burst-window counts of a pair without --window counts. */
const NO_PROBES: WindowCounts = Object.freeze({ attempts: 0, failures: 0, degraded: 0 });

/** A pair's probes in the burst windows, and its successes the hard way outside them. */
function splitByBursts(windows: TallyWindows, burstWindows: ReadonlySet<number>): Pick<PairTally, 'inBursts' | 'degradedOutsideBursts'> {
  const inBursts = { attempts: 0, failures: 0, degraded: 0 };
  let degradedOutsideBursts = 0;
  windows.attempts.forEach((attempts, w) => {
    const degraded = windows.degraded[w] ?? 0;
    if (!burstWindows.has(w)) {
      degradedOutsideBursts += degraded;
      return;
    }
    inBursts.attempts += attempts;
    inBursts.failures += windows.failures[w] ?? 0;
    inBursts.degraded += degraded;
  });
  return { inBursts, degradedOutsideBursts };
}

function addWindows(sum: TallyWindows, windows: SeriesWindows): void {
  windows.attempts.forEach((n, w) => {
    sum.attempts[w] = (sum.attempts[w] ?? 0) + n;
    sum.failures[w] = (sum.failures[w] ?? 0) + (windows.failures[w] ?? 0);
    sum.degraded[w] = (sum.degraded[w] ?? 0) + (windows.degraded[w] ?? 0);
  });
}

/** A pair's protocol, path and family as one number below VARIANTS: a row key is destination id · VARIANTS + variant, a small integer while ids stay below 2^25. */
const VARIANTS = 32;
const PATHS: readonly NetworkPath[] = ['pod', 'host', 'service'];
function variant(series: Pick<ProbeSeries, 'protocol' | 'path' | 'family'>): number {
  return (PROTOCOLS.indexOf(series.protocol) * PATHS.length + PATHS.indexOf(series.path)) * 2 + (series.family === 'ipv6' ? 1 : 0);
}

/** A row's failures by outcome with the keys sorted, for a stable report (addCounts never records 'ok' or a 0). */
function sortedFailures(failed: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.keys(failed).sort().map((outcome) => [outcome, failed[outcome]]));
}

/** The errors of the pairs without any (most of them), one frozen record for all. */
const NO_ERRORS: Record<string, number> = Object.freeze({});
/** The resolver marks of a pair that has none (not DNS), one frozen list for all. */
const NO_MARKS: number[] = Object.freeze([]) as unknown as number[];
