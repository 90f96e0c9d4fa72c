// Merges the agents' probe series into one tally per (source, destination, protocol, path):
// several series can feed one pair (DNS variants and names), and histograms merge exactly.
// Confirmation probes (plan.confirm) add to the loss-like counts, not to the latency
// histogram or the windows: they come after the main window, at another rate.
import type { ProbeSeries, SeriesWindows } from '../shared/agent-result.ts';
import { LatencyHistogram } from '../shared/histogram.ts';
import type { NetworkPath, Protocol } from '../shared/plan.ts';

export interface PairTally {
  source: string;
  destination: string;
  protocol: Protocol;
  path: NetworkPath;
  /** IPv6 pairs are pairs of their own: a dual-stack cluster has two networks between the same nodes. */
  family?: 'ipv6';
  targets: string[];
  /** Main window and confirmation together, as every loss-like count below. */
  attempts: number;
  successes: number;
  /** The main window's successes only. */
  latency: LatencyHistogram;
  outcomes: Record<string, number>;
  synRetransmits: number;
  dnsTimeouts: number;
  dnsAnsweredAtResolverMarks: number[];
  /** UDP: lost on the way there vs answers lost on the way back (from the echoes' receive counts). */
  udpDirection: { basis: number; requestsLost: number; repliesLost: number } | null;
  /** --window: the probes that started in burst windows, which the burst findings report. */
  inBursts: WindowCounts;
  /** --window: successes the hard way in the other windows (connects after SYN retransmits, answers at resolver marks). */
  degradedOutsideBursts: number;
  /** The confirmation probes among the counts; null when none were made. */
  confirmation: { attempts: number; successes: number; synRetransmits: number; durationMs: number } | null;
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
 * The agents' series folded into one tally per pair as each result is parsed, so that no
 * result needs keeping: a tally is a few counts and one histogram, however many series and
 * windows fed it. Per-window counts are kept per pair (not per series) until the bursts are
 * known (tallies()).
 */
export class PairTallies {
  private readonly entries = new Map<string, { tally: PairTally; windows: TallyWindows | null }>();

  get size(): number {
    return this.entries.size;
  }

  /** One series of the agent on `source`. */
  add(source: string, series: ProbeSeries): void {
    const identity = { source, destination: series.destination, protocol: series.protocol, path: series.path, ...(series.family && { family: series.family }) };
    const key = pairKey(identity);
    const latency = LatencyHistogram.fromJSON(series.latency);
    let entry = this.entries.get(key);
    if (entry) entry.tally.latency.merge(latency);
    else {
      entry = {
        tally: {
          // A literal of one: a list grown by push reserves 16 slots, at 165,000 pairs ~20 MB.
          ...identity, targets: [series.target], attempts: 0, successes: 0, latency, outcomes: {}, synRetransmits: 0, dnsTimeouts: 0, dnsAnsweredAtResolverMarks: [], udpDirection: null,
          inBursts: { attempts: 0, failures: 0, degraded: 0 }, degradedOutsideBursts: 0, confirmation: null,
        },
        windows: null,
      };
      this.entries.set(key, entry);
    }
    const { tally } = entry;
    if (!tally.targets.includes(series.target)) tally.targets.push(series.target);
    addCounts(tally, series);
    if (series.confirmation) {
      addCounts(tally, series.confirmation);
      const sum = tally.confirmation ?? { attempts: 0, successes: 0, synRetransmits: 0, durationMs: 0 };
      tally.confirmation = {
        attempts: sum.attempts + series.confirmation.attempts,
        successes: sum.successes + series.confirmation.successes,
        synRetransmits: sum.synRetransmits + (series.confirmation.tcp?.synRetransmits ?? 0),
        durationMs: Math.max(sum.durationMs, series.confirmation.durationMs),
      };
    }
    if (series.windows) {
      entry.windows ??= { attempts: [], failures: [], degraded: [] };
      addWindows(entry.windows, series.windows);
    }
  }

  /** Each pair's counts so far (the burst windows not yet told apart), kept here. */
  counts(): readonly PairTally[] {
    return [...this.entries.values()].map(({ tally }) => tally);
  }

  /**
   * Every pair's tally, handed over: they are no longer kept here, so that once judged (a
   * 5,000-node run has ~165,000, ~2 KB each with its histogram) they can go before the report
   * is rendered. `burstWindows`: the windows timeline.ts found bursts in, whose probes are
   * counted apart (inBursts).
   */
  take(burstWindows: ReadonlySet<number> = new Set()): PairTally[] {
    const entries = [...this.entries.values()];
    this.entries.clear();
    return entries.map(({ tally, windows }) => {
      tally.inBursts = { attempts: 0, failures: 0, degraded: 0 };
      tally.degradedOutsideBursts = 0;
      windows?.attempts.forEach((attempts, w) => {
        const degraded = windows.degraded[w] ?? 0;
        if (!burstWindows.has(w)) {
          tally.degradedOutsideBursts += degraded;
          return;
        }
        tally.inBursts.attempts += attempts;
        tally.inBursts.failures += windows.failures[w] ?? 0;
        tally.inBursts.degraded += degraded;
      });
      return tally;
    });
  }

  /** --window: each pair counted per window. */
  windowed(): WindowedPair[] {
    return [...this.entries.values()].filter(({ windows }) => windows).map(({ tally: { source, destination, protocol, path, family }, windows }) => ({
      source, destination, protocol, path, ...(family && { family }),
      attempts: windows!.attempts, trouble: windows!.failures.map((f, i) => f + (windows!.degraded[i] ?? 0)),
    }));
  }
}

/** The loss-like counts of a series, or of its confirmation block, onto the pair's tally. */
function addCounts(tally: PairTally, counts: Pick<ProbeSeries, 'attempts' | 'successes' | 'outcomes' | 'tcp' | 'udp' | 'dns'>): void {
  tally.attempts += counts.attempts;
  tally.successes += counts.successes;
  for (const [outcome, n] of Object.entries(counts.outcomes)) tally.outcomes[outcome] = (tally.outcomes[outcome] ?? 0) + n;
  tally.synRetransmits += counts.tcp?.synRetransmits ?? 0;
  tally.dnsTimeouts += counts.dns?.timeouts ?? 0;
  const direction = counts.udp?.direction;
  if (direction) {
    const sum = tally.udpDirection ?? { basis: 0, requestsLost: 0, repliesLost: 0 };
    tally.udpDirection = { basis: sum.basis + direction.basis, requestsLost: sum.requestsLost + direction.requestsLost, repliesLost: sum.repliesLost + direction.repliesLost };
  }
  counts.dns?.answeredAtResolverMarks.forEach((n, resend) => {
    tally.dnsAnsweredAtResolverMarks[resend] = (tally.dnsAnsweredAtResolverMarks[resend] ?? 0) + n;
  });
}

function addWindows(sum: TallyWindows, windows: SeriesWindows): void {
  windows.attempts.forEach((n, w) => {
    sum.attempts[w] = (sum.attempts[w] ?? 0) + n;
    sum.failures[w] = (sum.failures[w] ?? 0) + (windows.failures[w] ?? 0);
    sum.degraded[w] = (sum.degraded[w] ?? 0) + (windows.degraded[w] ?? 0);
  });
}

/** Failed probes by outcome, 'ok' left out, keys sorted for a stable report. */
export function errorCounts(outcomes: Record<string, number>): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const outcome of Object.keys(outcomes).sort()) if (outcome !== 'ok' && outcomes[outcome] > 0) errors[outcome] = outcomes[outcome];
  return errors;
}
