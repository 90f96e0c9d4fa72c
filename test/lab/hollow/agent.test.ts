// The hollow agent on its own (no API): its documents are the real agent's, parsed by the CLI's
// own parser, and each fault of the model looks the way the real one looks to the real agent.
import { analyse } from '../../../src/analyse/analyse.ts';
import { DEFAULT_THRESHOLDS } from '../../../src/analyse/options.ts';
import { parseAgentResult } from '../../../src/collect/parse-agent-result.ts';
import type { AgentResult, ProbeSeries } from '../../../src/shared/agent-result.ts';
import { LatencyHistogram } from '../../../src/shared/histogram.ts';
import { PROBE_DEFAULTS, type AgentPlan } from '../../../src/shared/plan.ts';
import type { LabNode } from '../contracts.ts';
import { HollowAgent, type Destination, type HollowWorld, type Listener } from './agent.ts';
import type { HollowFault } from './faults.ts';
import { NetworkModel } from './network-model.ts';

const DNS_IP = '198.18.64.10';
const TOKEN = 'run1';
const START = Date.parse('2026-01-01T00:00:00Z');

const node = (i: number, kernelVersion = '6.12.0'): LabNode => ({
  name: `node${i}`, internalIP: `198.18.0.${10 + i}`, podCIDR: `198.19.${i}.0/24`, netns: '',
  labels: { 'topology.kubernetes.io/zone': i % 2 ? 'zone-a' : 'zone-b' }, taints: [], kernelVersion,
});

/** A cluster of responders, one per node at 198.19.i.2, and the cluster DNS on node 1. */
class World implements HollowWorld {
  readonly nodes: LabNode[];
  readonly responders = new Map<string, Listener & { kind: 'responder' }>();

  constructor(nodes: LabNode[]) {
    this.nodes = nodes;
    for (const n of nodes) this.responders.set(n.name, { kind: 'responder', runToken: TOKEN, served: { tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 } });
  }

  destination(ip: string): Destination {
    if (ip === DNS_IP) return { kind: 'host', node: this.nodes[0], listener: { kind: 'dns' } };
    const n = this.nodes.find((x) => x.podCIDR.startsWith(ip.split('.').slice(0, 3).join('.')));
    return n ? { kind: 'host', node: n, listener: this.responders.get(n.name) } : { kind: 'nobody' };
  }

  rcode(): string {
    return 'NOERROR';
  }
}

interface AgentSetup {
  world: World;
  from: LabNode;
  to: LabNode[];
  faults?: Omit<HollowFault, 'since'>[];
  plan?: Partial<AgentPlan>;
  seed?: string;
  /** A rotation's windows per peer (index in `to`); absent: every window. */
  windowsOf?: (number[] | null)[];
}

function agent({ world, from, to, faults = [], plan = {}, seed = 'test', windowsOf = [] }: AgentSetup): HollowAgent {
  const full: AgentPlan = {
    planVersion: 1, runToken: TOKEN, node: from.name, startAt: new Date(START + 3000).toISOString(), protocols: ['tcp', 'udp', 'dns'],
    durationMs: 30_000, ratePerSecond: 2, ...PROBE_DEFAULTS,
    peers: to.map((n) => ({ node: n.name, ip: n.podCIDR.replace(/0\/24$/, '2'), tcpPort: 7400, udpPort: 7401, path: 'pod' })),
    dns: { names: ['kubernetes.default.svc.cluster.local'], queryTimeoutMs: 2000, resolverTimeoutMs: 5000, resolverAttempts: 2 },
    ...plan,
  };
  return new HollowAgent({
    plan: full, targets: full.peers.map((peer, i) => ({ peer, windows: windowsOf[i] ?? null })),
    node: from, hostNetwork: false, startedAt: START, seed, resolver: DNS_IP, model: new NetworkModel(7), world,
    faults: () => faults.map((f) => ({ ...f, since: 0 })),
  });
}

const seriesTo = (result: AgentResult, protocol: string, destination: string): ProbeSeries =>
  result.series.find((s) => s.protocol === protocol && s.destination === destination)!;
/** How many successful probes took from `low` to `high` ms (to the histogram's 1 %). */
const between = (s: ProbeSeries, low: number, high: number): number => {
  const h = LatencyHistogram.fromJSON(s.latency);
  return h.countAtLeast(low) - h.countAtLeast(high);
};

describe('a hollow agent', () => {
  const nodes = [1, 2, 3, 4, 5, 6].map((i) => node(i));

  test('prints the real agent\'s documents at its times: one per window (final: false), then the last', () => {
    const prober = agent({ world: new World(nodes), from: nodes[1], to: [nodes[2], nodes[3]], plan: { windowMs: 10_000 } });
    const { untilStart, loopsClose } = prober.timetable;
    expect(untilStart).toBe(3000);
    // The loops close at the first pacer tick past the window: within one interval (±20 %) after it.
    expect(loopsClose).toBeGreaterThanOrEqual(3000 + 30_000);
    expect(loopsClose).toBeLessThan(3000 + 30_000 + 600);
    const interim = prober.document(untilStart + 10_000);
    expect(interim).toMatchObject({ final: false, timeline: { originAt: new Date(START + 3000).toISOString(), windowMs: 10_000 } });
    for (const s of interim.series) expect(s.windows!.attempts.length).toBe(1);
    const final = prober.finalDocument();
    // Drain: the longest probe still running at the window's end (a+aaaa DNS: up to 2 × 5 s).
    expect(final.at).toBeGreaterThanOrEqual(loopsClose);
    expect(final.at).toBeLessThan(loopsClose + 10_000);
    expect(final.result.final).toBe(true);
    const parsed = parseAgentResult(JSON.stringify(final.result), 'hollow agent', { node: 'node2', runToken: TOKEN });
    expect(parsed.series.map((s) => `${s.protocol} ${s.destination}`)).toEqual(['tcp node3', 'udp node3', 'tcp node4', 'udp node4', 'dns dns:198.18.64.10', 'dns dns:198.18.64.10']);
    for (const s of parsed.series) {
      // 2/s for 30 s, ±1 for where the first interval's random start falls.
      expect(s.attempts).toBeGreaterThanOrEqual(58);
      expect(s.attempts).toBeLessThanOrEqual(62);
      expect(s.windows!.attempts.reduce((a, b) => a + b, 0)).toBe(s.attempts);
      expect(s.windows!.attempts).toHaveLength(3);
    }
    parseAgentResult(JSON.stringify(interim), 'hollow agent interim', { node: 'node2', runToken: TOKEN, interrupted: true });
    expect(() => parseAgentResult(JSON.stringify(interim), 'hollow agent interim', { node: 'node2', runToken: TOKEN })).toThrow(/no final result/);
    expect(interim.series[0].attempts).toBeLessThan(final.result.series[0].attempts);
  });

  test('a rotation\'s peer is probed in its own windows only, at the plan\'s rate, as run.ts paces it', () => {
    const prober = agent({ world: new World(nodes), from: nodes[1], to: [nodes[2], nodes[3]], plan: { windowMs: 10_000, dns: undefined }, windowsOf: [[0, 2], [1]] });
    const { series } = prober.finalDocument().result;
    const attempts = (destination: string) => series.find((s) => s.protocol === 'udp' && s.destination === destination)!.windows!.attempts;
    const [w0, w1, w2] = attempts('node3');
    expect(w1).toBe(0);
    // 2/s for 10 s, ±1 for where each loop's random start falls.
    for (const n of [w0, w2]) expect(Math.abs(n - 20)).toBeLessThanOrEqual(1);
    const other = attempts('node4');
    expect(other[0]).toBe(0);
    expect(Math.abs(other[1] - 20)).toBeLessThanOrEqual(1);
    expect(other[2] ?? 0).toBe(0);
  });

  test('clean pairs: a millisecond across zones, less within one, each pair its own, now and then a lost packet; no finding from the real analysis', () => {
    const mesh = Array.from({ length: 12 }, (_, i) => node(i + 1));
    const world = new World(mesh);
    const results = mesh.map((from) => agent({ world, from, to: mesh.filter((n) => n !== from), plan: { ratePerSecond: 10 } }).finalDocument().result);
    const medians = (sameZone: boolean) => results.flatMap((r) => r.series.filter((s) => s.protocol === 'tcp' && (Number(s.destination.slice(4)) % 2 === Number(r.node.slice(4)) % 2) === sameZone)
      .map((s) => LatencyHistogram.fromJSON(s.latency).quantile(0.5)!));
    const same = medians(true);
    const cross = medians(false);
    expect(Math.max(...same)).toBeLessThan(Math.min(...cross));
    expect(Math.min(...cross)).toBeGreaterThan(0.4);
    expect(Math.max(...cross)).toBeLessThan(3);
    // Each pair its own: their mean round trips (not bucketed, unlike the quantiles) differ.
    const means = results.flatMap((r) => r.series.filter((s) => s.protocol === 'tcp').map((s) => (s.latency.sum / s.latency.count).toFixed(4)));
    expect(new Set(means).size).toBeGreaterThan(0.9 * means.length);
    // Not trivially perfect: probes of one pair vary, and background loss (1e-5 … 2e-4 a packet
    // over ~80,000 probes) costs some of them a retransmitted SYN or the probe itself.
    const tcp = results.flatMap((r) => r.series.filter((s) => s.protocol === 'tcp'));
    expect(tcp.every((s) => s.latency.max! > 1.2 * s.latency.min!)).toBe(true);
    const troubled = results.flatMap((r) => r.series).filter((s) => s.successes < s.attempts || (s.tcp?.synRetransmits ?? 0) > 0);
    expect(troubled.length).toBeGreaterThan(0);
    const report = analyse({ run: { id: 'x', start: '', end: '', settings: {} }, nodes: mesh.map((n) => ({ name: n.name })), results });
    expect(report.findings).toEqual([]);
    expect(report.pairs.filter((p) => p.status !== 'ok')).toEqual([]);
  });

  test('syn-drop: connects that succeed after 1, 2, 3 … s on a linear-timeout kernel (>= 6.5), after 1, 3 s before; the kernel counts what the times say', () => {
    const linear = node(7, '6.12.0');
    const classic = node(8, '5.15.0');
    const world = new World([...nodes, linear, classic]);
    const faults = [{ kind: 'syn-drop' as const, from: '*', to: 'node3', percent: 50 }];
    for (const [from, marks, gaps] of [[linear, [1000, 2000, 3000], [[1100, 1900], [2100, 2900]]], [classic, [1000, 3000], [[1100, 2900], [3100, 5400]]]] as const) {
      const result = agent({ world, from, to: [nodes[2], nodes[3]], faults, plan: { ratePerSecond: 5 } }).finalDocument().result;
      const tcp = seriesTo(result, 'tcp', 'node3');
      expect(result.kernel.synLinearTimeouts).toBe(from === linear ? 4 : null);
      for (const mark of marks) expect(between(tcp, mark, mark + 50)).toBeGreaterThan(0);
      for (const [low, high] of gaps) expect(between(tcp, low, high)).toBe(0);
      expect(between(tcp, 10, 950)).toBe(0);
      expect(tcp.tcp!.synRetransmits).toBeGreaterThan(0.3 * tcp.attempts);
      expect(result.counters.delta.TCPSynRetrans).toBe(result.series.reduce((n, s) => n + (s.tcp?.synRetransmits ?? 0), 0));
      // Only SYNs are dropped: the UDP probes to the same node and the TCP ones elsewhere get through.
      expect(seriesTo(result, 'udp', 'node3').successes).toBe(seriesTo(result, 'udp', 'node3').attempts);
      expect(seriesTo(result, 'tcp', 'node4').tcp!.synRetransmits).toBeLessThanOrEqual(1);
    }
  });

  test('udp-loss on one direction: that side\'s requests are lost, and the other side\'s answers, as the echo counts tell', () => {
    const world = new World(nodes);
    const faults = [{ kind: 'udp-loss' as const, from: 'node2', to: 'node3', percent: 40 }];
    const result = agent({ world, from: nodes[1], to: [nodes[2]], faults }).finalDocument().result;
    const there = seriesTo(result, 'udp', 'node3');
    // TCP on the same way is not UDP: untouched.
    const tcp = seriesTo(result, 'tcp', 'node3');
    expect([tcp.successes, tcp.tcp!.synRetransmits <= 1]).toEqual([tcp.attempts, true]);
    const back = seriesTo(agent({ world, from: nodes[2], to: [nodes[1]], faults }).finalDocument().result, 'udp', 'node2');
    for (const [series, lost, kept] of [[there, 'requestsLost', 'repliesLost'], [back, 'repliesLost', 'requestsLost']] as const) {
      const direction = series.udp!.direction!;
      // 40 % of ~60, with four standard deviations (√(60 · 0.4 · 0.6) ≈ 3.8) either side.
      expect(direction[lost]).toBeGreaterThan(24 - 15);
      expect(direction[lost]).toBeLessThan(24 + 15);
      expect(direction[kept]).toBeLessThanOrEqual(1);
      expect(series.attempts - series.successes).toBeGreaterThanOrEqual(direction[lost]);
    }
  });

  test('dns-drop: single lookups time out, and the libc pair is answered at the resolver\'s 5 s mark or not at all', () => {
    const result = agent({ world: new World(nodes), from: nodes[2], to: [], faults: [{ kind: 'dns-drop', from: 'node3', percent: 50 }], plan: { protocols: ['dns'] } }).finalDocument().result;
    const [single, pair] = result.series;
    expect(single.dns!.variant).toBe('single');
    expect(single.dns!.timeouts).toBe(single.attempts - single.successes);
    expect(single.dns!.timeouts / single.attempts).toBeGreaterThan(0.25);
    expect(pair.dns!.variant).toBe('a+aaaa');
    const atMark = pair.dns!.answeredAtResolverMarks[0];
    // Both questions answered at once: 1/4; one lost, then answered on the resend: more than a third.
    expect(atMark / pair.attempts).toBeGreaterThan(0.15);
    expect(between(pair, 5000, 5050)).toBe(atMark);
    expect(between(pair, 50, 4990)).toBe(0);
    expect(pair.dns!.timeouts).toBeGreaterThan(0);
    expect(pair.windows).toBeUndefined();
  });

  test('blackhole: everything times out both ways, each connect after the SYN retransmits that fit its timeout', () => {
    const world = new World(nodes);
    const faults = [{ kind: 'blackhole' as const, from: 'node2', to: 'node4' }];
    for (const [from, to] of [[nodes[1], nodes[3]], [nodes[3], nodes[1]]]) {
      const result = agent({ world, from, to: [to], faults, plan: { protocols: ['tcp', 'udp'] } }).finalDocument().result;
      const [tcp, udp] = result.series;
      expect(tcp.outcomes).toEqual({ timeout: tcp.attempts });
      // 5.5 s sees the retransmits at 1, 2, 3, 4 and 5 s.
      expect(tcp.tcp!.synRetransmits).toBe(5 * tcp.attempts);
      expect(result.counters.delta.TCPSynRetrans).toBe(5 * tcp.attempts);
      expect(result.counters.delta.AttemptFails).toBe(tcp.attempts);
      expect(udp.outcomes).toEqual({ timeout: udp.attempts });
      expect(udp.udp!.direction).toBeUndefined();
    }
  });

  test('a blackhole of --percent P: a lossy path, every protocol losing its share of packets', () => {
    const result = agent({ world: new World(nodes), from: nodes[1], to: [nodes[3]], faults: [{ kind: 'blackhole', from: 'node2', to: 'node4', percent: 30 }], plan: { protocols: ['tcp', 'udp'], ratePerSecond: 10 } }).finalDocument().result;
    const [tcp, udp] = result.series;
    // UDP loses a request 30 % of the time (the echo comes back untouched): 300 probes, ±4σ.
    expect((udp.attempts - udp.successes) / udp.attempts).toBeGreaterThan(0.3 - 0.11);
    expect((udp.attempts - udp.successes) / udp.attempts).toBeLessThan(0.3 + 0.11);
    // TCP: lost SYNs (and segments) are resent, so connects are late rather than lost.
    expect(tcp.tcp!.synRetransmits / tcp.attempts).toBeGreaterThan(0.2);
    expect(tcp.successes / tcp.attempts).toBeGreaterThan(0.95);
  });

  test('slow: latency grows with the queue, and past the rate the excess is lost', () => {
    const world = new World(nodes);
    const slow = (rateKbit: number, ratePerSecond: number) => seriesTo(agent({ world, from: nodes[1], to: [nodes[2]], faults: [{ kind: 'slow', from: 'node2', to: 'node3', rateKbit }], plan: { ratePerSecond } }).finalDocument().result, 'tcp', 'node3');
    const light = slow(1000, 2);
    expect(light.successes).toBe(light.attempts);
    expect(LatencyHistogram.fromJSON(light.latency).quantile(0.99)).toBeGreaterThan(20);
    const over = slow(200, 5);
    expect((over.attempts - over.successes) / over.attempts).toBeGreaterThan(0.1);
    expect(LatencyHistogram.fromJSON(over.latency).quantile(0.5)).toBeGreaterThan(100);
  });

  test('responders count what the probers\' probes brought them', () => {
    const world = new World(nodes);
    const faults = [{ kind: 'udp-loss' as const, from: 'node2', to: 'node3', percent: 30 }];
    const result = agent({ world, from: nodes[1], to: [nodes[2]], faults, plan: { protocols: ['tcp', 'udp'] } }).finalDocument().result;
    const [tcp, udp] = result.series;
    const served = world.responders.get('node3')!.served;
    expect(served.tcpAccepted).toBe(tcp.successes);
    // The echo's receive counts say how many of the probes up to the last one echoed arrived.
    const { basis, requestsLost } = udp.udp!.direction!;
    expect(served.udpEchoed).toBeGreaterThanOrEqual(basis - requestsLost);
    expect(served.udpEchoed).toBeLessThanOrEqual(udp.attempts - requestsLost);
    expect(served.udpEchoed).toBeLessThan(0.85 * udp.attempts);
  });

  test('a seed repeats a run exactly; another seed draws another', () => {
    const run = (seed: string) => JSON.stringify(agent({ world: new World(nodes), from: nodes[1], to: [nodes[2], nodes[4]], seed, faults: [{ kind: 'syn-drop', from: 'node2', to: 'node3', percent: 30 }] }).finalDocument().result);
    expect(run('a')).toBe(run('a'));
    expect(run('a')).not.toBe(run('b'));
  });

  describe('with confirmation (plan.confirm), as src/agent/confirmation.ts does it', () => {
    const rule = { threshold: DEFAULT_THRESHOLDS.lossRatio, flagAt: 40 / DEFAULT_THRESHOLDS.falseDiscoveryRate, clearAt: 1 / DEFAULT_THRESHOLDS.falseClearRate };
    const confirm = { maxMs: 10_000, ratePerSecond: 200, maxProbesPerSecond: 1000, maxProbesPerSeries: 2000, rule };
    const setup = { world: new World(nodes), from: nodes[1], to: [nodes[2], nodes[3]], faults: [{ kind: 'udp-loss' as const, from: 'node2', to: 'node3', percent: 30 }] };
    const base = { durationMs: 10_000, ratePerSecond: 10 };

    test('series the main window left undecided are probed on until clear; the lossy one is flagged in the main window and not confirmed; the main counts stay as measured', () => {
      const result = agent({ ...setup, plan: { ...base, confirm } }).finalDocument().result;
      const unconfirmed = agent({ ...setup, plan: base }).finalDocument().result;
      expect(parseAgentResult(JSON.stringify(result), 'hollow agent', { node: 'node2', runToken: TOKEN }).series).toHaveLength(6);
      const lossy = seriesTo(result, 'udp', 'node3');
      expect(lossy.decidedAfterMs).toBeLessThan(base.durationMs);
      expect(lossy.confirmation).toBeUndefined();
      for (const s of result.series.filter((x) => x !== lossy)) {
        expect(s.confirmation!.attempts).toBeGreaterThan(300);
        expect(s.decidedAfterMs).toBeGreaterThan(base.durationMs);
        expect(s.decidedAfterMs).toBeLessThan(base.durationMs + confirm.maxMs);
        // At the series' own rate: its probes over at least attempts / rate.
        expect(s.confirmation!.durationMs).toBeGreaterThanOrEqual((1000 * (s.confirmation!.attempts - 1)) / confirm.ratePerSecond);
      }
      const strip = ({ confirmation, decidedAfterMs, ...main }: ProbeSeries) => main;
      expect(result.series.map(strip)).toEqual(unconfirmed.series.map(strip));
      expect(unconfirmed.series.every((s) => s.decidedAfterMs === undefined && s.confirmation === undefined)).toBe(true);
      // The analysis decides from the counts: clean pairs clear, the lossy one flagged.
      const report = analyse({ run: { id: 'x', start: '', end: '', settings: {} }, nodes: nodes.map((n) => ({ name: n.name })), results: [result] });
      const verdicts = report.pairs.map((p) => `${p.protocol} ${p.destination} ${p.verdict}`).sort();
      expect(verdicts).toEqual(['dns dns:198.18.64.10 clear', 'tcp node3 clear', 'tcp node4 clear', 'udp node3 flagged', 'udp node4 clear']);
    });

    test('the budget holds: at most maxProbesPerSecond over maxMs in all, maxProbesPerSeries each; what is still undecided says so', () => {
      const tight = { ...confirm, maxMs: 2000, maxProbesPerSecond: 100, maxProbesPerSeries: 150 };
      const result = agent({ ...setup, plan: { ...base, confirm: tight } }).finalDocument().result;
      const confirmed = result.series.map((s) => s.confirmation?.attempts ?? 0);
      expect(confirmed.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(200 + 1);
      expect(Math.max(...confirmed)).toBeLessThanOrEqual(150);
      expect(result.series.filter((s) => s.decidedAfterMs === null).length).toBeGreaterThan(0);
    });
  });
});
