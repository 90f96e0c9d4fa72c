// kubectl netprobe compare BEFORE AFTER: two saved matrix reports (e.g. before and after a
// kernel upgrade) → what regressed, what improved, the kernels side by side. Reads files only.
import { compareReports } from '../compare/compare.ts';
import type { CompareReport } from '../compare/compare-report.ts';
import { loadReport } from '../compare/load-report.ts';
import { renderCompareTable } from '../compare/render-table.ts';
import { DEFAULT_THRESHOLDS } from '../analyse/options.ts';
import { renderJson } from '../render/json.ts';
import { renderCompareJUnit } from '../render/junit-compare.ts';
import { renderYaml } from '../render/yaml.ts';
import { formatPercent } from '../shared/format.ts';
import { EXIT_GATE, EXIT_OK } from './exit-codes.ts';
import { exceeds, parseFailOn } from './fail-on.ts';
import { useColor } from './output.ts';
import { parseDuration, parseOneOf, UsageError } from './parse-options.ts';

export const COMPARE_FORMATS = ['table', 'json', 'yaml', 'junit'] as const;

/** What --fail-on can test; each is a count or the largest significant change. */
const COMPARE_METRICS: Record<string, (report: CompareReport) => number> = {
  regressions: (r) => r.summary.regressions,
  nodeRegressions: (r) => r.summary.nodeRegressions,
  newCritical: (r) => r.summary.newCritical,
  onlyBefore: (r) => r.summary.onlyBefore,
  lossIncrease: (r) => Math.max(0, ...r.regressions.map((c) => (c.measure === 'latency' ? 0 : c.delta ?? 0))),
  p99Increase: (r) => Math.max(0, ...r.regressions.map((c) => (c.measure === 'latency' ? c.deltaMs.p99 ?? 0 : 0))),
};

// A compare is run to gate an upgrade: by default any significant regression, in a pair or
// a node (a node that measured before and gave no data after counts), fails it; so does a
// critical finding of the after run that the before run did not have (its own evidence
// flagged it, though two short runs are too few probes for the comparison to).
export const DEFAULT_COMPARE_FAIL_ON = 'regressions>0,nodeRegressions>0,newCritical>0';

export const COMPARE_OPTIONS = {
  output: { alias: 'o', type: 'string', default: 'table', describe: `output format: ${COMPARE_FORMATS.join('|')}` },
  'fail-on': {
    type: 'string', default: DEFAULT_COMPARE_FAIL_ON,
    describe: `exit 2 when met; metrics: ${Object.keys(COMPARE_METRICS).join(', ')} (e.g. "lossIncrease>1%"; "" never fails)`,
  },
  'latency-factor': { type: 'number', default: DEFAULT_THRESHOLDS.latencyFactor, describe: 'a latency change counts when a quantile moves past this factor …' },
  'latency-margin': { type: 'string', default: `${DEFAULT_THRESHOLDS.latencyMarginMs}ms`, describe: '… and at least this much (as the matrix judges latency)' },
  fdr: { type: 'number', default: DEFAULT_THRESHOLDS.falseDiscoveryRate, describe: 'false discovery rate the changes are judged at' },
  detect: { type: 'string', default: `${DEFAULT_THRESHOLDS.lossRatio * 100}%`, describe: 'the loss increase to size runs for: the output says the --duration that would detect it' },
} as const;

interface CompareArgs {
  before: string;
  after: string;
  output: string;
  'fail-on': string;
  'latency-factor': number;
  'latency-margin': string;
  fdr: number;
  detect: string;
}

/** "0.5%" or "0.005": a loss increase between 0 and 1. */
function parseIncrease(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(%?)$/.exec(text.trim());
  const value = m ? Number(m[1]) / (m[2] ? 100 : 1) : NaN;
  if (!(value > 0 && value < 1)) throw new UsageError(`--detect: "${text}" is not a loss increase such as 0.5% or 0.005`);
  return value;
}

export function runCompareCommand(args: CompareArgs): number {
  const format = parseOneOf(COMPARE_FORMATS, args.output, '--output');
  const failOn = parseFailOn(args['fail-on'], Object.keys(COMPARE_METRICS));
  if (!(args['latency-factor'] >= 1)) throw new UsageError(`--latency-factor: ${args['latency-factor']} is not a factor >= 1`);
  if (!(args.fdr > 0 && args.fdr < 1)) throw new UsageError(`--fdr: ${args.fdr} is not a rate between 0 and 1`);
  const settings = {
    falseDiscoveryRate: args.fdr, latencyFactor: args['latency-factor'], latencyMarginMs: parseDuration(args['latency-margin'], '--latency-margin'),
    detectIncrease: parseIncrease(args.detect),
  };

  const report = compareReports(loadReport(args.before), loadReport(args.after), settings);
  const text = format === 'table' ? renderCompareTable(report, { color: useColor(process.stdout), width: process.stdout.columns })
    : format === 'json' ? renderJson(report) : format === 'junit' ? renderCompareJUnit(report) : renderYaml(report);
  process.stdout.write(text);

  const failed = failOn.filter((c) => exceeds(COMPARE_METRICS[c.metric](report), c));
  for (const c of failed) {
    const value = COMPARE_METRICS[c.metric](report);
    const first = c.metric === 'newCritical' ? ` (${report.newCritical.map((f) => `${f.kind} ${f.pattern} ${f.subject}`).join('; ')})` : '';
    process.stderr.write(`--fail-on met: ${c.text}: ${c.metric} = ${c.metric === 'lossIncrease' ? formatPercent(value) : value}${first}\n`);
  }
  return failed.length ? EXIT_GATE : EXIT_OK;
}
