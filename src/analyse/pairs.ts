// Merges the agents' probe series into one tally per (source, destination, protocol, path):
// several series can feed one pair (DNS variants and names), and histograms merge exactly.
// Confirmation probes (plan.confirm) add to the loss-like counts, not to the latency
// histogram or the windows: they come after the main window, at another rate.
import type { AgentResult, ProbeSeries } from '../shared/agent-result.ts';
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

/** `burstWindows`: the windows timeline.ts found bursts in; their probes are counted apart (inBursts). */
export function tallyPairs(results: readonly AgentResult[], burstWindows: ReadonlySet<number> = new Set()): PairTally[] {
  const tallies = new Map<string, PairTally>();
  for (const result of results) {
    for (const series of result.series) {
      const identity = { source: result.node, destination: series.destination, protocol: series.protocol, path: series.path, ...(series.family && { family: series.family }) };
      const key = pairKey(identity);
      const latency = LatencyHistogram.fromJSON(series.latency);
      let tally = tallies.get(key);
      if (tally) tally.latency.merge(latency);
      else {
        tally = {
          ...identity, targets: [], attempts: 0, successes: 0, latency, outcomes: {}, synRetransmits: 0, dnsTimeouts: 0, dnsAnsweredAtResolverMarks: [], udpDirection: null,
          inBursts: { attempts: 0, failures: 0, degraded: 0 }, degradedOutsideBursts: 0, confirmation: null,
        };
        tallies.set(key, tally);
      }
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
      series.windows?.attempts.forEach((attempts, w) => {
        const degraded = series.windows!.degraded[w] ?? 0;
        if (!burstWindows.has(w)) {
          tally.degradedOutsideBursts += degraded;
          return;
        }
        tally.inBursts.attempts += attempts;
        tally.inBursts.failures += series.windows!.failures[w] ?? 0;
        tally.inBursts.degraded += degraded;
      });
    }
  }
  return [...tallies.values()];
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

/** Failed probes by outcome, 'ok' left out, keys sorted for a stable report. */
export function errorCounts(outcomes: Record<string, number>): Record<string, number> {
  const errors: Record<string, number> = {};
  for (const outcome of Object.keys(outcomes).sort()) if (outcome !== 'ok' && outcomes[outcome] > 0) errors[outcome] = outcomes[outcome];
  return errors;
}
