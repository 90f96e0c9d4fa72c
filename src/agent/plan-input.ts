// Reads and checks the agent's plan: `--plan-file PATH`, `--plan JSON`, or the
// NETPROBE_PLAN environment variable. A bad plan is the agent's own failure
// (exit non-zero, say what is wrong), never a half-run probe.
import { readFileSync } from 'node:fs';
import { PLAN_DEFAULTS, PLAN_VERSION, PROTOCOLS, type AgentPlan, type ConfirmPlan, type DnsPlan, type NetworkPath, type PeerTarget, type RosterPeers } from '../shared/plan.ts';
import { AgentSetupError, MAX_TCP_PAYLOAD } from './responder.ts';

export function readPlanText(argv: string[], env: NodeJS.ProcessEnv): string {
  const flag = (name: string) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const file = flag('--plan-file');
  if (file !== undefined) {
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new AgentSetupError(`cannot read plan file ${file}: ${(err as Error).message}`);
    }
  }
  const text = flag('--plan') ?? env.NETPROBE_PLAN;
  if (text === undefined) throw new AgentSetupError('no plan: pass --plan-file PATH, --plan JSON or NETPROBE_PLAN');
  return text;
}

export function parsePlan(text: string): AgentPlan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new AgentSetupError(`plan is not JSON: ${(err as Error).message}`);
  }
  const plan = object(raw, 'plan');
  if (plan.planVersion !== PLAN_VERSION) throw new AgentSetupError(`plan version ${String(plan.planVersion)} is not ${PLAN_VERSION}: use the agent that came with this netprobe`);
  const protocols = array(plan.protocols, 'protocols').map((p, i) => {
    if (!PROTOCOLS.includes(p as never)) throw new AgentSetupError(`protocols[${i}]: "${String(p)}" is not one of ${PROTOCOLS.join(', ')}`);
    return p as AgentPlan['protocols'][number];
  });
  const parsed: AgentPlan = {
    planVersion: PLAN_VERSION,
    runToken: nonEmptyString(plan.runToken, 'runToken'),
    node: nonEmptyString(plan.node, 'node'),
    protocols,
    durationMs: positive(plan.durationMs, 'durationMs'),
    ratePerSecond: positive(plan.ratePerSecond ?? PLAN_DEFAULTS.ratePerSecond, 'ratePerSecond'),
    tcpTimeoutMs: positive(plan.tcpTimeoutMs ?? PLAN_DEFAULTS.tcpTimeoutMs, 'tcpTimeoutMs'),
    udpTimeoutMs: positive(plan.udpTimeoutMs ?? PLAN_DEFAULTS.udpTimeoutMs, 'udpTimeoutMs'),
    tcpPayloadBytes: byteCount(plan.tcpPayloadBytes ?? PLAN_DEFAULTS.tcpPayloadBytes, 'tcpPayloadBytes'),
    peers: array(plan.peers ?? [], 'peers').map((p, i) => peer(p, `peers[${i}]`)),
  };
  if (/\s/.test(parsed.runToken)) throw new AgentSetupError('runToken must not contain white space');
  if (plan.listen !== undefined) {
    const listen = object(plan.listen, 'listen');
    parsed.listen = {
      ...(listen.host !== undefined && { host: nonEmptyString(listen.host, 'listen.host') }),
      tcpPort: port(listen.tcpPort, 'listen.tcpPort'),
      udpPort: port(listen.udpPort, 'listen.udpPort'),
    };
  }
  if (plan.startAt !== undefined) {
    const startAt = nonEmptyString(plan.startAt, 'startAt');
    if (Number.isNaN(Date.parse(startAt))) throw new AgentSetupError(`startAt must be an ISO 8601 time, got ${JSON.stringify(startAt)}`);
    parsed.startAt = startAt;
  }
  if (plan.network !== undefined) {
    if (plan.network !== 'pod' && plan.network !== 'host') throw new AgentSetupError(`network must be "pod" or "host", got ${JSON.stringify(plan.network)}`);
    parsed.network = plan.network;
  }
  if (plan.windowMs !== undefined) parsed.windowMs = positive(plan.windowMs, 'windowMs');
  if (plan.serveMs !== undefined) parsed.serveMs = positive(plan.serveMs, 'serveMs');
  if (protocols.includes('dns')) parsed.dns = dnsPlan(plan.dns ?? {});
  if (plan.confirm !== undefined) parsed.confirm = confirmPlan(plan.confirm);
  if (plan.roster !== undefined) {
    parsed.roster = rosterPeers(plan.roster);
    if (parsed.roster.rule.rotate && parsed.windowMs === undefined) throw new AgentSetupError('roster.rule.rotate needs windowMs: peers rotate per window');
  }
  return parsed;
}

function rosterPeers(raw: unknown): RosterPeers {
  const roster = object(raw, 'roster');
  const rule = object(roster.rule, 'roster.rule');
  if (rule.kind !== 'ring') throw new AgentSetupError(`roster.rule.kind must be "ring", got ${JSON.stringify(rule.kind)}`);
  const k = positive(rule.k, 'roster.rule.k');
  if (!Number.isInteger(k)) throw new AgentSetupError(`roster.rule.k must be a whole number, got ${k}`);
  if (rule.rotate !== undefined && typeof rule.rotate !== 'boolean') throw new AgentSetupError(`roster.rule.rotate must be true or false, got ${JSON.stringify(rule.rotate)}`);
  const paths = array(roster.paths, 'roster.paths').map((p, i) => {
    if (p !== 'pod' && p !== 'host' && p !== 'service') throw new AgentSetupError(`roster.paths[${i}]: "${String(p)}" is not pod, host or service`);
    return p as NetworkPath;
  });
  return { file: nonEmptyString(roster.file, 'roster.file'), paths, rule: { kind: 'ring', k, ...(rule.rotate !== undefined && { rotate: rule.rotate }) } };
}

function confirmPlan(raw: unknown): ConfirmPlan {
  const confirm = object(raw, 'confirm');
  const rule = object(confirm.rule, 'confirm.rule');
  const threshold = positive(rule.threshold, 'confirm.rule.threshold');
  if (threshold >= 1) throw new AgentSetupError(`confirm.rule.threshold must be a loss ratio below 1, got ${threshold}`);
  // An e-value bar of 1 or less is met by no evidence at all.
  const bar = (v: unknown, where: string) => {
    if (positive(v, where) <= 1) throw new AgentSetupError(`${where} must be > 1, got ${JSON.stringify(v)}`);
    return v as number;
  };
  const maxMs = confirm.maxMs;
  if (typeof maxMs !== 'number' || !Number.isFinite(maxMs) || maxMs < 0) throw new AgentSetupError(`confirm.maxMs must be a number >= 0, got ${JSON.stringify(maxMs)}`);
  const maxProbesPerSeries = positive(confirm.maxProbesPerSeries, 'confirm.maxProbesPerSeries');
  if (!Number.isInteger(maxProbesPerSeries)) throw new AgentSetupError(`confirm.maxProbesPerSeries must be a whole number, got ${maxProbesPerSeries}`);
  return {
    maxMs,
    ratePerSecond: positive(confirm.ratePerSecond, 'confirm.ratePerSecond'),
    maxProbesPerSecond: positive(confirm.maxProbesPerSecond, 'confirm.maxProbesPerSecond'),
    maxProbesPerSeries,
    rule: { threshold, flagAt: bar(rule.flagAt, 'confirm.rule.flagAt'), clearAt: bar(rule.clearAt, 'confirm.rule.clearAt') },
  };
}

function dnsPlan(raw: unknown): DnsPlan {
  const dns = object(raw, 'dns');
  const names = array(dns.names ?? ['kubernetes.default.svc.cluster.local'], 'dns.names').map((n, i) => nonEmptyString(n, `dns.names[${i}]`));
  if (names.length === 0) throw new AgentSetupError('dns.names is empty');
  const parsed: DnsPlan = {
    names,
    queryTimeoutMs: positive(dns.queryTimeoutMs ?? PLAN_DEFAULTS.dnsQueryTimeoutMs, 'dns.queryTimeoutMs'),
    resolverTimeoutMs: positive(dns.resolverTimeoutMs ?? PLAN_DEFAULTS.resolverTimeoutMs, 'dns.resolverTimeoutMs'),
    resolverAttempts: positive(dns.resolverAttempts ?? PLAN_DEFAULTS.resolverAttempts, 'dns.resolverAttempts'),
  };
  if (dns.server !== undefined) parsed.server = nonEmptyString(dns.server, 'dns.server');
  if (dns.port !== undefined) parsed.port = port(dns.port, 'dns.port');
  return parsed;
}

function peer(raw: unknown, where: string): PeerTarget {
  const p = object(raw, where);
  const path = p.path ?? 'pod';
  if (path !== 'pod' && path !== 'host' && path !== 'service') throw new AgentSetupError(`${where}.path: "${String(path)}" is not pod, host or service`);
  return {
    node: nonEmptyString(p.node, `${where}.node`),
    ip: nonEmptyString(p.ip, `${where}.ip`),
    tcpPort: port(p.tcpPort, `${where}.tcpPort`),
    udpPort: port(p.udpPort, `${where}.udpPort`),
    path,
  };
}

export function object(v: unknown, where: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new AgentSetupError(`${where} must be an object`);
  return v as Record<string, unknown>;
}
export function array(v: unknown, where: string): unknown[] {
  if (!Array.isArray(v)) throw new AgentSetupError(`${where} must be a list`);
  return v;
}
export function nonEmptyString(v: unknown, where: string): string {
  if (typeof v !== 'string' || v === '') throw new AgentSetupError(`${where} must be a non-empty string`);
  return v;
}
export function positive(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0) throw new AgentSetupError(`${where} must be a number > 0, got ${JSON.stringify(v)}`);
  return v;
}
function byteCount(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > MAX_TCP_PAYLOAD) throw new AgentSetupError(`${where} must be a whole number 0..${MAX_TCP_PAYLOAD}, got ${JSON.stringify(v)}`);
  return v;
}
export function port(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1 || v > 65535) throw new AgentSetupError(`${where} must be a port 1..65535, got ${JSON.stringify(v)}`);
  return v;
}
