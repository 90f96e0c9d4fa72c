// Each named scenario (test/support/scenarios.ts, also the render goldens) produces the
// findings its fault should, and only those: a clean pair, row or node never shows up, and
// a burst is told once, by its burst finding, not again as whole-run loss that noise spread.
import { analyse } from '../../src/analyse/analyse.ts';
import type { Finding, MatrixReport } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RUN, windowedPair, type PairSpec } from '../support/agent-results.ts';
import { SCENARIOS } from '../support/scenarios.ts';

type Expected = [kind: Finding['kind'], pattern: Finding['pattern'], subject: string];

const EXPECTED: Record<string, Expected[]> = {
  'clean-noise': [],
  'bad-row': [['loss', 'bad-source', 'node-3']],
  'bad-column': [['loss', 'bad-destination', 'node-5']],
  'bad-node': [['loss', 'bad-node', 'node-4']],
  'all-but-diagonal': [['loss', 'all-but-diagonal', 'cluster']],
  partition: [['loss', 'partition', 'node-1, node-2, node-3 | node-4, node-5, node-6']],
  'mixed-faults': [
    ['latency', 'bad-destination', 'node-4'],
    ['dns-conntrack-race', 'nodes', 'node-2'],
    ['enobufs', 'nodes', 'node-3'],
    ['syn-loss', 'pair', 'node-1 -> node-2'],
  ],
  'long-names-12': [['loss', 'bad-node', 'ip-10-0-7-107.eu-west-1.compute.internal']],
  'unrelated-names-12': [['loss', 'pair', 'batch -> db-primary']],
  // node-7 loses on its TCP row and column and on its own DNS lookups.
  'zones-30': [['loss', 'bad-node', 'node-7'], ['loss', 'pair', 'node-7 -> dns:10.96.0.10']],
  'worst-pairs-30': [['loss', 'pair', 'node-7 -> node-8']],
  'pod-and-host': [['loss', 'pair', 'node-1 <-> node-3']],
  // Window 4 everywhere, window 10 around node-4: two bursts, no row or column from them; and the pair slow all along.
  'timeline-bursts': [['burst', 'window', 'cluster'], ['latency', 'pair', 'node-2 -> node-5'], ['burst', 'window', 'node-4']],
  'dns-only': [['loss', 'bad-destination', 'dns:10.96.0.10']],
};

const found = (report: MatrixReport): Expected[] => report.findings.map((f) => [f.kind, f.pattern, f.subject]);

test('every scenario lists its findings here', () => {
  expect(SCENARIOS.map((s) => s.name).sort()).toEqual(Object.keys(EXPECTED).sort());
});

test.each(SCENARIOS.map((s) => [s.name, s] as const))('%s: exactly its findings', (name, scenario) => {
  expect(found(analyse(scenario.input))).toEqual(EXPECTED[name]);
});

describe('burst windows are the bursts\' findings; the pairs are judged on the rest of the run', () => {
  const nodes = nodeNames(6);
  const WINDOWS = 15;
  const timing = () => ({ timeline: { originAt: '2026-01-01T00:00:00.000Z', windowMs: 60_000 } });
  const perWindow = (f: (w: number) => number) => Array.from({ length: WINDOWS }, (_, w) => f(w));
  const run = (spec: (s: string, d: string, p: 'tcp' | 'udp' | 'dns') => PairSpec, protocols: ('tcp' | 'udp' | 'dns')[] = ['tcp', 'udp']) =>
    analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, protocols, spec, timing) });

  test('a pair that loses all along still shows beside a cluster-wide burst, counted outside it', () => {
    const report = run((s, d) => windowedPair(20, perWindow((w) => (w === 4 ? 10 : s === 'node-2' && d === 'node-5' ? 2 : 0))));
    expect(found(report)).toEqual([['loss', 'pair', 'node-2 -> node-5'], ['burst', 'window', 'cluster']]);
    const pair = report.findings.find((f) => f.kind === 'loss')!;
    expect(pair.message).toMatch(/counted outside burst window 4\. /);
    // node-2 -> node-5 tcp: 2 in each of the 14 other windows of 20 probes.
    expect(pair.evidence.pairs[0]).toMatchObject({ source: 'node-2', destination: 'node-5', k: 28, n: 280 });
    // The report's own counts stay the whole run's.
    expect(report.pairs.find((p) => p.source === 'node-2' && p.destination === 'node-5' && p.protocol === 'tcp')).toMatchObject({ attempts: 300, successes: 262 });
  });

  test('one pair blackholed for a window is a burst that names it, and no loss finding besides', () => {
    const report = run((s, d, p) => windowedPair(20, perWindow((w) => (w === 6 && s === 'node-2' && d === 'node-3' && p === 'tcp' ? 20 : 0))));
    expect(found(report)).toEqual([['burst', 'window', expect.stringMatching(/^node-[23]$/)]]);
    expect(report.findings[0].message).toMatch(/: 20 of \d+ probes in trouble .*, in 1 pair that touches it: node-2 -> node-3 tcp\.$/);
  });

  test('a burst of late connects (SYNs dropped for a minute) is a burst, not SYN loss or slow pairs over the run', () => {
    // Window 7: every connect from node-3 needs a SYN retransmit (1 s late).
    const report = run((s, _d, p) => {
      if (p !== 'tcp' || s !== 'node-3') return windowedPair(20, perWindow(() => 0));
      return {
        attempts: 20 * WINDOWS,
        synRetransmits: 20,
        windows: { attempts: perWindow(() => 20), failures: perWindow(() => 0), degraded: perWindow((w) => (w === 7 ? 20 : 0)) },
      };
    });
    expect(found(report)).toEqual([['burst', 'window', 'node-3']]);
  });

  test('DNS answered at the resolver mark for one minute on every node is a burst, not the conntrack race', () => {
    const report = run((_s, _d, p) => (p === 'dns'
      ? { attempts: 20 * WINDOWS, answeredAtResolverMarks: [20], windows: { attempts: perWindow(() => 20), failures: perWindow(() => 0), degraded: perWindow((w) => (w === 2 ? 20 : 0)) } }
      : windowedPair(20, perWindow(() => 0))), ['tcp', 'dns']);
    expect(found(report)).toEqual([['burst', 'window', 'cluster']]);
  });
});
