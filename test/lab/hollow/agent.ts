// A netprobe agent that runs no process. Its plan (read by the agent's own reader, see
// runtime.ts) gives the series the real agent would probe and when; the network model gives
// each probe's fate; the agent's own recorders — SeriesRecorder, LatencyHistogram, the SYN
// schedule, the result types — turn those into the documents it would print, at the times it
// would print them (src/agent/run.ts): an interim one at each window's end, then the final one
// once probing and serving are over. When the agent's format changes, this follows, or no
// longer compiles.
import { lossMeasures, verdictOf, type LossEvidence } from '../../../src/agent/confirmation.ts';
import { counterDelta } from '../../../src/agent/counters.ts';
import type { ServedCounts } from '../../../src/agent/responder.ts';
import { windowRuns, type ScheduledPeer } from '../../../src/agent/roster-peers.ts';
import { SeriesRecorder, type WindowClock } from '../../../src/agent/series.ts';
import { inferSynRetransmits, synRetransmitMarks } from '../../../src/agent/syn-schedule.ts';
import {
  AGENT_RESULT_KIND, AGENT_RESULT_SCHEMA_VERSION, NET_COUNTER_NAMES, TRANSFER_TIMEOUT,
  type AgentResult, type DnsDetail, type DnsVariant, type NetCounters, type ProbeOutcome, type ProbeSeries, type UdpDetail,
} from '../../../src/shared/agent-result.ts';
import { LatencyHistogram } from '../../../src/shared/histogram.ts';
import type { AgentPlan, ConfirmPlan, PeerTarget } from '../../../src/shared/plan.ts';
import type { Verdict } from '../../../src/shared/sequential-test.ts';
import type { LabNode } from '../contracts.ts';
import { faultsAt, type HollowFault } from './faults.ts';
import type { NetworkModel, Packet, ProbeLoad } from './network-model.ts';
import { hashOf, mix, Random } from './random.ts';

/** What listens at an address: a responder agent (its run, what it has served so far) or the cluster DNS. */
export type Listener =
  | { kind: 'responder'; runToken: string; served: ServedCounts }
  | { kind: 'dns' };

/** Where a packet to ip:port goes: nowhere (no host has the address), rejected (a ClusterIP without backends), or a host. */
export type Destination =
  | { kind: 'nobody' }
  | { kind: 'rejected' }
  | { kind: 'host'; node: LabNode; listener?: Listener };

/** The rest of the hollow cluster, as an agent's probes meet it. */
export interface HollowWorld {
  /** A ClusterIP is DNATed to one of its backends, drawn with `rng`, as a new flow is. */
  destination(ip: string, port: number, protocol: 'TCP' | 'UDP', rng: Random): Destination;
  /** The cluster DNS's answer code for a name. */
  rcode(name: string): string;
}

export interface HollowAgentOptions {
  plan: AgentPlan;
  /** Its peers as src/agent/run.ts has them: the plan's own, and the roster's by its rule, each with the windows it is probed in (null: all). */
  targets: ScheduledPeer[];
  node: LabNode;
  hostNetwork: boolean;
  /** Epoch ms when the agent process would have started. */
  startedAt: number;
  /** Seeds this agent's draws (see runtime.ts: fixed per lab with --seed, else per run). */
  seed: string;
  /** The pod's resolver (resolv.conf's first nameserver), for plans that name none. */
  resolver: string;
  model: NetworkModel;
  world: HollowWorld;
  faults: () => readonly HollowFault[];
}

/** The real agent's timetable: the same for every document it prints (ms from its start). */
export interface AgentTimetable {
  /** When probing starts (startAt), and when the last probe's loop closes (its first tick past the window). */
  untilStart: number;
  loopsClose: number;
  /** When serving stops: serveMs, or the probing window plus the longest probe; 0 without a responder. */
  servingEnds: number;
}

// Mirrors of the real agent's constants, named where they live.
/** src/agent/pacer.ts JITTER: each interval is ±20 % of 1/rate. */
const PACER_JITTER = 0.2;
/** net.ipv4.tcp_syn_retries' default (ip-sysctl.rst), as src/agent/kernel.ts assumes when it cannot read it. */
const SYN_RETRIES = 6;
/** Linux >= 6.5 has tcp_syn_linear_timeouts, default 4 (field notes). */
const LINEAR_TIMEOUTS = 4;
const DNS_PORT = 53;
/** src/agent/confirmation.ts MIN_TICK_MS: the confirmation budget's ticks are no closer than this. */
const CONFIRM_MIN_TICK_MS = 10;

// What the model cannot read off a pair and fixes instead, with the reason.
/** A connect to an address nobody has fails once ARP gives up: mcast_solicit 3 × retrans_time 1 s (ip-sysctl.rst, neigh defaults). */
const ARP_GIVE_UP_MS = 3000;
/** A lost segment of an established connection is resent after the minimum RTO, 200 ms (TCP_RTO_MIN). */
const MIN_RTO_MS = 200;
/** Payload bytes per segment on a 1500-byte path (MSS 1460 less TCP timestamps). */
const SEGMENT_BYTES = 1448;
/** A cache hit in the cluster DNS takes about 0.1 ms to answer. */
const DNS_ANSWER_MS = 0.1;
/** What a Node.js agent process costs, for its `self` field: ~50 ms and ~45 MiB to start, a little per probe. */
const SELF_START_CPU_MS = 50;
const SELF_CPU_MS_PER_PROBE = 0.05;
const SELF_BASE_RSS_BYTES = 45 * 2 ** 20;
const SELF_RSS_BYTES_PER_SERIES = 4096;

/** The SYN schedule's sysctls a node's kernel has: linear timeouts from 6.5 on. */
export function kernelOf(release: string): AgentResult['kernel'] {
  const [major, minor] = (/^(\d+)\.(\d+)/.exec(release) ?? ['', '0', '0']).slice(1).map(Number);
  return { release, synLinearTimeouts: major > 6 || (major === 6 && minor >= 5) ? LINEAR_TIMEOUTS : null, synRetries: SYN_RETRIES };
}

interface SeriesSpec {
  protocol: 'tcp' | 'udp' | 'dns';
  peer?: PeerTarget;
  /** A rotation's windows this peer is probed in; null: the whole window. */
  windows: number[] | null;
  variant?: DnsVariant;
  /** Seed of this series' draws. */
  key: number;
}

/** One simulated probe: when it started and ended (ms from the agent's start), how it ended, and what its prober keeps of it. */
interface ProbeFate {
  startedAt: number;
  endedAt: number;
  outcome: ProbeOutcome;
  latencyMs?: number;
  degraded?: boolean;
  tcp?: { retransmits: number; requestMs?: number };
  /** arrived: the echo counted it (its receive count); echoAt: answered in time; lateEchoAt: after the timeout. */
  udp?: { arrived: boolean; echoAt?: number; lateEchoAt?: number };
  dns?: { sends: number; rcodes: string[] };
}

/** One series' probes: the main window's, and with plan.confirm the confirmation's and when the stopping rule first decided. */
interface SeriesRun {
  main: ProbeFate[];
  confirmation: ProbeFate[];
  /** ms from the agent's start when the rule first decided the series; null: not (yet). */
  decidedAt: number | null;
}

/** What one series adds to the agent's own counters, and to the responders it probed. */
interface Accounting {
  synRetransmits: number;
  dataRetransmits: number;
  attemptFails: number;
  served: Map<ServedCounts, ServedCounts>;
}

export class HollowAgent {
  readonly timetable: AgentTimetable;
  /** A responder's served counts, which the probers' results add to (the runtime lists it as the listener at its ports). */
  readonly served: ServedCounts | undefined;
  readonly options: HollowAgentOptions;
  private readonly kernel: AgentResult['kernel'];
  private readonly synMarks: number[];
  private readonly specs: SeriesSpec[];
  private readonly load: ProbeLoad;
  private readonly countersAtStart: NetCounters;

  constructor(options: HollowAgentOptions) {
    this.options = options;
    const { plan, node } = options;
    this.kernel = kernelOf(node.kernelVersion);
    this.synMarks = synRetransmitMarks(this.kernel.synLinearTimeouts, this.kernel.synRetries);
    this.load = { ratePerSecond: plan.ratePerSecond, payloadBytes: plan.tcpPayloadBytes };
    const path = options.hostNetwork ? 'host' : 'pod';
    const seriesKey = (...parts: string[]) => hashOf(options.seed, plan.node, path, ...parts);
    // The order of src/agent/run.ts buildProbers: per peer TCP then UDP, then the two DNS variants.
    this.specs = [
      ...options.targets.flatMap(({ peer, windows }) => (['tcp', 'udp'] as const).filter((p) => plan.protocols.includes(p))
        .map((protocol): SeriesSpec => ({ protocol, peer, windows, key: seriesKey(protocol, peer.node, peer.path, peer.ip) }))),
      ...(plan.dns ? (['single', 'a+aaaa'] as const).map((variant): SeriesSpec => ({ protocol: 'dns', variant, windows: null, key: seriesKey('dns', variant) })) : []),
    ];
    this.served = plan.listen ? { tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 } : undefined;
    this.countersAtStart = options.hostNetwork ? nodeCounters(node) : zeroCounters();
    const untilStart = plan.startAt ? Math.max(0, Date.parse(plan.startAt) - options.startedAt) : 0;
    const loopsClose = Math.max(0, ...this.specs.map((s) => this.paceTimes(s, untilStart).closesAt));
    const longestProbeMs = Math.max(plan.tcpTimeoutMs, plan.udpTimeoutMs, plan.dns ? Math.max(plan.dns.queryTimeoutMs, plan.dns.resolverTimeoutMs * plan.dns.resolverAttempts) : 0);
    const servingEnds = plan.listen ? plan.serveMs ?? untilStart + plan.durationMs + (plan.confirm?.maxMs ?? 0) + longestProbeMs : 0;
    this.timetable = { untilStart, loopsClose, servingEnds };
  }

  get probes(): boolean {
    return this.specs.length > 0;
  }

  /** The lines the agent writes to stderr when it starts (src/agent/run.ts). */
  startLines(): string[] {
    const { plan } = this.options;
    return [
      ...(this.probes ? [`probing ${new Set(this.options.targets.map((t) => t.peer.node)).size} peer(s), ${plan.protocols.join('/')} at ${plan.ratePerSecond}/s for ${plan.durationMs / 1000}s (${this.specs.length} series)`] : []),
      ...(plan.listen ? [`serving tcp :${plan.listen.tcpPort} udp :${plan.listen.udpPort}`] : []),
    ];
  }

  /** The result as the agent would print it `at` ms after its start: the probes that had ended by then (a probe is counted when it ends). */
  document(at: number): AgentResult {
    return this.assemble(this.simulateAll(at), at, false);
  }

  /**
   * The last result, and when the agent prints it: once every probe has ended and serving is
   * over. What the probes reached is credited to the responders' served counts.
   */
  finalDocument(): { probingDone: number; at: number; result: AgentResult } {
    const run = this.simulateAll(Infinity);
    // The loops are done once the last probe has ended (src/agent/run.ts logs "probing done").
    let probingDone = this.probes ? this.timetable.loopsClose : 0;
    for (const series of run.series) for (const f of [...series.main, ...series.confirmation]) probingDone = Math.max(probingDone, f.endedAt);
    const at = Math.max(probingDone, this.timetable.servingEnds);
    settle(run.accounting);
    return { probingDone, at, result: this.assemble(run, at, true) };
  }

  /** A stop (SIGTERM) `at` ms after the start: probes in flight are abandoned, the rest reported and credited. */
  stoppedDocument(at: number): AgentResult {
    const run = this.simulateAll(at);
    settle(run.accounting);
    return this.assemble(run, at, true);
  }

  private simulateAll(upTo: number): { series: SeriesRun[]; accounting: Accounting } {
    const history = this.options.faults();
    const accounting: Accounting = { synRetransmits: 0, dataRetransmits: 0, attemptFails: 0, served: new Map() };
    const ways = new Ways(this.options.model, !this.options.hostNetwork);
    const { untilStart } = this.timetable;
    const main = this.specs.map((spec) => this.simulate(spec, this.paceTimes(spec, untilStart).starts.filter((t) => t <= upTo), { confirmation: false, first: 0 }, history, accounting, ways));
    const { confirm } = this.options.plan;
    if (!confirm) return { series: main.map((fates) => ({ main: fates, confirmation: [], decidedAt: null })), accounting };
    return { series: this.confirm(confirm, main, upTo, (spec, starts, first) => this.simulate(spec, starts, { confirmation: true, first }, history, accounting, ways)), accounting };
  }

  /**
   * src/agent/confirmation.ts on the simulated clock: the stopping rule judges each series as its
   * main probes end, until first decided, and again when its main window is over; from the
   * window's end for at most maxMs, budget tokens accrue at maxProbesPerSecond and each tick
   * spends them on the undecided series whose own rate allows a probe, most trouble first, then
   * the longest waiting, each until decided or out of probes. (The real ticks' jitter, which
   * only keeps agents out of step, is left out.)
   */
  private confirm(plan: ConfirmPlan, main: ProbeFate[][], upTo: number, probe: (spec: SeriesSpec, starts: number[], first: number) => ProbeFate[]): SeriesRun[] {
    const { untilStart } = this.timetable;
    const states = this.specs.map((spec, i) => {
      const marks = spec.protocol === 'dns' && spec.variant === 'a+aaaa';
      const judge = (e: LossEvidence): Verdict => verdictOf(lossMeasures(e, spec.protocol, marks), plan.rule);
      const byEnd = [...main[i]].sort((a, b) => a.endedAt - b.endedAt);
      let evidence = NO_EVIDENCE;
      let decidedAt: number | null = null;
      for (const fate of byEnd) {
        evidence = addEvidence(evidence, fate);
        if (decidedAt === null && judge(evidence) !== 'inconclusive') decidedAt = fate.endedAt;
      }
      const mainDoneAt = Math.max(this.paceTimes(spec, untilStart).closesAt, ...byEnd.map((f) => f.endedAt));
      return { spec, judge, evidence, verdict: judge(evidence), decidedAt, mainDoneAt, confirmation: [] as ProbeFate[], nextAt: 0 };
    });
    const ended = (state: (typeof states)[number], fate: ProbeFate) => {
      state.evidence = addEvidence(state.evidence, fate);
      if (state.verdict !== 'inconclusive') return;
      state.verdict = state.judge(state.evidence);
      if (state.verdict !== 'inconclusive' && state.decidedAt === null) state.decidedAt = fate.endedAt;
    };
    const begin = untilStart + this.options.plan.durationMs;
    const deadline = Math.min(begin + plan.maxMs, upTo);
    const tickMs = Math.max(CONFIRM_MIN_TICK_MS, 1000 / plan.maxProbesPerSecond);
    const bank = Math.max(1, (plan.maxProbesPerSecond * tickMs) / 1000);
    const inFlight: { state: (typeof states)[number]; fate: ProbeFate }[] = [];
    let tokens = 1;
    let lastTick = begin;
    let now = begin + tickMs * new Random(hashOf(this.options.seed, this.options.plan.node, 'confirm')).next();
    while (plan.maxMs > 0 && now < deadline) {
      // Probes that ended by now count before this tick's choices, as their promises settle first.
      for (let j = inFlight.length - 1; j >= 0; j--) {
        if (inFlight[j].fate.endedAt > now) continue;
        ended(inFlight[j].state, inFlight[j].fate);
        inFlight.splice(j, 1);
      }
      tokens = Math.min(bank, tokens + ((now - lastTick) * plan.maxProbesPerSecond) / 1000);
      lastTick = now;
      const candidates = states.filter((s) => s.mainDoneAt <= now && s.verdict === 'inconclusive' && s.confirmation.length < plan.maxProbesPerSeries);
      if (candidates.length === 0) {
        const mainPending = states.filter((s) => s.mainDoneAt > now);
        if (mainPending.length === 0 && inFlight.length === 0) break;
        now = Math.min(deadline, ...mainPending.map((s) => s.mainDoneAt), ...inFlight.map((f) => f.fate.endedAt));
        continue;
      }
      const ready = candidates.filter((s) => s.nextAt <= now);
      if (ready.length > 0 && tokens >= 1) {
        const trouble = (s: (typeof states)[number]) => s.evidence.failures + s.evidence.synRetransmits + s.evidence.answeredAtMarks;
        const best = ready.reduce((a, b) => (trouble(b) > trouble(a) || (trouble(b) === trouble(a) && b.nextAt < a.nextAt) ? b : a));
        tokens -= 1;
        best.nextAt = now + 1000 / plan.ratePerSecond;
        const [fate] = probe(best.spec, [now], best.confirmation.length);
        best.confirmation.push(fate);
        inFlight.push({ state: best, fate });
        continue;
      }
      now = Math.min(deadline, ready.length > 0 ? now + tickMs : Math.min(...candidates.map((s) => s.nextAt)));
    }
    // The scheduler ends; probes it started still end and are judged.
    for (const { state, fate } of inFlight.sort((a, b) => a.fate.endedAt - b.fate.endedAt)) ended(state, fate);
    return states.map((s, i) => ({ main: main[i], confirmation: s.confirmation, decidedAt: s.decidedAt }));
  }

  private assemble({ series: runs, accounting }: { series: SeriesRun[]; accounting: Accounting }, at: number, final: boolean): AgentResult {
    const { plan, startedAt } = this.options;
    const { untilStart } = this.timetable;
    const clock: WindowClock | undefined = plan.windowMs ? { originMs: untilStart, windowMs: plan.windowMs } : undefined;
    let probeCount = 0;
    const block = (spec: SeriesSpec, fates: readonly ProbeFate[], windowClock: WindowClock | undefined) => {
      const recorder = new SeriesRecorder(spec.protocol, ...this.describe(spec), windowClock);
      const ended = fates.filter((f) => f.endedAt <= at);
      for (const fate of ended) recorder.record(fate.outcome, fate.latencyMs, { startedAt: fate.startedAt, degraded: fate.degraded });
      probeCount += ended.length;
      return { series: { ...recorder.toJSON(), ...this.detail(spec, fates, ended, at) }, ended };
    };
    const series = this.specs.map((spec, i): ProbeSeries => {
      const run = runs[i];
      const { series: main } = block(spec, run.main, clock);
      const confirmed = block(spec, run.confirmation, undefined);
      if (confirmed.ended.length > 0) {
        const { attempts, successes, latency, outcomes, tcp, udp, dns } = confirmed.series;
        const durationMs = Math.max(...confirmed.ended.map((f) => f.endedAt)) - confirmed.ended[0].startedAt;
        main.confirmation = { attempts, successes, latency, outcomes, ...(tcp && { tcp }), ...(udp && { udp }), ...(dns && { dns }), durationMs };
      }
      if (plan.confirm) main.decidedAfterMs = run.decidedAt !== null && run.decidedAt <= at ? run.decidedAt - untilStart : null;
      return main;
    });
    const delta: NetCounters = { ...zeroCounters(), TCPSynRetrans: accounting.synRetransmits, RetransSegs: accounting.synRetransmits + accounting.dataRetransmits, AttemptFails: accounting.attemptFails };
    const countersAtEnd = Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, this.countersAtStart[name] + delta[name]])) as unknown as NetCounters;
    return {
      kind: AGENT_RESULT_KIND,
      schemaVersion: AGENT_RESULT_SCHEMA_VERSION,
      node: plan.node,
      runToken: plan.runToken,
      ...(plan.network && { network: plan.network }),
      startedAt: new Date(startedAt).toISOString(),
      endedAt: new Date(startedAt + at).toISOString(),
      kernel: this.kernel,
      settings: { durationMs: plan.durationMs, ratePerSecond: plan.ratePerSecond, protocols: plan.protocols },
      ...(clock && { timeline: { originAt: new Date(startedAt + untilStart).toISOString(), windowMs: clock.windowMs } }),
      final,
      series,
      served: this.served ? { ...this.served } : null,
      counters: { start: this.countersAtStart, end: countersAtEnd, delta: counterDelta(this.countersAtStart, countersAtEnd) },
      self: { cpuMs: SELF_START_CPU_MS + SELF_CPU_MS_PER_PROBE * probeCount, maxRssBytes: SELF_BASE_RSS_BYTES + SELF_RSS_BYTES_PER_SERIES * series.length },
      warnings: [],
    };
  }

  /** SeriesRecorder's destination, path, address and port, as the real probers give them (tcp-probe.ts, udp-probe.ts, dns-probe.ts). */
  private describe(spec: SeriesSpec): [string, PeerTarget['path'], string, number] {
    if (spec.peer) return [spec.peer.node, spec.peer.path, spec.peer.ip, spec.protocol === 'tcp' ? spec.peer.tcpPort : spec.peer.udpPort];
    const { server, port } = this.dnsServer();
    return [`dns:${server}`, 'service', server, port];
  }

  private dnsServer(): { server: string; port: number } {
    const dns = this.options.plan.dns!;
    return { server: dns.server ?? this.options.resolver, port: dns.port ?? DNS_PORT };
  }

  /** The pacer's firing times for one series (src/agent/pacer.ts), one paced loop per run of its windows as run.ts has them, and when its last loop closes. */
  private paceTimes(spec: SeriesSpec, untilStart: number): { starts: number[]; closesAt: number } {
    const { ratePerSecond, durationMs, windowMs } = this.options.plan;
    const interval = 1000 / ratePerSecond;
    const rng = new Random(mix(spec.key ^ 0x5bd1e995));
    const spans = spec.windows === null ? [[0, durationMs]] : windowRuns(spec.windows).map(([first, last]) => [first * windowMs!, Math.min(durationMs, (last + 1) * windowMs!)]);
    const starts: number[] = [];
    let closesAt = untilStart;
    for (const [from, to] of spans) {
      const endAt = untilStart + to;
      let t = untilStart + from + interval * rng.next();
      while (t < endAt) {
        starts.push(t);
        t += interval * (1 - PACER_JITTER + 2 * PACER_JITTER * rng.next());
      }
      closesAt = t;
    }
    return { starts, closesAt };
  }

  /**
   * The probes of one series started at `starts`, each drawn from its own generator: the main
   * window's are probes 0, 1, …; the confirmation's (a prober of their own) `first`, `first` + 1, … of a key apart.
   */
  private simulate(spec: SeriesSpec, starts: readonly number[], block: { confirmation: boolean; first: number }, history: readonly HollowFault[], accounting: Accounting, ways: Ways): ProbeFate[] {
    const key = block.confirmation ? mix(spec.key ^ 0x85ebca6b) : spec.key;
    return starts.map((startedAt, i) => {
      const k = block.first + i;
      const rng = new Random(mix(key ^ Math.imul(k + 1, 0x9e3779b1)));
      const faults = history.length ? faultsAt(history, this.options.startedAt + startedAt) : history;
      const probe: Probe = { startedAt, rng, faults, accounting, ways };
      if (spec.protocol === 'tcp') return this.tcpProbe(spec.peer!, probe);
      if (spec.protocol === 'udp') return this.udpProbe(spec.peer!, probe);
      return this.dnsLookup(spec.variant!, k, probe);
    });
  }

  /** How many of `count` TCP segments from → to are lost (their own timing does not matter). */
  private lostAmong(count: number, from: LabNode, to: LabNode, probe: Probe): number {
    const { backgroundLoss } = probe.ways.get(from, to);
    // Without faults only background loss acts: one draw tells whether any segment is lost at all.
    const quiet = probe.faults.length === 0;
    if (quiet && !probe.rng.chance(1 - (1 - backgroundLoss) ** count)) return 0;
    let lost = 0;
    for (let s = 0; s < count; s++) if (this.options.model.cross(from, to, 'tcp', probe.faults, backgroundLoss, this.load, probe.rng).lost) lost++;
    // Past the first draw at least one is lost; a second is rare enough to come from the loop alone.
    return quiet ? Math.max(1, lost) : lost;
  }

  /** A packet's way from → to: lost or not, and its one-way time. */
  private cross(from: LabNode, to: LabNode, packet: Packet, probe: Probe): { lost: boolean; ms: number } {
    const { model } = this.options;
    const way = probe.ways.get(from, to);
    const crossing = model.cross(from, to, packet, probe.faults, way.backgroundLoss, this.load, probe.rng);
    return { lost: crossing.lost, ms: model.sampleRttMs(way.baseRttMs, probe.rng) / 2 + crossing.queueMs };
  }

  /**
   * tcp-probe.ts: a fresh connection, its SYN resent on the kernel's schedule until a handshake
   * completes or the timeout, then the payload and the answer. The SYN retransmits are read off
   * the connect time (inferSynRetransmits), as the real prober does; the kernel counts the same.
   */
  private tcpProbe(peer: PeerTarget, probe: Probe): ProbeFate {
    const { plan, node } = this.options;
    const timeout = plan.tcpTimeoutMs;
    const destination = this.options.world.destination(peer.ip, peer.tcpPort, 'TCP', probe.rng);
    let connectMs: number | undefined;
    let requestMs: number | undefined;
    let ended: { at: number; outcome: ProbeOutcome } | undefined;
    if (destination.kind === 'nobody') ended = ARP_GIVE_UP_MS < timeout ? { at: ARP_GIVE_UP_MS, outcome: 'unreachable' } : { at: timeout, outcome: 'timeout' };
    else if (destination.kind === 'rejected') ended = { at: 0.01, outcome: 'refused' };
    else {
      const to = destination.node;
      const listener = destination.listener?.kind === 'responder' ? destination.listener : undefined;
      for (let attempt = 0; attempt <= this.synMarks.length && !ended && connectMs === undefined; attempt++) {
        const sentAt = attempt === 0 ? 0 : this.synMarks[attempt - 1];
        if (sentAt >= timeout) break;
        const syn = this.cross(node, to, 'syn', probe);
        if (syn.lost) continue;
        const back = this.cross(to, node, 'tcp', probe);
        if (back.lost) continue;
        if (!listener) ended = { at: sentAt + syn.ms + back.ms, outcome: 'refused' };
        else if (sentAt + syn.ms + back.ms < timeout) {
          connectMs = sentAt + syn.ms + back.ms;
          credit(probe.accounting, listener.served, 'tcpAccepted');
        }
      }
      if (connectMs !== undefined && listener && !ended) {
        // A responder of another run reads the request line and hangs up (responder.ts).
        if (listener.runToken !== plan.runToken) ended = { at: connectMs + this.cross(node, to, 'tcp', probe).ms * 2, outcome: 'closed-early' };
        else {
          let lostSegments = this.lostAmong(Math.ceil(plan.tcpPayloadBytes / SEGMENT_BYTES), node, to, probe);
          const request = this.cross(node, to, 'tcp', probe);
          const answer = this.cross(to, node, 'tcp', probe);
          if (answer.lost) lostSegments++;
          probe.accounting.dataRetransmits += lostSegments;
          const took = request.ms + answer.ms + lostSegments * MIN_RTO_MS + this.options.model.transferMs(node, to, probe.faults, plan.tcpPayloadBytes);
          if (connectMs + took < timeout) {
            requestMs = took;
            ended = { at: connectMs + took, outcome: 'ok' };
          } else ended = { at: timeout, outcome: TRANSFER_TIMEOUT };
        }
      }
    }
    ended ??= { at: timeout, outcome: 'timeout' };
    const retransmits = inferSynRetransmits(connectMs ?? ended.at, this.synMarks);
    probe.accounting.synRetransmits += retransmits;
    if (connectMs === undefined) probe.accounting.attemptFails++;
    return {
      startedAt: probe.startedAt, endedAt: probe.startedAt + ended.at, outcome: ended.outcome,
      latencyMs: ended.outcome === 'ok' ? connectMs : undefined, degraded: retransmits > 0,
      tcp: { retransmits, requestMs },
    };
  }

  /** udp-probe.ts: a sequenced datagram to the echo; the echo tells how many of ours it had received. */
  private udpProbe(peer: PeerTarget, probe: Probe): ProbeFate {
    const { plan, node } = this.options;
    const destination = this.options.world.destination(peer.ip, peer.udpPort, 'UDP', probe.rng);
    const timedOut = (arrived: boolean): ProbeFate => ({ startedAt: probe.startedAt, endedAt: probe.startedAt + plan.udpTimeoutMs, outcome: 'timeout', udp: { arrived } });
    if (destination.kind !== 'host') return timedOut(false);
    const listener = destination.listener?.kind === 'responder' ? destination.listener : undefined;
    const request = this.cross(node, destination.node, 'udp', probe);
    if (request.lost || !listener) return timedOut(false);
    if (listener.runToken !== plan.runToken) {
      credit(probe.accounting, listener.served, 'udpIgnored');
      return timedOut(false);
    }
    credit(probe.accounting, listener.served, 'udpEchoed');
    const echo = this.cross(destination.node, node, 'udp', probe);
    if (echo.lost) return timedOut(true);
    const rtt = request.ms + echo.ms;
    if (rtt >= plan.udpTimeoutMs) return { ...timedOut(true), udp: { arrived: true, lateEchoAt: probe.startedAt + rtt } };
    return { startedAt: probe.startedAt, endedAt: probe.startedAt + rtt, outcome: 'ok', latencyMs: rtt, udp: { arrived: true, echoAt: probe.startedAt + rtt } };
  }

  /**
   * dns-probe.ts via dns-exchange.ts: the questions from one socket (one flow, so one backend),
   * the unanswered ones resent every timeout, up to `attempts` sends; 'single' asks A once,
   * 'a+aaaa' asks A and AAAA together as the libc resolver does.
   */
  private dnsLookup(variant: DnsVariant, k: number, probe: Probe): ProbeFate {
    const dns = this.options.plan.dns!;
    const { node } = this.options;
    const name = dns.names[k % dns.names.length];
    const [types, timeout, attempts] = variant === 'single' ? [['A'], dns.queryTimeoutMs, 1] as const : [['A', 'AAAA'], dns.resolverTimeoutMs, dns.resolverAttempts] as const;
    const { server, port } = this.dnsServer();
    const destination = this.options.world.destination(server, port, 'UDP', probe.rng);
    const answeredAt: (number | undefined)[] = types.map(() => undefined);
    if (destination.kind === 'host' && destination.listener?.kind === 'dns') {
      for (let send = 0; send < attempts; send++) {
        const sentAt = send * timeout;
        types.forEach((_, q) => {
          if (answeredAt[q] !== undefined && answeredAt[q]! <= sentAt) return;
          const query = this.cross(node, destination.node, 'dns-query', probe);
          const answer = this.cross(destination.node, node, 'udp', probe);
          if (query.lost || answer.lost) return;
          answeredAt[q] = Math.min(answeredAt[q] ?? Infinity, sentAt + query.ms + answer.ms + DNS_ANSWER_MS);
        });
      }
    }
    const last = Math.max(...answeredAt.map((a) => a ?? Infinity));
    if (last >= attempts * timeout) return { startedAt: probe.startedAt, endedAt: probe.startedAt + attempts * timeout, outcome: 'timeout', dns: { sends: attempts, rcodes: [] } };
    const sends = Math.min(attempts, Math.floor(last / timeout) + 1);
    const rcode = this.options.world.rcode(name);
    return {
      startedAt: probe.startedAt, endedAt: probe.startedAt + last, outcome: 'ok', latencyMs: last, degraded: sends > 1,
      dns: { sends, rcodes: types.map(() => rcode) },
    };
  }

  /** The protocol's detail, as TcpProber, UdpProber and DnsProber report it, from the probes ended by `at`. */
  private detail(spec: SeriesSpec, fates: readonly ProbeFate[], ended: readonly ProbeFate[], at: number): Pick<ProbeSeries, 'tcp' | 'udp' | 'dns'> {
    if (spec.protocol === 'tcp') {
      const requestLatency = new LatencyHistogram();
      for (const f of ended) if (f.tcp!.requestMs !== undefined) requestLatency.record(f.tcp!.requestMs);
      return { tcp: { synRetransmits: ended.reduce((n, f) => n + f.tcp!.retransmits, 0), requestLatency: requestLatency.toJSON() } };
    }
    if (spec.protocol === 'udp') return { udp: udpDetail(fates, at) };
    const dns = this.options.plan.dns!;
    const detail: DnsDetail = {
      variant: spec.variant!, names: [...dns.names], timeouts: 0,
      answeredAtResolverMarks: new Array(spec.variant === 'single' ? 0 : dns.resolverAttempts - 1).fill(0), rcodes: {},
    };
    for (const f of ended) {
      if (f.outcome === 'timeout') detail.timeouts++;
      if (f.outcome !== 'ok') continue;
      for (const r of f.dns!.rcodes) detail.rcodes[r] = (detail.rcodes[r] ?? 0) + 1;
      if (f.dns!.sends > 1) detail.answeredAtResolverMarks[f.dns!.sends - 2]++;
    }
    return { dns: detail };
  }
}

interface Probe {
  startedAt: number;
  rng: Random;
  faults: readonly HollowFault[];
  accounting: Accounting;
  ways: Ways;
}

/** The model's per-pair draws for one document's probes, drawn once per pair rather than per packet. */
class Ways {
  private readonly model: NetworkModel;
  private readonly podPath: boolean;
  private readonly known = new Map<string, Map<string, { baseRttMs: number; backgroundLoss: number }>>();

  constructor(model: NetworkModel, podPath: boolean) {
    this.model = model;
    this.podPath = podPath;
  }

  get(from: LabNode, to: LabNode): { baseRttMs: number; backgroundLoss: number } {
    let byTo = this.known.get(from.name);
    if (!byTo) this.known.set(from.name, (byTo = new Map()));
    let way = byTo.get(to.name);
    if (!way) byTo.set(to.name, (way = { baseRttMs: this.model.baseRttMs(from, to, this.podPath), backgroundLoss: this.model.backgroundLoss(from, to) }));
    return way;
  }
}

/** Adds what the probes reached to the responders' served counts. */
function settle(accounting: Accounting): void {
  for (const [served, add] of accounting.served) {
    served.tcpAccepted += add.tcpAccepted;
    served.udpEchoed += add.udpEchoed;
    served.udpIgnored += add.udpIgnored;
  }
}

function credit(accounting: Accounting, served: ServedCounts, what: keyof ServedCounts): void {
  const add = accounting.served.get(served) ?? { tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 };
  add[what]++;
  accounting.served.set(served, add);
}

/**
 * UdpProber.detail(): of the probes up to the last one echoed (by `at`), those whose request
 * the echo's receive count says never arrived, and those that arrived but whose answer did not.
 */
function udpDetail(fates: readonly ProbeFate[], at: number): UdpDetail {
  let lastEchoed = -1;
  let echoedInTime = 0;
  let late = 0;
  fates.forEach((f, seq) => {
    const echoAt = f.udp!.echoAt ?? f.udp!.lateEchoAt;
    if (echoAt !== undefined && echoAt <= at) lastEchoed = seq;
    if (f.udp!.echoAt !== undefined && f.udp!.echoAt <= at) echoedInTime++;
    if (f.udp!.lateEchoAt !== undefined && f.udp!.lateEchoAt <= at) late++;
  });
  const counts = { duplicates: 0, reordered: 0, late };
  if (lastEchoed < 0) return counts;
  const basis = lastEchoed + 1;
  const received = fates.slice(0, basis).filter((f) => f.udp!.arrived).length;
  const requestsLost = Math.max(0, basis - received);
  return { ...counts, direction: { basis, requestsLost, repliesLost: Math.max(0, basis - requestsLost - echoedInTime) } };
}

const NO_EVIDENCE: LossEvidence = { attempts: 0, failures: 0, synRetransmits: 0, answeredAtMarks: 0 };

/** The counts the stopping rule judges, with one more probe (JudgedSeries' evidence). */
function addEvidence(e: LossEvidence, fate: ProbeFate): LossEvidence {
  return {
    attempts: e.attempts + 1,
    failures: e.failures + (fate.outcome === 'ok' ? 0 : 1),
    synRetransmits: e.synRetransmits + (fate.tcp?.retransmits ?? 0),
    answeredAtMarks: e.answeredAtMarks + (fate.outcome === 'ok' && (fate.dns?.sends ?? 1) > 1 ? 1 : 0),
  };
}

function zeroCounters(): NetCounters {
  return Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, 0])) as unknown as NetCounters;
}

/** A hostNetwork agent reads its node's counters, which have counted since boot: some large, fixed values per node. */
function nodeCounters(node: LabNode): NetCounters {
  const rng = new Random(hashOf('node-counters', node.name));
  return Object.fromEntries(NET_COUNTER_NAMES.map((name) => [name, Math.floor(rng.next() * 10_000)])) as unknown as NetCounters;
}
