// One agent run: serve, probe every peer × protocol at the paced rate, then report.
import { AGENT_RESULT_KIND, AGENT_RESULT_SCHEMA_VERSION, type AgentResult } from '../shared/agent-result.ts';
import type { AgentPlan, Protocol } from '../shared/plan.ts';
import { ConfirmationScheduler, JudgedSeries, type ProbeBlock } from './confirmation.ts';
import { conntrackDelta, conntrackTotals, readConntrack } from './conntrack.ts';
import { counterDelta, readNetCounters } from './counters.ts';
import { DnsProber } from './dns-probe.ts';
import { readKernelInfo } from './kernel.ts';
import { readRoster, rosterPeers, windowRuns, type ScheduledPeer } from './roster-peers.ts';
import { measureLatencyFloor } from './latency-floor.ts';
import { pace, type PacedLoop } from './pacer.ts';
import { defaultResolver } from './resolv-conf.ts';
import { startResponder, type Responder } from './responder.ts';
import { selfUsage } from './self-usage.ts';
import type { WindowClock } from './series.ts';
import { synRetransmitMarks } from './syn-schedule.ts';
import { TcpProber } from './tcp-probe.ts';
import { UdpProber } from './udp-probe.ts';

export interface AgentRun {
  /** Resolves with the result once probing and serving are over. */
  result: Promise<AgentResult>;
  /** Ends the run early (SIGTERM, Ctrl-C): what was measured so far is reported. */
  stop(): void;
}

/** Where an interim result stands: the end of window `index` of `windows` (--window), or a responder's periodic served counts. */
export type InterimMoment = { window: number; windows: number } | { served: true };

/** A responder reports what it has served this often, so the CLI can tell a live one from a dead one. */
export const SERVED_REPORT_MS = 10_000;

/**
 * `printInterim` gets a cumulative result at the end of each window (plan.windowMs), so
 * that what was measured survives a run cut short, and a responder's served counts every
 * SERVED_REPORT_MS; the final result says `final: true`.
 */
export async function startAgent(
  plan: AgentPlan, log: (line: string) => void, printInterim: (doc: AgentResult, moment: InterimMoment) => void = () => {},
): Promise<AgentRun> {
  const warnings: string[] = [];
  const startedAt = new Date();
  const kernel = readKernelInfo(warnings);
  const countersAtStart = readNetCounters(warnings);
  // Host network only: a pod's own namespace has its own (near-empty) conntrack table.
  const conntrackAtStart = plan.network === 'host' ? readConntrack(warnings) : null;

  const responder: Responder | undefined = plan.listen
    ? await startResponder(plan.listen.host, plan.listen.tcpPort, plan.listen.udpPort, plan.runToken)
    : undefined;
  const windowCount = plan.windowMs ? Math.ceil(plan.durationMs / plan.windowMs) : 1;
  const targets: ScheduledPeer[] = [
    ...plan.peers.map((peer) => ({ peer, windows: null })),
    ...(plan.roster ? rosterPeers(readRoster(plan.roster.file, plan.runToken), plan.node, plan.roster, windowCount) : []),
  ];
  // Before any probe, so that it is the agent alone that is timed.
  const latencyFloor = targets.length > 0 || plan.dns ? await measureLatencyFloor(plan.runToken).catch((err: Error) => {
    warnings.push(`latency floor not measured: ${err.message}`);
    return undefined;
  }) : undefined;

  const untilStart = plan.startAt ? Math.max(0, Date.parse(plan.startAt) - Date.now()) : 0;
  const originMs = performance.now() + untilStart;
  const clock: WindowClock | undefined = plan.windowMs ? { originMs, windowMs: plan.windowMs } : undefined;
  const originAt = new Date(Date.now() + untilStart).toISOString();
  const scheduled = buildSeries(plan, targets, synRetransmitMarks(kernel.synLinearTimeouts, kernel.synRetries), clock, originMs);
  const probers = scheduled.map((s) => s.series);
  const destinations = new Set(targets.map((t) => t.peer.node)).size;
  const rotation = plan.roster?.rule.rotate ? ` (${plan.roster.rule.k} a window, rotating)` : '';
  if (probers.length > 0) log(`probing ${destinations} peer(s)${rotation}, ${plan.protocols.join('/')} at ${plan.ratePerSecond}/s for ${plan.durationMs / 1000}s (${probers.length} series)`);
  if (responder) log(`serving tcp :${plan.listen!.tcpPort} udp :${plan.listen!.udpPort}`);

  const confirm = plan.confirm && plan.confirm.maxMs > 0 && probers.length > 0
    ? new ConfirmationScheduler(probers, plan.confirm, untilStart + plan.durationMs)
    : undefined;
  // A series probes through its windows (all of them, or a rotation's), one paced loop per run of consecutive windows.
  const loops: PacedLoop[] = scheduled.flatMap(({ series, windows }) => {
    const spans = windows === null ? [[0, plan.durationMs]] : windowRuns(windows).map(([first, last]) => [first * plan.windowMs!, Math.min(plan.durationMs, (last + 1) * plan.windowMs!)]);
    const own = spans.map(([from, to]) => pace(plan.ratePerSecond, originMs + from, originMs + to, (firedAt) => series.probeMain(firedAt)));
    void Promise.all(own.map((l) => l.done)).then(() => {
      series.endMain();
      confirm?.wake();
    });
    return own;
  });
  let stopServing!: () => void;
  const serving = new Promise<void>((resolve) => (stopServing = resolve));
  const longestProbeMs = Math.max(plan.tcpTimeoutMs, plan.udpTimeoutMs, dnsLookupMs(plan));
  const serveTimer = setTimeout(stopServing, plan.serveMs ?? untilStart + plan.durationMs + (plan.confirm?.maxMs ?? 0) + longestProbeMs);
  if (!responder) stopServing();

  const snapshot = (final: boolean): AgentResult => {
    const countersAtEnd = readNetCounters(warnings);
    // Warned once, at the end, if it stopped being readable.
    const conntrackAtEnd = conntrackAtStart && readConntrack(final ? warnings : []);
    return {
      kind: AGENT_RESULT_KIND,
      schemaVersion: AGENT_RESULT_SCHEMA_VERSION,
      node: plan.node,
      runToken: plan.runToken,
      ...(plan.network && { network: plan.network }),
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      kernel,
      settings: { durationMs: plan.durationMs, ratePerSecond: plan.ratePerSecond, protocols: plan.protocols },
      ...(clock && { timeline: { originAt, windowMs: clock.windowMs } }),
      final,
      series: probers.map((p) => p.toSeries()),
      served: responder ? { ...responder.counts } : null,
      counters: { start: countersAtStart, end: countersAtEnd, delta: counterDelta(countersAtStart, countersAtEnd) },
      self: selfUsage(),
      ...(latencyFloor && { latencyFloor }),
      ...(conntrackAtStart && conntrackAtEnd && {
        conntrack: { start: conntrackTotals(conntrackAtStart), end: conntrackTotals(conntrackAtEnd), delta: conntrackDelta(conntrackAtStart, conntrackAtEnd) },
      }),
      warnings,
    };
  };
  let interimTimer: NodeJS.Timeout | undefined;
  if (clock && probers.length > 0) {
    const windows = Math.ceil(plan.durationMs / clock.windowMs);
    let window = 0;
    const printAtWindowEnds = () => {
      printInterim(snapshot(false), { window: window++, windows });
      interimTimer = setTimeout(printAtWindowEnds, clock.windowMs);
    };
    interimTimer = setTimeout(printAtWindowEnds, untilStart + clock.windowMs);
  }
  const servedTimer = responder && probers.length === 0 ? setInterval(() => printInterim(snapshot(false), { served: true }), SERVED_REPORT_MS) : undefined;

  const result = (async (): Promise<AgentResult> => {
    await Promise.all(loops.map((l) => l.done));
    clearTimeout(interimTimer);
    if (confirm) {
      const undecided = probers.filter((p) => p.verdict === 'inconclusive').length;
      if (undecided > 0) log(`confirming ${undecided} undecided series for up to ${plan.confirm!.maxMs / 1000}s`);
      await confirm.done;
      log(`confirmation done: ${confirm.started} probe(s), ${probers.filter((p) => p.verdict === 'inconclusive').length} series still undecided`);
    }
    if (probers.length > 0) log('probing done');
    await serving;
    clearTimeout(serveTimer);
    clearInterval(servedTimer);
    probers.forEach((p) => p.close?.());
    await responder?.close();
    return snapshot(true);
  })();

  return {
    result,
    stop() {
      loops.forEach((l) => l.stop());
      confirm?.stop();
      stopServing();
    },
  };
}

function dnsLookupMs(plan: AgentPlan): number {
  return plan.dns ? Math.max(plan.dns.queryTimeoutMs, plan.dns.resolverTimeoutMs * plan.dns.resolverAttempts) : 0;
}

/** One JudgedSeries per peer × protocol (and per DNS variant), with the windows it probes in; its confirmation block is a prober like the main one, without windows. */
function buildSeries(plan: AgentPlan, targets: readonly ScheduledPeer[], synMarks: number[], clock: WindowClock | undefined, originMs: number): { series: JudgedSeries; windows: number[] | null }[] {
  const rule = plan.confirm?.rule;
  const series: { series: JudgedSeries; windows: number[] | null }[] = [];
  const add = (block: (clock: WindowClock | undefined) => ProbeBlock, protocol: Protocol, windows: number[] | null, resolverMarks = false) =>
    series.push({ series: new JudgedSeries(block(clock), () => block(undefined), protocol, resolverMarks, rule, originMs), windows });
  for (const { peer, windows } of targets) {
    if (plan.protocols.includes('tcp')) {
      add((windowClock) => {
        const tcp = new TcpProber(peer, plan.runToken, plan.tcpTimeoutMs, plan.tcpPayloadBytes, synMarks, windowClock);
        return { probe: (firedAt) => tcp.probe(firedAt), evidence: () => tcp.evidence(), toSeries: () => ({ ...tcp.series.toJSON(), tcp: tcp.detail() }) };
      }, 'tcp', windows);
    }
    if (plan.protocols.includes('udp')) {
      add((windowClock) => {
        const udp = new UdpProber(peer, plan.runToken, plan.udpTimeoutMs, windowClock);
        return { probe: (firedAt) => udp.probe(firedAt), evidence: () => udp.series.evidence(), toSeries: () => ({ ...udp.series.toJSON(), udp: udp.detail() }), close: () => udp.close() };
      }, 'udp', windows);
    }
  }
  if (plan.dns) {
    const server = plan.dns.server ?? defaultResolver();
    for (const variant of ['single', 'a+aaaa'] as const) {
      add((windowClock) => {
        const dns = new DnsProber(variant, server, plan.dns!, windowClock);
        return { probe: (firedAt) => dns.probe(firedAt), evidence: () => dns.evidence(), toSeries: () => ({ ...dns.series.toJSON(), dns: dns.detail() }) };
      }, 'dns', null, variant === 'a+aaaa');
    }
  }
  return series;
}
