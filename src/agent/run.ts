// One agent run: serve, probe every peer × protocol at the paced rate, then report.
import { AGENT_RESULT_KIND, AGENT_RESULT_SCHEMA_VERSION, type AgentResult, type ProbeSeries } from '../shared/agent-result.ts';
import type { AgentPlan } from '../shared/plan.ts';
import { counterDelta, readNetCounters } from './counters.ts';
import { DnsProber } from './dns-probe.ts';
import { readKernelInfo } from './kernel.ts';
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

interface Prober {
  probe(): Promise<void>;
  toSeries(): ProbeSeries;
  close?(): void;
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

  const responder: Responder | undefined = plan.listen
    ? await startResponder(plan.listen.host, plan.listen.tcpPort, plan.listen.udpPort, plan.runToken)
    : undefined;

  const untilStart = plan.startAt ? Math.max(0, Date.parse(plan.startAt) - Date.now()) : 0;
  const clock: WindowClock | undefined = plan.windowMs ? { originMs: performance.now() + untilStart, windowMs: plan.windowMs } : undefined;
  const originAt = new Date(Date.now() + untilStart).toISOString();
  const probers = buildProbers(plan, synRetransmitMarks(kernel.synLinearTimeouts, kernel.synRetries), clock);
  if (probers.length > 0) log(`probing ${plan.peers.length} peer(s), ${plan.protocols.join('/')} at ${plan.ratePerSecond}/s for ${plan.durationMs / 1000}s (${probers.length} series)`);
  if (responder) log(`serving tcp :${plan.listen!.tcpPort} udp :${plan.listen!.udpPort}`);

  const loops: PacedLoop[] = probers.map((p) => pace(plan.ratePerSecond, plan.durationMs, () => p.probe(), untilStart));
  let stopServing!: () => void;
  const serving = new Promise<void>((resolve) => (stopServing = resolve));
  const longestProbeMs = Math.max(plan.tcpTimeoutMs, plan.udpTimeoutMs, dnsLookupMs(plan));
  const serveTimer = setTimeout(stopServing, plan.serveMs ?? untilStart + plan.durationMs + longestProbeMs);
  if (!responder) stopServing();

  const snapshot = (final: boolean): AgentResult => {
    const countersAtEnd = readNetCounters(warnings);
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
      stopServing();
    },
  };
}

function dnsLookupMs(plan: AgentPlan): number {
  return plan.dns ? Math.max(plan.dns.queryTimeoutMs, plan.dns.resolverTimeoutMs * plan.dns.resolverAttempts) : 0;
}

function buildProbers(plan: AgentPlan, synMarks: number[], clock: WindowClock | undefined): Prober[] {
  const probers: Prober[] = [];
  for (const peer of plan.peers) {
    if (plan.protocols.includes('tcp')) {
      const tcp = new TcpProber(peer, plan.runToken, plan.tcpTimeoutMs, plan.tcpPayloadBytes, synMarks, clock);
      probers.push({ probe: () => tcp.probe(), toSeries: () => ({ ...tcp.series.toJSON(), tcp: tcp.detail() }) });
    }
    if (plan.protocols.includes('udp')) {
      const udp = new UdpProber(peer, plan.runToken, plan.udpTimeoutMs, clock);
      probers.push({ probe: () => udp.probe(), toSeries: () => ({ ...udp.series.toJSON(), udp: udp.detail() }), close: () => udp.close() });
    }
  }
  if (plan.dns) {
    const server = plan.dns.server ?? defaultResolver();
    for (const variant of ['single', 'a+aaaa'] as const) {
      const dns = new DnsProber(variant, server, plan.dns, clock);
      probers.push({ probe: () => dns.probe(), toSeries: () => ({ ...dns.series.toJSON(), dns: dns.detail() }) });
    }
  }
  return probers;
}
