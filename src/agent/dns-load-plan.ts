// Reads and checks a 'dns-load' plan: a bad plan is the agent's own failure (exit 2).
import { DNS_LOAD_MODE, DNS_LOAD_PLAN_VERSION, type DnsLoadPlan } from '../shared/dns-load.ts';
import { array, nonEmptyString, object, port, positive } from './plan-input.ts';
import { AgentSetupError } from './responder.ts';

export function parseDnsLoadPlan(text: string): DnsLoadPlan {
  const plan = object(JSON.parse(text), 'plan');
  if (plan.planVersion !== DNS_LOAD_PLAN_VERSION) throw new AgentSetupError(`dns-load plan version ${String(plan.planVersion)} is not ${DNS_LOAD_PLAN_VERSION}: use the agent that came with this netprobe`);
  const names = array(plan.names, 'names').map((n, i) => nonEmptyString(n, `names[${i}]`));
  if (names.length === 0) throw new AgentSetupError('names is empty');
  const stepQps = array(plan.stepQps, 'stepQps').map((q, i) => positive(q, `stepQps[${i}]`));
  if (stepQps.length === 0) throw new AgentSetupError('stepQps is empty');
  const stopLossRatio = positive(plan.stopLossRatio, 'stopLossRatio');
  if (stopLossRatio >= 1) throw new AgentSetupError(`stopLossRatio must be below 1, got ${stopLossRatio}`);
  const parsed: DnsLoadPlan = {
    mode: DNS_LOAD_MODE,
    planVersion: DNS_LOAD_PLAN_VERSION,
    runToken: nonEmptyString(plan.runToken, 'runToken'),
    node: nonEmptyString(plan.node, 'node'),
    names,
    stepQps,
    stepMs: positive(plan.stepMs, 'stepMs'),
    resolverTimeoutMs: positive(plan.resolverTimeoutMs, 'resolverTimeoutMs'),
    resolverAttempts: wholeNumber(plan.resolverAttempts, 'resolverAttempts'),
    maxOutstanding: wholeNumber(plan.maxOutstanding, 'maxOutstanding'),
    stopLossRatio,
  };
  if (plan.startAt !== undefined) {
    parsed.startAt = nonEmptyString(plan.startAt, 'startAt');
    if (Number.isNaN(Date.parse(parsed.startAt))) throw new AgentSetupError(`startAt must be an ISO 8601 time, got ${JSON.stringify(parsed.startAt)}`);
  }
  if (plan.server !== undefined) parsed.server = nonEmptyString(plan.server, 'server');
  if (plan.port !== undefined) parsed.port = port(plan.port, 'port');
  return parsed;
}

function wholeNumber(v: unknown, where: string): number {
  const n = positive(v, where);
  if (!Number.isInteger(n)) throw new AgentSetupError(`${where} must be a whole number, got ${n}`);
  return n;
}
