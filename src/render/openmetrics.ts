// `matrix -o openmetrics`: the run's figures per pair as metrics, for a Pushgateway or
// node_exporter's textfile directory. Written in the part of OpenMetrics 1.0 that the
// Prometheus text format (0.0.4) also reads, since both of those parse only that: gauges
// and summaries, findings as an info-style gauge (`_info`, value 1) rather than the
// OpenMetrics `info` type, and no timestamps (the Pushgateway refuses them).
// Values are of this run, not running totals, so counts are gauges too.
import type { Finding, MatrixReport, PairReport } from '../shared/report.ts';
import { judgePairs, PAIR_OUTCOMES, type JudgedPair } from './pair-outcome.ts';

interface Family {
  name: string;
  type: 'gauge' | 'summary';
  unit?: 'seconds' | 'ratio';
  help: string;
  samples: Sample[];
}

interface Sample {
  /** Suffix to the family's name (a summary's _count). */
  suffix?: string;
  labels: Record<string, string>;
  value: number;
}

/** A pair's figure; null: no sample (e.g. no latency when nothing succeeded). */
interface PairMetric {
  name: string;
  unit?: Family['unit'];
  help: string;
  value: (pair: PairReport) => number | null;
  /** Only pairs of these protocols carry it. */
  protocols?: PairReport['protocol'][];
}

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

const PAIR_METRICS: PairMetric[] = [
  { name: 'netprobe_pair_attempts', help: 'Probes sent from source to destination in the run.', value: (p) => p.attempts },
  { name: 'netprobe_pair_loss_ratio', unit: 'ratio', help: 'Share of probes that did not succeed.', value: (p) => p.loss.ratio },
  { name: 'netprobe_pair_loss_low_ratio', unit: 'ratio', help: 'Lower bound of the 95% Wilson interval of the loss ratio.', value: (p) => p.loss.low },
  { name: 'netprobe_pair_loss_high_ratio', unit: 'ratio', help: 'Upper bound of the 95% Wilson interval of the loss ratio.', value: (p) => p.loss.high },
  { name: 'netprobe_pair_latency_max_seconds', unit: 'seconds', help: 'Slowest successful probe.', value: (p) => seconds(p.latencyMs.max) },
  { name: 'netprobe_pair_syn_retransmits', help: 'TCP: SYNs retransmitted, inferred from connect times and the kernel\'s SYN schedule.', value: (p) => p.synRetransmits, protocols: ['tcp'] },
  { name: 'netprobe_pair_dns_timeouts', help: 'DNS: lookups without any answer.', value: (p) => p.dnsTimeouts, protocols: ['dns'] },
  { name: 'netprobe_pair_enobufs', help: 'Probes that failed with ENOBUFS (no buffer space available).', value: (p) => p.enobufs },
  { name: 'netprobe_pair_probes_to_decide', help: 'Inconclusive pairs: further probes that would decide the verdict at the loss rate seen (none: no run length would).', value: (p) => p.toDecide?.probes ?? null },
];

/** Quantiles of the summary and where each is in the report. */
const QUANTILES: [string, (p: PairReport) => number | null][] = [['0.5', (p) => p.latencyMs.p50], ['0.9', (p) => p.latencyMs.p90], ['0.99', (p) => p.latencyMs.p99]];

function pairLabels(pair: PairReport): Record<string, string> {
  // A dual-stack cluster's IPv6 pairs are series of their own; IPv4 ones keep the labels they always had.
  return { source: pair.source, destination: pair.destination, protocol: pair.protocol, path: pair.path, ...(pair.family && { family: pair.family }) };
}

function pairFamilies(judged: readonly JudgedPair[]): Family[] {
  const families: Family[] = PAIR_METRICS.map((metric) => ({
    name: metric.name, type: 'gauge', unit: metric.unit, help: metric.help,
    samples: judged.filter(({ pair }) => !metric.protocols || metric.protocols.includes(pair.protocol))
      .flatMap(({ pair }) => {
        const value = metric.value(pair);
        return value === null ? [] : [{ labels: pairLabels(pair), value }];
      }),
  }));
  families.push({
    name: 'netprobe_pair_latency_seconds', type: 'summary', unit: 'seconds',
    help: 'Latency of successful probes (TCP: connect time), quantiles from the agent\'s histogram; count: successful probes.',
    samples: judged.flatMap(({ pair }) => [
      ...QUANTILES.flatMap(([quantile, of]) => {
        const value = seconds(of(pair));
        return value === null ? [] : [{ labels: { ...pairLabels(pair), quantile }, value }];
      }),
      { suffix: '_count', labels: pairLabels(pair), value: pair.successes },
    ]),
  });
  families.push({
    name: 'netprobe_pair_outcome', type: 'gauge',
    help: `1 for the pair's outcome, 0 for the others: ${PAIR_OUTCOMES.join(', ')} (flagged: its evidence or a finding names the pair; clear: shown below the threshold; inconclusive: too few probes yet to tell).`,
    samples: judged.flatMap(({ pair, outcome }) => PAIR_OUTCOMES.map((o) => ({ labels: { ...pairLabels(pair), outcome: o }, value: o === outcome ? 1 : 0 }))),
  });
  return families;
}

function findingLabels(finding: Finding): Record<string, string> {
  return {
    severity: finding.severity, kind: finding.kind, pattern: finding.pattern, subject: finding.subject,
    path: finding.path ?? '', protocols: finding.protocols.join(','), message: finding.message,
  };
}

function runFamilies(report: MatrixReport, judged: readonly JudgedPair[]): Family[] {
  const run = { run_id: report.run.id };
  return [
    { name: 'netprobe_run_end_timestamp_seconds', type: 'gauge', unit: 'seconds', help: 'When the run ended (Unix time).', samples: [{ labels: run, value: Date.parse(report.run.end) / 1000 }] },
    { name: 'netprobe_run_nodes_measured', type: 'gauge', help: 'Nodes whose agent gave a result.', samples: [{ labels: run, value: report.nodes.filter((n) => n.status === 'ok').length }] },
    { name: 'netprobe_run_nodes_without_data', type: 'gauge', help: 'Nodes that gave no result (-o json says why).', samples: [{ labels: run, value: report.nodes.filter((n) => n.status !== 'ok').length }] },
    { name: 'netprobe_run_pairs', type: 'gauge', help: 'Pairs of the run by outcome (the verdicts of -o json, and unmeasured).', samples: PAIR_OUTCOMES.map((outcome) => ({ labels: { ...run, outcome }, value: judged.filter((j) => j.outcome === outcome).length })) },
    { name: 'netprobe_findings', type: 'gauge', help: 'Findings of the run by severity.', samples: (['critical', 'warning', 'info'] as const).map((severity) => ({ labels: { ...run, severity }, value: report.findings.filter((f) => f.severity === severity).length })) },
    { name: 'netprobe_finding_info', type: 'gauge', help: 'One sample per finding (value 1), described by its labels.', samples: report.findings.map((f) => ({ labels: findingLabels(f), value: 1 })) },
  ];
}

/** Label values: backslash, double quote and newline escaped (OpenMetrics 1.0, ABNF "escaped-string"). */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function renderFamily(family: Family): string {
  const lines = [`# TYPE ${family.name} ${family.type}`];
  if (family.unit) lines.push(`# UNIT ${family.name} ${family.unit}`);
  lines.push(`# HELP ${family.name} ${family.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`);
  for (const sample of family.samples) {
    const labels = Object.entries(sample.labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(',');
    lines.push(`${family.name}${sample.suffix ?? ''}{${labels}} ${sample.value}`);
  }
  return lines.join('\n');
}

export function renderOpenMetrics(report: MatrixReport): string {
  // Resolver pairs are pairs too: their destination label is 'dns:<ip>'.
  const judged = judgePairs(report.pairs, report.findings);
  const families = [...runFamilies(report, judged), ...pairFamilies(judged)].filter((f) => f.samples.length > 0);
  return `${families.map(renderFamily).join('\n')}\n# EOF\n`;
}
