// --fail-on "loss>1%,dnsTimeouts>0": CI gates. A condition holds when any measured
// pair (or, for report-wide counts such as 'findings', 'critical', 'flagged' and
// 'inconclusive', the report) exceeds it; the run then exits 2.
import type { MatrixReport, PairReport } from '../shared/report.ts';
import { UsageError } from './parse-options.ts';

type PairMetric = (pair: PairReport) => number | null;

const PAIR_METRICS: Record<string, PairMetric> = {
  loss: (p) => p.loss.ratio,
  // The interval's lower bound: fails only on loss the evidence supports.
  lossLow: (p) => p.loss.low,
  synLoss: (p) => p.synLoss?.ratio ?? null,
  synRetransmits: (p) => p.synRetransmits,
  dnsTimeouts: (p) => p.dnsTimeouts,
  enobufs: (p) => p.enobufs,
  p50: (p) => p.latencyMs.p50,
  p90: (p) => p.latencyMs.p90,
  p99: (p) => p.latencyMs.p99,
  max: (p) => p.latencyMs.max,
};
const REPORT_METRICS: Record<string, (r: MatrixReport) => number> = {
  findings: (r) => r.findings.length,
  critical: (r) => r.findings.filter((f) => f.severity === 'critical').length,
  noData: (r) => r.nodes.filter((n) => n.status === 'no-data').length,
  // Pairs by verdict: "flagged>0" fails on the evidence, "inconclusive>0" also when some pair was probed too little to tell.
  flagged: (r) => r.pairs.filter((p) => p.verdict === 'flagged').length,
  inconclusive: (r) => r.pairs.filter((p) => p.verdict === 'inconclusive').length,
};

export interface FailCondition {
  text: string;
  metric: string;
  op: '>' | '>=';
  value: number;
}

const MATRIX_METRICS = [...Object.keys(PAIR_METRICS), ...Object.keys(REPORT_METRICS)];

/** Conditions on `metrics` (by default the matrix report's; compare passes its own). */
export function parseFailOn(text: string, metrics: readonly string[] = MATRIX_METRICS): FailCondition[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((item) => {
    const m = /^(\w+)\s*(>=|>)\s*(\d+(?:\.\d+)?)\s*(%|ms|s)?$/.exec(item);
    if (!m) throw new UsageError(`--fail-on: "${item}" is not METRIC>VALUE (e.g. ${metrics === MATRIX_METRICS ? 'loss>1%, p99>200ms, dnsTimeouts>0' : `${metrics[0]}>0`})`);
    const [, metric, op, number, unit] = m;
    if (!metrics.includes(metric)) {
      throw new UsageError(`--fail-on: unknown metric "${metric}" (one of ${metrics.join(', ')})`);
    }
    const value = unit === '%' ? Number(number) / 100 : unit === 's' ? Number(number) * 1000 : Number(number);
    return { text: item, metric, op: op as FailCondition['op'], value };
  });
}

/** For a verdict count, the first such pair: where to look. */
function verdictExample(report: MatrixReport, metric: string): string {
  if (metric !== 'flagged' && metric !== 'inconclusive') return '';
  const pair = report.pairs.find((p) => p.verdict === metric)!;
  return ` (first: ${pair.source} -> ${pair.destination} ${pair.protocol}/${pair.path})`;
}

export function exceeds(x: number, c: FailCondition): boolean {
  return c.op === '>' ? x > c.value : x >= c.value;
}

/** The conditions that hold, each with where (the first pair that breaks it). */
export function failedConditions(report: MatrixReport, conditions: readonly FailCondition[]): string[] {
  const failed: string[] = [];
  for (const c of conditions) {
    if (c.metric in REPORT_METRICS) {
      const x = REPORT_METRICS[c.metric](report);
      if (exceeds(x, c)) failed.push(`${c.text}: ${c.metric} = ${x}${verdictExample(report, c.metric)}`);
      continue;
    }
    const pair = report.pairs.find((p) => {
      const x = PAIR_METRICS[c.metric](p);
      return x !== null && exceeds(x, c);
    });
    if (pair) failed.push(`${c.text}: ${pair.source} -> ${pair.destination} ${pair.protocol}/${pair.path} ${c.metric} = ${PAIR_METRICS[c.metric](pair)}`);
  }
  return failed;
}
