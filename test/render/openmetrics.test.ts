// -o openmetrics as Prometheus reads it: `promtool check metrics` (the text-format parser and
// linter the Pushgateway and the textfile collector share) passes it without a remark, and
// Prometheus' own OpenMetrics parser (promtool's backfill into a TSDB, read back with
// `promtool tsdb dump`) gives back the report's figures, per pair, with the findings as info.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analyse/analyse.ts';
import { renderOpenMetrics } from '../../src/render/openmetrics.ts';
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const PROMTOOL = '/usr/bin/promtool';
const dir = mkdtempSync(join(tmpdir(), 'netprobe-openmetrics-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scenario = (name: string): MatrixReport => analyse(SCENARIOS.find((s) => s.name === name)!.input);

beforeAll(() => {
  if (spawnSync(PROMTOOL, ['--version']).status !== 0) throw new Error(`${PROMTOOL} is missing: \`npm run setup\` as root installs it (Debian package prometheus)`);
});

/** Every series and its value, as Prometheus stored them: `name{label="v",...}` (labels sorted by name) → value. */
function throughPrometheus(text: string, atSeconds: number): Map<string, number> {
  const name = `blocks-${Math.random().toString(36).slice(2)}`;
  const input = join(dir, `${name}.txt`);
  // Backfilling wants a timestamp on every sample; the plugin writes none (the Pushgateway refuses them).
  writeFileSync(input, text.split('\n').map((line) => (line === '' || line.startsWith('#') ? line : `${line} ${atSeconds}`)).join('\n'));
  const blocks = join(dir, name);
  execFileSync(PROMTOOL, ['tsdb', 'create-blocks-from', 'openmetrics', input, blocks], { stdio: 'pipe' });
  mkdirSync(join(blocks, 'wal'), { recursive: true });
  const series = new Map<string, number>();
  for (const line of execFileSync(PROMTOOL, ['tsdb', 'dump', blocks], { encoding: 'utf8', maxBuffer: 64 * 2 ** 20 }).trim().split('\n')) {
    const match = /^\{(.*)\} (\S+) \d+$/.exec(line);
    if (!match) throw new Error(`unexpected dump line: ${line}`);
    const labels = [...match[1].matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map(([, k, v]) => [k, v] as const);
    const metric = labels.find(([k]) => k === '__name__')![1];
    const rest = labels.filter(([k]) => k !== '__name__').sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',');
    series.set(`${metric}{${rest}}`, Number(match[2]));
  }
  return series;
}

function pairSeries(metric: string, pair: Pick<PairReport, 'source' | 'destination' | 'protocol' | 'path'>, extra: Record<string, string> = {}): string {
  const labels = { destination: pair.destination, path: pair.path, protocol: pair.protocol, source: pair.source, ...extra };
  return `${metric}{${Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
}

/** A figure the report has is stored as it is (to float precision); one it lacks (null) has no series. */
function expectValue(series: Map<string, number>, key: string, value: number | null): void {
  if (value === null) expect(series.has(key)).toBe(false);
  else expect(series.get(key)).toBeCloseTo(value, 12);
}

describe.each(['mixed-faults', 'timeline-bursts', 'pod-and-host'])('matrix -o openmetrics (%s)', (name) => {
  const report = scenario(name);
  const text = renderOpenMetrics(report);

  test('promtool check metrics: valid, and no lint remark', () => {
    const check = spawnSync(PROMTOOL, ['check', 'metrics'], { input: text, encoding: 'utf8' });
    expect({ status: check.status, remarks: `${check.stdout}${check.stderr}` }).toEqual({ status: 0, remarks: '' });
    expect(text.endsWith('\n# EOF\n')).toBe(true);
  });

  test('Prometheus\' OpenMetrics parser reads back every pair\'s figures and every finding', () => {
    const series = throughPrometheus(text, Date.parse(report.run.end) / 1000);
    for (const pair of report.pairs) {
      expect(series.get(pairSeries('netprobe_pair_attempts', pair))).toBe(pair.attempts);
      expectValue(series, pairSeries('netprobe_pair_loss_ratio', pair), pair.loss.ratio);
      expectValue(series, pairSeries('netprobe_pair_loss_low_ratio', pair), pair.loss.low);
      expectValue(series, pairSeries('netprobe_pair_loss_high_ratio', pair), pair.loss.high);
      for (const [quantile, ms] of [['0.5', pair.latencyMs.p50], ['0.9', pair.latencyMs.p90], ['0.99', pair.latencyMs.p99]] as const) {
        expectValue(series, pairSeries('netprobe_pair_latency_seconds', pair, { quantile }), ms === null ? null : ms / 1000);
      }
      expect(series.get(pairSeries('netprobe_pair_latency_seconds_count', pair))).toBe(pair.successes);
      expect(series.get(pairSeries('netprobe_pair_enobufs', pair))).toBe(pair.enobufs);
      expect(series.get(pairSeries('netprobe_pair_syn_retransmits', pair))).toBe(pair.protocol === 'tcp' ? pair.synRetransmits : undefined);
      expect(series.get(pairSeries('netprobe_pair_dns_timeouts', pair))).toBe(pair.protocol === 'dns' ? pair.dnsTimeouts : undefined);
    }
    const findings = [...series.keys()].filter((k) => k.startsWith('netprobe_finding_info{'));
    expect(findings).toHaveLength(report.findings.length);
    for (const finding of report.findings) expect(findings.some((k) => k.includes(`kind="${finding.kind}"`) && k.includes(`subject="${finding.subject}"`))).toBe(true);
  });
});

test('the figures of the injected faults, and the flagged pairs\' outcome', () => {
  const report = scenario('mixed-faults');
  const series = throughPrometheus(renderOpenMetrics(report), Date.parse(report.run.end) / 1000);
  const synPair = { source: 'node-1', destination: 'node-2', protocol: 'tcp', path: 'pod' } as const;
  expect(series.get(pairSeries('netprobe_pair_syn_retransmits', synPair))).toBe(15);
  expect(series.get(pairSeries('netprobe_pair_outcome', synPair, { outcome: 'flagged' }))).toBe(1);
  expect(series.get(pairSeries('netprobe_pair_outcome', synPair, { outcome: 'clear' }))).toBe(0);
  expect(series.get(pairSeries('netprobe_pair_enobufs', { source: 'node-3', destination: 'node-1', protocol: 'udp', path: 'pod' }))).toBe(4);
  const clean = { source: 'node-2', destination: 'node-1', protocol: 'udp', path: 'pod' } as const;
  expect(series.get(pairSeries('netprobe_pair_outcome', clean, { outcome: 'clear' }))).toBe(1);
  expect(series.get('netprobe_run_nodes_without_data{run_id="run-test"}')).toBe(1);
  expect(series.get('netprobe_findings{run_id="run-test",severity="warning"}')).toBe(report.findings.filter((f) => f.severity === 'warning').length);
});

test('verdicts: each pair\'s outcome (inconclusive included), the probes an inconclusive one needs, and the run\'s count per outcome', () => {
  const report = scenario('mixed-faults');
  const series = throughPrometheus(renderOpenMetrics(report), Date.parse(report.run.end) / 1000);
  const thin = report.pairs.find((p) => p.source === 'node-3' && p.destination === 'node-1' && p.protocol === 'udp')!;
  expect(thin.verdict).toBe('inconclusive');
  expect(series.get(pairSeries('netprobe_pair_outcome', thin, { outcome: 'inconclusive' }))).toBe(1);
  expect(series.get(pairSeries('netprobe_pair_outcome', thin, { outcome: 'clear' }))).toBe(0);
  expect(series.get(pairSeries('netprobe_pair_probes_to_decide', thin))).toBe(thin.toDecide!.probes);
  // A clear pair has nothing left to decide: no such series.
  expect(series.has(pairSeries('netprobe_pair_probes_to_decide', { source: 'node-2', destination: 'node-1', protocol: 'udp', path: 'pod' }))).toBe(false);
  for (const outcome of ['flagged', 'clear', 'inconclusive'] as const) {
    const count = report.pairs.filter((p) => p.verdict === outcome).length;
    expect(series.get(`netprobe_run_pairs{outcome="${outcome}",run_id="run-test"}`)).toBe(count);
  }
});
