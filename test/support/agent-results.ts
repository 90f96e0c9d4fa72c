// Crafts agent result documents for analysis and rendering tests: exact counts per pair,
// latencies through the real LatencyHistogram, and a seeded random source for noise.
import { AGENT_RESULT_KIND, AGENT_RESULT_SCHEMA_VERSION, NET_COUNTER_NAMES, type AgentResult, type ConntrackStats, type NetCounters, type ProbeSeries, type SeriesWindows } from '../../src/shared/agent-result.ts';
import { LatencyHistogram } from '../../src/shared/histogram.ts';
import type { NetworkPath, Protocol } from '../../src/shared/plan.ts';

export const RESOLVER = 'dns:10.96.0.10';

export interface PairSpec {
  attempts: number;
  /** Failed probes, with outcome `lostAs` (default 'timeout'). */
  lost?: number;
  lostAs?: string;
  /** Further failed probes with outcome ENOBUFS. */
  enobufs?: number;
  /** TCP: SYNs retransmitted; that many connects take one initial RTO (1 s) longer. */
  synRetransmits?: number;
  /** DNS: lookups answered after 1, 2, … resends (they take 5 s, 10 s). */
  answeredAtResolverMarks?: number[];
  /** UDP: the echoes' split of the losses (see UdpDetail.direction); default: every loss a request that never arrived, absent (nothing echoed) when nothing succeeded. */
  udpDirection?: { basis: number; requestsLost: number; repliesLost: number } | null;
  /** Latency of the i-th success in ms (default 0.5 ms). */
  latencyMs?: (i: number) => number;
  /** --window: the same probes per window (see windowedPair). */
  windows?: SeriesWindows;
  /** Confirmation probes after the main window (plan.confirm): their own counts, none of them in the latency histogram. */
  confirmation?: { attempts: number; lost?: number; synRetransmits?: number; durationMs?: number };
}

/** --window: `attemptsPerWindow` probes in each of `lostPerWindow.length` windows, that many lost in each; the totals follow. */
export function windowedPair(attemptsPerWindow: number, lostPerWindow: readonly number[]): PairSpec {
  const windows = lostPerWindow.length;
  return {
    attempts: attemptsPerWindow * windows,
    lost: lostPerWindow.reduce((a, b) => a + b, 0),
    windows: { attempts: new Array<number>(windows).fill(attemptsPerWindow), failures: [...lostPerWindow], degraded: new Array<number>(windows).fill(0) },
  };
}

export function probeSeries(destination: string, protocol: Protocol, spec: PairSpec, path: NetworkPath = protocol === 'dns' ? 'service' : 'pod'): ProbeSeries {
  const lost = spec.lost ?? 0;
  const enobufs = spec.enobufs ?? 0;
  const successes = spec.attempts - lost - enobufs;
  const marks = spec.answeredAtResolverMarks ?? [];
  const slowConnects = spec.synRetransmits ?? 0;
  // Answers after resend r come at (r + 1) × the 5 s resolver timeout.
  const markDelays = marks.flatMap((n, resend) => new Array<number>(n).fill((resend + 1) * 5000));
  const latency = new LatencyHistogram();
  for (let i = 0; i < successes; i++) {
    const synDelay = protocol === 'tcp' && i < slowConnects ? 1000 : 0;
    latency.record((spec.latencyMs?.(i) ?? 0.5) + synDelay + (markDelays[i] ?? 0));
  }
  const outcomes: Record<string, number> = {};
  if (successes) outcomes.ok = successes;
  if (lost) outcomes[spec.lostAs ?? 'timeout'] = lost;
  if (enobufs) outcomes.ENOBUFS = enobufs;
  const series: ProbeSeries = {
    protocol, destination, path, target: protocol === 'dns' ? `${destination.slice(4)}:53` : `${destination}:7000`,
    attempts: spec.attempts, successes, latency: latency.toJSON(), outcomes,
  };
  if (protocol === 'tcp') series.tcp = { synRetransmits: slowConnects, requestLatency: new LatencyHistogram().toJSON() };
  if (protocol === 'udp') {
    const direction = spec.udpDirection === undefined ? (successes > 0 ? { basis: spec.attempts, requestsLost: lost + enobufs, repliesLost: 0 } : null) : spec.udpDirection;
    series.udp = { duplicates: 0, reordered: 0, late: 0, ...(direction && { direction }) };
  }
  if (spec.windows) series.windows = spec.windows;
  if (spec.confirmation) {
    const confirmed = probeSeries(destination, protocol, { attempts: spec.confirmation.attempts, lost: spec.confirmation.lost, synRetransmits: spec.confirmation.synRetransmits }, path);
    series.confirmation = {
      attempts: confirmed.attempts, successes: confirmed.successes, latency: confirmed.latency, outcomes: confirmed.outcomes,
      ...(confirmed.tcp && { tcp: confirmed.tcp }), ...(confirmed.udp && { udp: confirmed.udp }), ...(confirmed.dns && { dns: confirmed.dns }),
      durationMs: spec.confirmation.durationMs ?? 10_000,
    };
  }
  if (protocol === 'dns') {
    series.dns = { variant: 'a+aaaa', names: ['kubernetes.default'], timeouts: lost, answeredAtResolverMarks: marks.length ? marks : [0], rcodes: { NOERROR: 2 * successes } };
  }
  return series;
}

export interface ResultOptions {
  kernel?: string;
  delta?: Partial<NetCounters>;
  /** Host-network agents: conntrack statistics' deltas over the run (start at 0). */
  conntrack?: ConntrackStats;
  latencyFloor?: AgentResult['latencyFloor'];
  /** --window: where window 0 starts, and the window length. */
  timeline?: { originAt: string; windowMs: number };
}

export function agentResult(node: string, series: ProbeSeries[], options: ResultOptions = {}): AgentResult {
  const zero = Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, 0])) as unknown as NetCounters;
  const inferred = series.reduce((n, s) => n + (s.tcp?.synRetransmits ?? 0), 0);
  const delta: NetCounters = { ...zero, TCPSynRetrans: inferred, ...options.delta };
  return {
    kind: AGENT_RESULT_KIND,
    schemaVersion: AGENT_RESULT_SCHEMA_VERSION,
    node,
    runToken: 'run-test',
    startedAt: '2026-01-01T00:00:00.000Z',
    endedAt: '2026-01-01T00:00:30.000Z',
    kernel: { release: options.kernel ?? '6.1.0-18-amd64', synLinearTimeouts: null, synRetries: 6 },
    settings: { durationMs: 30000, ratePerSecond: 10, protocols: ['tcp', 'udp', 'dns'] },
    series,
    served: { tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 },
    counters: { start: zero, end: delta, delta },
    self: { cpuMs: 100, maxRssBytes: 50e6 },
    warnings: [],
    final: true,
    ...(options.timeline && { timeline: options.timeline }),
    ...(options.latencyFloor && { latencyFloor: options.latencyFloor }),
    ...(options.conntrack && { conntrack: { start: { insert_failed: 0, drop: 0, early_drop: 0 }, end: options.conntrack, delta: options.conntrack } }),
  };
}

export type PairSpecOf = (source: string, destination: string, protocol: Protocol, path?: NetworkPath) => PairSpec;

/** Every node probes every other node on each path (and the resolver, for 'dns'). */
export function matrixResults(
  nodes: readonly string[], protocols: readonly Protocol[], specOf: PairSpecOf, options: (node: string) => ResultOptions = () => ({}), paths: readonly NetworkPath[] = ['pod'],
): AgentResult[] {
  return nodes.map((source) => {
    const series: ProbeSeries[] = [];
    for (const protocol of protocols) {
      for (const path of protocol === 'dns' ? ['service' as const] : paths) {
        const destinations = protocol === 'dns' ? [RESOLVER] : nodes.filter((d) => d !== source);
        for (const destination of destinations) series.push(probeSeries(destination, protocol, specOf(source, destination, protocol, path), path));
      }
    }
    return agentResult(source, series, options(source));
  });
}

/** Deterministic uniform [0, 1) numbers (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Binomial(n, p) draw: n Bernoulli trials, jumping from one success to the next (geometric gaps), so thousands of trials at a small p cost a few draws. */
export function binomial(random: () => number, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  let k = 0;
  for (let at = 0; ; k++) {
    at += Math.max(1, Math.ceil(Math.log(1 - random()) / Math.log1p(-p)));
    if (at > n) return k;
  }
}

/**
 * A healthy cluster's noise: lognormal sub-millisecond latency with a GC-pause spike in
 * 500, loss, SYN retransmits and DNS answers at the resolver marks each at 1e-3 (ten
 * times Pingmesh's typical drop rate), 300 probes per pair.
 */
export function healthyNoise(seed: number): PairSpecOf {
  const random = seededRandom(seed);
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const latencyMs = () => (random() < 1 / 500 ? 5 + 15 * random() : 0.4 * Math.exp(0.5 * gaussian()));
  return (_source, _destination, protocol) => ({
    attempts: 300,
    lost: binomial(random, 300, 0.001),
    synRetransmits: protocol === 'tcp' ? binomial(random, 300, 0.001) : 0,
    answeredAtResolverMarks: protocol === 'dns' ? [binomial(random, 300, 0.001)] : [],
    latencyMs,
  });
}

export const RUN = { id: 'run-test', start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:00:30.000Z', settings: { durationMs: 30000, ratePerSecond: 10, protocols: ['tcp', 'udp', 'dns'] } };

export function nodeNames(count: number, prefix = 'node-'): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}`);
}
