// compare on crafted runs (real analysis of crafted agent results): the faulty pair is named
// and ranked, noise between two clean runs is no change, nodes pool their pairs and show
// their kernels side by side.
import { analyse, type NoDataEntry } from '../../src/analyse/analyse.ts';
import { DEFAULT_THRESHOLDS } from '../../src/analyse/options.ts';
import { compareReports } from '../../src/compare/compare.ts';
import type { CompareReport, PairChange } from '../../src/compare/compare-report.ts';
import { renderCompareTable } from '../../src/compare/render-table.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { healthyNoise, matrixResults, nodeNames, RUN, type PairSpecOf, type ResultOptions } from '../support/agent-results.ts';

const NODES = nodeNames(6);
const SETTINGS = { falseDiscoveryRate: DEFAULT_THRESHOLDS.falseDiscoveryRate, latencyFactor: DEFAULT_THRESHOLDS.latencyFactor, latencyMarginMs: DEFAULT_THRESHOLDS.latencyMarginMs, detectIncrease: 0.005 };

interface RunSpec {
  specOf: PairSpecOf;
  nodes?: string[];
  options?: (node: string) => ResultOptions;
  noData?: NoDataEntry[];
  settings?: Record<string, unknown>;
}

function run({ specOf, nodes = NODES, options, noData = [], settings = RUN.settings }: RunSpec): MatrixReport {
  const measured = nodes.filter((node) => !noData.some((entry) => entry.node === node));
  return analyse({ run: { ...RUN, settings }, nodes: nodes.map((name) => ({ name })), results: matrixResults(measured, ['tcp', 'udp', 'dns'], specOf, options), noData });
}

const compare = (before: MatrixReport, after: MatrixReport): CompareReport =>
  compareReports({ file: 'before.json', report: before }, { file: 'after.json', report: after }, SETTINGS);

/** A clean run's noise with one pair changed. */
const withFault = (seed: number, source: string, destination: string, protocol: string, change: Partial<ReturnType<PairSpecOf>>): PairSpecOf => {
  const noise = healthyNoise(seed);
  return (s, d, p) => ({ ...noise(s, d, p), ...(s === source && d === destination && p === protocol ? change : {}) });
};

const named = (changes: PairChange[]) => changes.map((c) => `${c.source} -> ${c.destination} ${c.protocol}/${c.path} ${c.measure}`);

describe('compare', () => {
  test.each([[1, 2], [3, 4], [5, 6]])('two clean runs with noise (seeds %i, %i): no change, nothing only in one run', (a, b) => {
    const report = compare(run({ specOf: healthyNoise(a) }), run({ specOf: healthyNoise(b) }));
    expect(named(report.regressions)).toEqual([]);
    expect(named(report.improvements)).toEqual([]);
    expect(report.nodes.filter((node) => node.change !== 'unchanged')).toEqual([]);
    expect(report.summary).toMatchObject({ pairsCompared: 6 * 5 * 2 + 6, onlyBefore: 0, onlyAfter: 0, kernelChanges: 0 });
    // loss per pair, SYN loss per TCP pair, latency per pair
    expect(report.summary.tests).toBe(66 + 30 + 66);
  });

  test('a lossy pair after is the regression, named with its counts; the same change backwards is an improvement', () => {
    const before = run({ specOf: healthyNoise(1) });
    const after = run({ specOf: withFault(2, 'node-2', 'node-5', 'udp', { lost: 20 }) });
    const report = compare(before, after);
    expect(named(report.regressions)).toEqual(['node-2 -> node-5 udp/pod loss']);
    const [regression] = report.regressions;
    expect(regression).toMatchObject({ after: { k: 20, n: 300 }, change: 'regressed' });
    expect(regression.pValue).toBeLessThan(1e-3);
    expect(report.pairs.find((p) => p.source === 'node-2' && p.destination === 'node-5' && p.protocol === 'udp')!.change).toBe('regressed');

    const backwards = compare(after, before);
    expect(named(backwards.regressions)).toEqual([]);
    expect(named(backwards.improvements)).toEqual(['node-2 -> node-5 udp/pod loss']);
  });

  test('dual-stack runs: each family is compared with its own, and an IPv6-only regression is named with its family', () => {
    const dualStack = (ipv4: MatrixReport, ipv6: MatrixReport): MatrixReport => ({ ...ipv4, pairs: [...ipv4.pairs, ...ipv6.pairs.map((pair) => ({ ...pair, family: 'ipv6' as const }))] });
    const before = dualStack(run({ specOf: healthyNoise(1) }), run({ specOf: healthyNoise(2) }));
    const after = dualStack(run({ specOf: healthyNoise(3) }), run({ specOf: withFault(4, 'node-2', 'node-5', 'udp', { lost: 20 }) }));
    const report = compare(before, after);
    expect(report.summary).toMatchObject({ pairsCompared: 2 * (6 * 5 * 2 + 6), onlyBefore: 0, onlyAfter: 0 });
    expect(report.regressions.map((c) => `${named([c])[0]} ${c.family ?? 'ipv4'}`)).toEqual(['node-2 -> node-5 udp/pod loss ipv6']);
    expect(renderCompareTable(report, { color: false })).toContain('udp/pod/ipv6');
  });

  test('worst first: loss before SYN loss before latency, larger loss first', () => {
    const noise = healthyNoise(7);
    const after: PairSpecOf = (s, d, p) => {
      const spec = noise(s, d, p);
      if (s === 'node-1' && d === 'node-2' && p === 'udp') return { ...spec, lost: 12 };
      if (s === 'node-3' && d === 'node-4' && p === 'udp') return { ...spec, lost: 60 };
      if (s === 'node-4' && d === 'node-6' && p === 'tcp') return { ...spec, synRetransmits: 45 };
      // A fifth of answers 200 ms late, so the p90 is: above the bar from the before run's largest sample.
      if (s === 'node-5' && d === 'node-1' && p === 'udp') return { ...spec, latencyMs: (i) => (i % 5 === 0 ? 200 : 0.4) };
      return spec;
    };
    const report = compare(run({ specOf: healthyNoise(8) }), run({ specOf: after }));
    expect(named(report.regressions)).toEqual([
      'node-3 -> node-4 udp/pod loss',
      'node-1 -> node-2 udp/pod loss',
      'node-4 -> node-6 tcp/pod syn-loss',
      // 45 connects a second late are a latency change too.
      'node-4 -> node-6 tcp/pod latency',
      'node-5 -> node-1 udp/pod latency',
    ]);
    const latency = report.regressions.find((c) => c.source === 'node-5' && c.measure === 'latency')!;
    expect(latency.measure === 'latency' && latency.evidence).toMatchObject({ fasterQuantile: 'max', slowerQuantile: 'p90', fasterAbove: 0, slowerAbove: 31 });
  });

  test('a node a little worse on every pair is a node regression, though no pair alone is significant', () => {
    const noise = healthyNoise(11);
    const after: PairSpecOf = (s, d, p) => ({ ...noise(s, d, p), ...(s === 'node-3' || d === 'node-3' ? { lost: 2 } : {}) });
    const report = compare(run({ specOf: healthyNoise(12) }), run({ specOf: after }));
    expect(named(report.regressions)).toEqual([]);
    const node3 = report.nodes.find((node) => node.name === 'node-3')!;
    expect(node3.change).toBe('regressed');
    expect(node3.measures.find((m) => m.measure === 'loss')).toMatchObject({ change: 'regressed', after: { n: 21 * 300 } });
    expect(report.nodes.filter((node) => node.change === 'regressed').map((node) => node.name)).toEqual(['node-3']);
  });

  test('kernels side by side; a node gone silent after the upgrade regressed, its pairs are only in the before run', () => {
    const upgraded = (node: string): ResultOptions => ({ kernel: node === 'node-1' || node === 'node-2' ? '6.12.0-canary' : '6.1.0-18-amd64' });
    const before = run({ specOf: healthyNoise(1) });
    const after = run({ specOf: healthyNoise(2), options: upgraded, noData: [{ node: 'node-6', reason: 'agent exited 1' }] });
    const report = compare(before, after);
    expect(report.nodes.map((n) => [n.name, n.kernelBefore, n.kernelAfter, n.kernelChanged])).toEqual([
      ['node-1', '6.1.0-18-amd64', '6.12.0-canary', true],
      ['node-2', '6.1.0-18-amd64', '6.12.0-canary', true],
      ['node-3', '6.1.0-18-amd64', '6.1.0-18-amd64', false],
      ['node-4', '6.1.0-18-amd64', '6.1.0-18-amd64', false],
      ['node-5', '6.1.0-18-amd64', '6.1.0-18-amd64', false],
      ['node-6', '6.1.0-18-amd64', null, true],
    ]);
    const node6 = report.nodes.find((n) => n.name === 'node-6')!;
    expect(node6).toMatchObject({ statusBefore: 'ok', statusAfter: 'no-data', change: 'regressed' });
    // node-6's row, column and DNS: 5 + 5 pairs per protocol, twice, and one resolver pair.
    expect(report.summary).toMatchObject({ onlyBefore: 21, onlyAfter: 0, nodeRegressions: 1, kernelChanges: 3 });
    expect(report.onlyBefore.every((p) => p.source === 'node-6' || p.destination === 'node-6')).toBe(true);
  });

  test('a critical finding of the after run that the before run lacked is new; one it had already is not', () => {
    const lossy = withFault(2, 'node-2', 'node-5', 'udp', { lost: 30 });
    const clean = run({ specOf: healthyNoise(1) });
    const faulty = run({ specOf: lossy });
    expect(faulty.findings.map((f) => `${f.severity} ${f.kind} ${f.subject}`)).toEqual(['critical loss node-2 -> node-5']);
    expect(compare(clean, faulty)).toMatchObject({ summary: { newCritical: 1 }, newCritical: [{ severity: 'critical', kind: 'loss', pattern: 'pair', subject: 'node-2 -> node-5', path: 'pod' }] });
    expect(compare(run({ specOf: lossy }), faulty).summary.newCritical).toBe(0);
    expect(compare(clean, run({ specOf: healthyNoise(4) })).summary).toMatchObject({ newCritical: 0, regressions: 0, nodeRegressions: 0 });
  });

  test('power: the smallest increase per pair and per node, and the duration for --detect, from the runs\' sizes', () => {
    const report = compare(run({ specOf: healthyNoise(1) }), run({ specOf: healthyNoise(2) }));
    const { pair, node } = report.power;
    expect(report.power).toMatchObject({ increase: 0.005, durationMs: 30_000 });
    expect(pair).toMatchObject({ probesBefore: 300, probesAfter: 300, level: 0.05 / report.summary.tests });
    // A node pools 2 × 5 pairs per protocol and its resolver pair: more probes, a smaller detectable increase, a shorter run.
    expect(node!.probesBefore).toBe(21 * 300);
    expect(node!.smallestIncrease!).toBeLessThan(pair!.smallestIncrease!);
    expect(node!.durationForIncrease!).toBeLessThan(pair!.durationForIncrease!);
    expect(pair!.durationForIncrease!).toBeGreaterThan(30_000);
  });

  test('runs with different settings say so', () => {
    const report = compare(run({ specOf: healthyNoise(1) }), run({ specOf: healthyNoise(2), settings: { ...RUN.settings, durationMs: 60000, namespace: 'netprobe-x' } }));
    expect(report.notes).toEqual(['the runs differ in durationMs: 30000 before, 60000 after']);
  });

  test('the table names the regression, the kernels and the nodes; colour only when asked', () => {
    const after = run({ specOf: withFault(2, 'node-2', 'node-5', 'udp', { lost: 20 }), options: (node) => ({ kernel: node === 'node-2' ? '6.12.0-canary' : '6.1.0-18-amd64' }) });
    const report = compare(run({ specOf: healthyNoise(1) }), after);
    const text = renderCompareTable(report, { color: false, width: 100 });
    // node-2 and node-5 carry the pair, but their other pairs did not change: no node regressed.
    expect(text.replace(/\s+/g, ' ')).toContain('1 regression in pairs, 0 nodes regressed');
    expect(text).toMatch(/Regressions \(1\), worst first:\npair +proto +measure +before +after +p\nnode-2 -> node-5 +udp\/pod +loss +0\.3% \(1\/300\) +6\.7% \(20\/300\) +\d/);
    expect(text).toMatch(/node-2 +6\.1\.0-18-amd64 +6\.12\.0-canary/);
    expect(text).not.toContain('\u001b[');
    expect(renderCompareTable(report, { color: true })).toContain('\u001b[31mloss\u001b[39m');
  });
});
