// The 'dns-load' mode: a resperf-style ramp against the cluster DNS. Open loop: queries
// go out at the step's rate whether or not answers come (a closed loop would slow down
// with the server and hide its knee). One socket per query, as a stub resolver opens one
// per lookup: each query is its own conntrack entry with its own DNAT backend choice, so
// the load spreads over the DNS replicas as real clients' does (a small socket pool would
// pin each socket to one replica). maxOutstanding bounds the sockets; the ramp stops on
// its own once a step loses more than stopLossRatio, so it never keeps hammering a DNS
// that already fails.
import { DNS_LOAD_RESULT_KIND, DNS_LOAD_RESULT_SCHEMA_VERSION, type DnsLoadPlan, type DnsLoadResult } from '../shared/dns-load.ts';
import { DNS_PORT, dnsExchange } from './dns-exchange.ts';
import { parseDnsLoadPlan } from './dns-load-plan.ts';
import { StepCounter } from './dns-load-step.ts';
import { discoverLookup, queryMix } from './dns-lookups.ts';
import type { ModeRun } from './mode.ts';
import { readResolvConf, type ResolvConf } from './resolv-conf.ts';
import { selfUsage } from './self-usage.ts';

/** Each tick sends the queries due since the last: 10 ms keeps a step's rate exact without busy-looping. */
const TICK_MS = 10;

export interface DnsLoadRun {
  result: Promise<DnsLoadResult>;
  /** Ends the run now (SIGTERM, Ctrl-C): queries still waiting are reported as abandoned. */
  stop(): void;
}

export async function startDnsLoad(plan: DnsLoadPlan, log: (line: string) => void, resolvConf: () => ResolvConf = readResolvConf): Promise<DnsLoadRun> {
  const startedAt = new Date();
  const warnings: string[] = [];
  const conf = resolvConf();
  const server = plan.server ?? conf.nameserver;
  if (!server) throw new Error('no nameserver in /etc/resolv.conf and none given in the plan');
  const port = plan.port ?? DNS_PORT;
  const lookups = await Promise.all(plan.names.map((name) => discoverLookup(name, conf, server, port)));
  for (const l of lookups) log(`${l.name}: ${l.queriesPerLookup} queries per lookup (${l.tried.length} name(s) tried, last ${l.rcode})`);
  const mix = queryMix(lookups);
  const steps = plan.stepQps.map((qps) => new StepCounter(qps, plan.stepMs, plan.resolverAttempts));

  let outstanding = 0;
  let nextQuery = 0;
  let current = 0;
  let stoppedEarly: string | null = null;
  let timer: NodeJS.Timeout | undefined;
  let finishRun!: () => void;
  const runOver = new Promise<void>((resolve) => (finishRun = resolve));
  let rampOver = false;

  const send = (step: StepCounter) => {
    step.planned++;
    if (outstanding >= plan.maxOutstanding) {
      step.unsent++;
      return;
    }
    outstanding++;
    step.sent++;
    step.inFlight++;
    void dnsExchange(server, port, [mix[nextQuery++ % mix.length]], plan.resolverTimeoutMs, plan.resolverAttempts).then((answer) => {
      outstanding--;
      step.record(answer);
      if (rampOver && outstanding === 0) finishRun();
    });
  };
  const endRamp = () => {
    rampOver = true;
    clearTimeout(timer);
    log(`ramp over after ${current + 1} step(s)${stoppedEarly ? `: ${stoppedEarly}` : ''}; waiting for ${outstanding} answer(s)`);
    if (outstanding === 0) finishRun();
  };

  let origin = 0;
  const tick = () => {
    const elapsed = performance.now() - origin;
    const index = Math.floor(elapsed / plan.stepMs);
    while (current < index) {
      // A late tick first sends what the step still owed, so each step offers its full rate.
      const step = steps[current];
      while (step.planned < step.dueBy(plan.stepMs)) send(step);
      if (current + 1 >= steps.length) return endRamp();
      current++;
      // The step before the one just ended has had a whole step's time to be answered.
      const judged = steps[current - 2];
      if (judged && judged.lossRatio() > plan.stopLossRatio) {
        stoppedEarly = `step ${current - 1} lost ${(judged.lossRatio() * 100).toFixed(1)} % of this loader's ${judged.offeredQps} queries/s`;
        current--;
        return endRamp();
      }
    }
    const step = steps[current];
    while (step.planned < step.dueBy(elapsed - current * plan.stepMs)) send(step);
    timer = setTimeout(tick, TICK_MS);
  };

  const untilStart = plan.startAt ? Math.max(0, Date.parse(plan.startAt) - Date.now()) : 0;
  if (plan.startAt && untilStart === 0) warnings.push(`started after startAt ${plan.startAt}: this loader's steps lag the others'`);
  timer = setTimeout(() => {
    log(`ramping ${plan.stepQps.length} step(s) of ${plan.stepMs} ms to ${plan.stepQps[plan.stepQps.length - 1]}/s against ${server}:${port}`);
    origin = performance.now();
    tick();
  }, untilStart);

  const result = runOver.then((): DnsLoadResult => {
    return {
      kind: DNS_LOAD_RESULT_KIND,
      schemaVersion: DNS_LOAD_RESULT_SCHEMA_VERSION,
      node: plan.node,
      runToken: plan.runToken,
      startedAt: startedAt.toISOString(),
      endedAt: new Date().toISOString(),
      resolver: { server, port, search: conf.search, ndots: conf.ndots },
      lookups,
      steps: steps.slice(0, current + 1).map((s) => s.toJSON()),
      stoppedEarly,
      self: selfUsage(),
      warnings,
    };
  });
  return {
    result,
    stop() {
      stoppedEarly ??= 'stopped by a signal';
      clearTimeout(timer);
      rampOver = true;
      finishRun();
    },
  };
}

/** The agent's entry for plans with mode 'dns-load'. */
export async function runDnsLoadMode(text: string, logFor: (node: string) => (line: string) => void): Promise<ModeRun> {
  const plan = parseDnsLoadPlan(text);
  return { node: plan.node, ...(await startDnsLoad(plan, logFor(plan.node))) };
}
