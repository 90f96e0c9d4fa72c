// The heatmap and findings as a user sees them, compared with golden files
// (UPDATE_GOLDEN=1 rewrites them), plus the properties every output must keep.
import { analyse } from '../../src/analyse/analyse.ts';
import { renderTable } from '../../src/render/table.ts';
import { isResolver, type MatrixReport } from '../../src/shared/report.ts';
import { expectGolden } from '../support/golden.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const reports = new Map<string, MatrixReport>(SCENARIOS.map((scenario) => [scenario.name, analyse(scenario.input)]));
const table = (name: string, color = false) => renderTable(reports.get(name)!, { color });
/** The heatmap's header and rows: the lines after the title (which ends with ':') in the second paragraph. */
/** The text with line breaks and runs of blanks as single spaces: prose as a reader takes it in. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

function heatmapOf(text: string, rows: number): string[] {
  const lines = text.split('\n\n')[1].split('\n');
  const start = lines.findIndex((line) => line.endsWith(':')) + 1;
  return lines.slice(start, start + 1 + rows);
}

describe('renderTable', () => {
  test.each(SCENARIOS.map((s) => s.name))('%s matches its golden output and fits 80 columns', (name) => {
    const text = table(name);
    expectGolden(`${GOLDEN}${name}.txt`, text);
    expect(text).not.toContain('\u001b[');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  test('colour: graded cells and severities, golden', () => {
    const text = table('mixed-faults', true);
    expectGolden(`${GOLDEN}mixed-faults.color.txt`, text);
    expect(text).toContain('\u001b[33m4.8*\u001b[39m');
    expect(text).toContain('\u001b[32m0\u001b[39m');
    // Inconclusive cells keep the terminal's own colour: their "?" says it.
    expect(text).toContain(' 1.3? ');
    expect(text).toContain('\u001b[90mn/a\u001b[39m');
  });

  test('bad node: its row and column are red, the diagonal marked, other cells clean', () => {
    const [head, ...rows] = heatmapOf(table('bad-node'), 6);
    expect(head.trim().split(/\s+/)).toEqual(['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6', 'DNS']);
    const cells = rows.map((row) => row.trim().split(/\s+/));
    expect(cells[3]).toEqual(['node-4', '10!', '10!', '10!', '\\', '10!', '10!', '0']);
    expect(cells.map((row) => row[4])).toEqual(['10!', '10!', '10!', '\\', '10!', '10!']);
    expect(cells[0]).toEqual(['node-1', '\\', '0', '0', '10!', '0', '0', '0']);
    expect(table('bad-node')).toContain('CRITICAL loss, bad-node: node-4');
  });

  test('a node without data is grey "n/a" with its reason under the heatmap', () => {
    const text = table('mixed-faults');
    const rows = heatmapOf(text, 5).map((row) => row.trim().split(/\s+/));
    expect(rows[5]).toEqual(['node-5', 'n/a', 'n/a', 'n/a', 'n/a', '\\', 'n/a']);
    expect(text).toContain('No data from 1 node:\n  node-5: pod netprobe-7f2kq could not be scheduled');
  });

  test('the noise-only cluster (300 probes a pair, no confirmation) shows no flag and no false "0": every cell inconclusive, and what deciding takes', () => {
    const text = table('clean-noise');
    const cells = heatmapOf(text, 6).slice(1).flatMap((row) => row.trim().split(/\s+/).slice(1)).filter((cell) => cell !== '\\');
    expect(cells).toHaveLength(6 * 6);
    for (const cell of cells) expect(cell).toMatch(/^[\d.]+\?$/);
    expect(flat(text)).toContain('Verdicts (per pair and protocol): 0 flagged, 0 clear, 66 inconclusive. Of the inconclusive, the median one needs');
    expect(text).toContain('No findings:');
  });

  test('the legend says what each mark means, without colour', () => {
    expect(flat(table('clean-noise'))).toContain('! flagged critical, * flagged warning (see findings), ? inconclusive (too few probes yet to tell loss below 0.5% from above), no mark clear (shown below 0.5%)');
  });

  test('findings state their confidence: the e-value and the error rate it bounds', () => {
    const text = flat(table('mixed-faults'));
    expect(text).toMatch(/confidence: evidence e = [\d.e]+ against a SYN loss of 0\.5% or less: chance alone reaches it with probability at most [\d.e-]+, however long the probing went on; flagged at a 5\.0% false discovery rate over the run's \d+ tests \(e-BH\)\./);
    expect(text).toMatch(/confidence: pooled evidence e = [\d.e]+ against 1\.0% or fewer of the samples above the limit: .* found at a 5\.0% error rate over this matrix's \d+ pattern tests \(Bonferroni\)\./);
  });

  test('long names: the shared prefix and suffix are stripped and said once', () => {
    const text = table('long-names-12');
    expect(heatmapOf(text, 12)[0].trim().split(/\s+/).slice(0, 3)).toEqual(['1-5', '2-22', '3-39']);
    expect(flat(text)).toContain('Names shortened: "ip-10-0-" before and ".eu-west-1.compute.internal" after each label.');
  });

  test('unrelated long names: n1, n2, … with a legend', () => {
    const text = table('unrelated-names-12');
    expect(heatmapOf(text, 12)[0].trim().split(/\s+/)[0]).toBe('n1');
    expect(text).toContain('n8=gke-prod-pool-a-1f2e');
  });

  test('30 nodes with zones: one row and column per zone', () => {
    const text = table('zones-30');
    expect(flat(text)).toContain('by zone (30 nodes do not fit 80 columns');
    expect(heatmapOf(text, 3)[0].trim().split(/\s+/)).toEqual(['zone-a', 'zone-b', 'zone-c', 'DNS']);
    expect(text).toContain('zone-a (10 nodes)');
  });

  test('30 nodes without zones: the worst pairs, worst first', () => {
    const text = table('worst-pairs-30');
    expect(flat(text)).toContain('the worst 15 pairs');
    expect(text).toMatch(/\nfrom +to +proto +loss +95% CI +SYN loss +p99 +verdict\nnode-7 +node-8 +tcp +20% +.* flagged critical\n/);
  });

  test('dual-stack: a heatmap per family, IPv4 first, each of its own pairs', () => {
    const ipv4 = reports.get('clean-noise')!;
    const ipv6 = reports.get('bad-node')!.pairs.filter((pair) => !isResolver(pair.destination)).map((pair) => ({ ...pair, family: 'ipv6' as const }));
    const paragraphs = renderTable({ ...ipv4, pairs: [...ipv4.pairs, ...ipv6] }, { color: false }).split('\n\n').map((p) => p.split('\n'));
    const titled = (title: string) => paragraphs.findIndex((p) => flat(p.join(' ')).startsWith(title));
    const [v4, v6] = [titled('Loss % on the pod network (IPv4), row to column, worst of tcp/udp and to DNS:'), titled('Loss % on the pod network (IPv6), row to column, worst of tcp/udp:')];
    expect(v4).toBeGreaterThan(0);
    expect(v6).toBe(v4 + 1);
    const row = (paragraph: number, node: string) => paragraphs[paragraph].find((line) => line.startsWith(node))!.trim().split(/\s+/);
    expect(row(v6, 'node-4')).toEqual(['node-4', '10!', '10!', '10!', '\\', '10!', '10!']);
    expect(row(v4, 'node-4').slice(1)).not.toContain('10!');
  });

  test('--group-by kernel groups nodes by kernel release', () => {
    const text = renderTable(reports.get('mixed-faults')!, { color: false, groupBy: 'kernel' });
    expect(text).toContain('4.19.0-21-amd64 (1 nodes)');
    expect(text).toContain('6.1.0-18-amd64 (3 nodes)');
  });

  test('a wider terminal keeps full names', () => {
    const text = renderTable(reports.get('long-names-12')!, { color: false, width: 400 });
    expect(text).toContain('ip-10-0-1-5.eu-west-1.compute.internal ');
  });
});

describe('coverage: the share of directed pairs probed, and when the whole mesh will be', () => {
  const withCoverage = (coverage: MatrixReport['coverage']) => ({ ...reports.get('worst-pairs-30')!, coverage });
  const headerOf = (report: MatrixReport) => renderTable(report, { color: false }).split('\n\n')[0].replace(/\s+/g, ' ');

  test('a rotation: the share now, and after how many windows every pair', () => {
    expect(headerOf(withCoverage({ probedPairs: 480, possiblePairs: 870, fullMeshAfterMs: 120_000, windows: 2, windowMs: 60_000 })))
      .toMatch(/Coverage: 480 of 870 directed node pairs probed \(55%\); every pair within 2 windows of 60 s \(2 min from the start\)\.$/);
  });

  test('the whole mesh, or a sample that never reaches it', () => {
    expect(headerOf(withCoverage({ probedPairs: 870, possiblePairs: 870, fullMeshAfterMs: 0 }))).toMatch(/Coverage: 870 of 870 directed node pairs probed \(100%\): the whole mesh\.$/);
    expect(headerOf(withCoverage({ probedPairs: 480, possiblePairs: 870, fullMeshAfterMs: null })))
      .toMatch(/Coverage: 480 of 870 directed node pairs probed \(55%\); the others are never probed by this sample/);
  });

  test('no coverage from the CLI, no line', () => {
    expect(renderTable(reports.get('worst-pairs-30')!, { color: false })).not.toContain('Coverage:');
  });
});
