// The `dns` command's document: what -o json/yaml print and the table shows.
import type { DnsLoadResult, NameLookup } from '../shared/dns-load.ts';
import { autoscalerReplicas, type AutoscalerAnswer } from './autoscaler.ts';
import { nodeLocalDnsEvidence, type ClusterDnsFacts } from './cluster-dns.ts';
import { findKnee, type Knee } from './knee.ts';
import { recommendReplicas, type Recommendation } from './recommend.ts';
import { addUpSteps, type LoadStep } from './steps.ts';

export const DNS_REPORT_KIND = 'netprobe-dns-report';
export const DNS_REPORT_SCHEMA_VERSION = 1;

export interface DnsRunSettings {
  maxQps: number;
  steps: number;
  stepMs: number;
  names: string[];
  lossThreshold: number;
  headroom: number;
  peakQps?: number;
  loaders: string[];
  image: string;
  namespace: string;
}

export interface DnsReport {
  kind: typeof DNS_REPORT_KIND;
  schemaVersion: typeof DNS_REPORT_SCHEMA_VERSION;
  run: { id: string; start: string; end: string; settings: DnsRunSettings };
  cluster: ClusterDnsFacts & { autoscaler: AutoscalerAnswer; nodeLocalDns: { present: boolean; evidence: string | null } };
  /** The resolver the loaders loaded (from their resolv.conf, or --server). */
  resolvers: string[];
  /** How each name is looked up through the loaders' search path. */
  lookups: NameLookup[];
  steps: LoadStep[];
  knee: Knee;
  /** Lookups per second at the knee, for the --names mix (each lookup costs its queriesPerLookup). */
  kneeLookupsPerSecond: number | null;
  recommendation: Recommendation | null;
  /** Loaders that stopped the ramp early, and why. */
  stoppedEarly: { node: string; reason: string }[];
  noData: { node: string; reason: string }[];
  warnings: string[];
}

export function buildDnsReport(
  run: DnsReport['run'], facts: ClusterDnsFacts, results: readonly DnsLoadResult[], noData: DnsReport['noData'],
): DnsReport {
  const { settings } = run;
  const steps = addUpSteps(results);
  const knee = findKnee(steps, settings.lossThreshold);
  const resolvers = [...new Set(results.map((r) => r.resolver.server))];
  const evidence = nodeLocalDnsEvidence(facts.nodeLocalDnsPods, resolvers);
  const lookups = results[0]?.lookups ?? [];
  const queriesPerRound = lookups.reduce((n, l) => n + l.queriesPerLookup, 0);
  return {
    kind: DNS_REPORT_KIND,
    schemaVersion: DNS_REPORT_SCHEMA_VERSION,
    run,
    cluster: { ...facts, autoscaler: autoscalerReplicas(facts.nodes, facts.cores), nodeLocalDns: { present: evidence !== null, evidence } },
    resolvers,
    lookups,
    steps,
    knee,
    kneeLookupsPerSecond: knee.qps !== null && queriesPerRound > 0 ? (knee.qps * lookups.length) / queriesPerRound : null,
    recommendation: recommendReplicas(knee, facts.readyReplicas, settings.headroom, settings.peakQps),
    stoppedEarly: results.filter((r) => r.stoppedEarly).map((r) => ({ node: r.node, reason: r.stoppedEarly! })),
    noData,
    warnings: results.flatMap((r) => r.warnings.map((w) => `${r.node}: ${w}`)),
  };
}
