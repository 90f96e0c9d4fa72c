// -o junit as a CI system reads it, parsed by a maintained JUnit reader (junit2json, on xml2js):
// a case per pair and protocol (matrix), per compared pair and node (compare), per check (nodes);
// failures carry the finding's message and evidence, and only what is flagged fails.
import { parse, type TestCase, type TestSuites } from 'junit2json';
import { analyse } from '../../src/analyse/analyse.ts';
import { compareReports } from '../../src/compare/compare.ts';
import { clusterFacts } from '../../src/nodes/cluster-facts.ts';
import { judgeNodes } from '../../src/nodes/judge.ts';
import { renderCompareJUnit } from '../../src/render/junit-compare.ts';
import { renderMatrixJUnit } from '../../src/render/junit-matrix.ts';
import { renderNodesJUnit } from '../../src/render/junit-nodes.ts';
import { DEFAULT_THRESHOLDS } from '../../src/analyse/options.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { healthyNoise, matrixResults, nodeNames, RUN, type PairSpecOf } from '../support/agent-results.ts';
import { inspectFixture, nodeIP } from '../support/node-fixture.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const scenario = (name: string): MatrixReport => analyse(SCENARIOS.find((s) => s.name === name)!.input);
const cases = (doc: TestSuites, suite?: string): TestCase[] => (doc.testsuite ?? []).filter((s) => !suite || s.name === suite).flatMap((s) => s.testcase ?? []);
const failed = (doc: TestSuites) => cases(doc).filter((c) => c.failure);

/** The document as the reader sees it: <testsuites> at the top. */
async function read(xml: string): Promise<TestSuites> {
  const doc = await parse(xml);
  if (!doc || !('testsuite' in doc)) throw new Error(`not a <testsuites> document:\n${xml}`);
  return doc as TestSuites;
}

describe('matrix -o junit', () => {
  test('a case per pair, protocol and path; the flagged pairs fail with the finding\'s message and evidence, the rest pass', async () => {
    const report = scenario('mixed-faults');
    const doc = await read(renderMatrixJUnit(report));
    expect(doc.name).toBe(`netprobe matrix run ${report.run.id}`);
    expect(doc.time).toBe(30);
    const pairSuites = doc.testsuite!.filter((s) => s.name !== 'nodes' && s.name !== 'findings');
    expect(pairSuites.map((s) => s.name)).toEqual(['tcp pod', 'udp pod', 'dns service']);
    expect(pairSuites.flatMap((s) => s.testcase ?? [])).toHaveLength(report.pairs.length);

    const syn = cases(doc, 'tcp pod').find((c) => c.name === 'node-1 -> node-2')!;
    const synFinding = report.findings.find((f) => f.kind === 'syn-loss')!;
    expect(syn.failure![0].message).toBe(synFinding.message);
    expect(syn.failure![0].type).toBe(`${synFinding.severity} syn-loss`);
    expect(syn.failure![0].inner).toContain('node-1 -> node-2 tcp: 15 of 315 SYNs retransmitted');
    expect(syn.failure![0].inner).toContain(`check: ${synFinding.hint.slice(0, 30)}`);

    // Exactly the pairs that a finding names (or that carry a flag) fail: none of the clean ones.
    const named = new Set(report.findings.flatMap((f) => f.evidence.pairs.map((p) => `${p.protocol} ${p.path}|${p.source} -> ${p.destination}`)));
    for (const p of report.pairs.filter((p) => p.status !== 'ok')) named.add(`${p.protocol} ${p.path}|${p.source} -> ${p.destination}`);
    const failing = (doc.testsuite ?? []).flatMap((s) => (s.testcase ?? []).filter((c) => c.failure).map((c) => `${s.name}|${c.name}`));
    expect(failing.filter((f) => !f.startsWith('findings|')).sort()).toEqual([...named].sort());
    expect(named.size).toBeGreaterThanOrEqual(3);
    const clean = cases(doc, 'udp pod').find((c) => c.name === 'node-2 -> node-1')!;
    expect(clean.failure).toBeUndefined();
    expect(clean['system-out']?.[0]).toMatch(/^clear; 900 of 900 probes succeeded; 0 of 900 probes lost/);
  });

  test('inconclusive pairs are visible, not failed: skipped, saying what would decide them', async () => {
    const report = scenario('mixed-faults');
    const doc = await read(renderMatrixJUnit(report));
    const thin = cases(doc, 'udp pod').find((c) => c.name === 'node-3 -> node-1')!;
    expect(report.pairs.find((p) => p.source === 'node-3' && p.destination === 'node-1' && p.protocol === 'udp')!.verdict).toBe('inconclusive');
    expect(thin.failure).toBeUndefined();
    expect(thin.skipped![0].message).toMatch(/^inconclusive: too few probes to tell; \d+ more \(\d+ min at the run's rate\) would decide it; 296 of 300 probes succeeded/);
  });

  test('a case per node: a node without data is skipped with the reason', async () => {
    const doc = await read(renderMatrixJUnit(scenario('mixed-faults')));
    const nodes = cases(doc, 'nodes');
    expect(nodes.map((c) => c.name)).toEqual(nodeNames(5));
    expect(nodes.filter((c) => c.skipped).map((c) => [c.name, c.skipped![0].message])).toEqual([['node-5', expect.stringContaining('could not be scheduled')]]);
    expect(nodes.find((c) => c.name === 'node-2')!['system-out']![0]).toBe('kernel 4.19.0-21-amd64');
  });

  test('a pattern finding fails every pair it names; findings that name no pair get a case of their own', async () => {
    const badNode = scenario('bad-node');
    const doc = await read(renderMatrixJUnit(badNode));
    const tcpFailures = cases(doc, 'tcp pod').filter((c) => c.failure).map((c) => c.name!);
    expect(tcpFailures.length).toBeGreaterThan(0);
    expect(tcpFailures.every((n) => n.includes('node-4'))).toBe(true);
    expect(cases(doc, 'tcp pod').filter((c) => !c.failure).every((c) => !c.name!.includes('node-4'))).toBe(true);

    const bursts = scenario('timeline-bursts');
    const unpaired = bursts.findings.filter((f) => f.evidence.pairs.length === 0);
    expect(unpaired.length).toBeGreaterThan(0);
    const findings = cases(await read(renderMatrixJUnit(bursts)), 'findings');
    expect(findings.map((c) => c.failure![0].message)).toEqual(unpaired.map((f) => f.message));
  });

  test('a run without a flag: nothing fails; its pairs probed too little to tell are skipped, not passed', async () => {
    const doc = await read(renderMatrixJUnit(scenario('clean-noise')));
    expect(doc.failures).toBe(0);
    expect(failed(doc)).toEqual([]);
    const pairCases = (doc.testsuite ?? []).filter((s) => s.name !== 'nodes').flatMap((s) => s.testcase ?? []);
    expect(pairCases.length).toBe(66);
    expect(pairCases.every((c) => c.skipped?.[0].message?.startsWith('inconclusive: '))).toBe(true);
  });
});

describe('compare -o junit', () => {
  const nodes = nodeNames(4);
  const report = (specOf: PairSpecOf) => analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, ['tcp', 'udp'], specOf) });
  const faulty: PairSpecOf = (s, d, p) => ({ ...healthyNoise(2)(s, d, p), ...(s === 'node-3' && d === 'node-4' && p === 'tcp' ? { lost: 40 } : {}) });
  const settings = { falseDiscoveryRate: DEFAULT_THRESHOLDS.falseDiscoveryRate, latencyFactor: DEFAULT_THRESHOLDS.latencyFactor, latencyMarginMs: DEFAULT_THRESHOLDS.latencyMarginMs, detectIncrease: 0.005 };
  const withFile = (r: MatrixReport, file: string) => ({ report: r, file });

  test('a case per compared pair and per node; the regression fails with before, after and p', async () => {
    const comparison = compareReports(withFile(report(healthyNoise(1)), 'before.json'), withFile(report(faulty), 'after.json'), settings);
    const doc = await read(renderCompareJUnit(comparison));
    expect(cases(doc, 'pairs')).toHaveLength(comparison.pairs.length);
    expect(cases(doc, 'nodes').map((c) => c.name)).toEqual(nodes);
    const failures = cases(doc, 'pairs').filter((c) => c.failure);
    expect(failures.map((c) => `${c.classname} ${c.name}`)).toEqual(['netprobe.compare.tcp.pod node-3 -> node-4']);
    expect(failures[0].failure![0].message).toMatch(/^node-3 -> node-4 tcp\/pod: loss regressed: before .*\(\d+ of 300\), after 13% \(40 of 300\), p = /);
  });

  test('a critical finding new in the after run fails a case of its own, as it fails the gate', async () => {
    const comparison = compareReports(withFile(report(healthyNoise(1)), 'before.json'), withFile(report(faulty), 'after.json'), settings);
    const doc = await read(renderCompareJUnit(comparison));
    expect(cases(doc, 'new critical findings').map((c) => [c.name, c.failure![0].type])).toEqual([['loss, pair: node-3 -> node-4', 'new critical loss']]);
  });

  test('two clean runs: nothing fails', async () => {
    const comparison = compareReports(withFile(report(healthyNoise(1)), 'a.json'), withFile(report(healthyNoise(3)), 'b.json'), settings);
    const doc = await read(renderCompareJUnit(comparison));
    expect(doc.failures).toBe(0);
    expect(doc.tests).toBe(comparison.pairs.length + nodes.length);
  });
});

describe('nodes -o junit', () => {
  const apiNodes = [1, 2].map((i) => ({ metadata: { name: `node${i}` }, spec: { podCIDRs: [`198.19.${i}.0/24`] }, status: { addresses: [{ type: 'InternalIP', address: nodeIP(i) }] } }));
  const report = judgeNodes({
    run: { id: 'abc', start: '2026-01-01T00:00:00.000Z', end: '2026-01-01T00:00:12.000Z', namespace: 'netprobe-abc', image: 'node:22-alpine' },
    cluster: clusterFacts(apiNodes, []),
    nodes: ['node1', 'node2', 'node3'],
    inspections: [inspectFixture({ index: 1, peers: [2], eth0Mtu: 1400 }), inspectFixture({ index: 2, peers: [1] })],
    noData: new Map([['node3', 'inspector pod netprobe-abc-ih-2 (host network): Unschedulable']]),
  });

  test('a suite per node, a case per check: FAIL fails with summary, evidence and fix; WARN and PASS pass; no data is skipped', async () => {
    const doc = await read(renderNodesJUnit(report));
    expect(doc.testsuite!.map((s) => s.name)).toEqual(['node1', 'node2', 'node3']);
    const node1 = report.nodes[0];
    expect(cases(doc, 'node1').map((c) => c.name)).toEqual(node1.checks.map((c) => c.check));
    const mtu = cases(doc, 'node1').find((c) => c.name === 'mtu')!;
    expect(mtu.failure![0].message).toBe(node1.checks.find((c) => c.check === 'mtu')!.summary);
    expect(mtu.failure![0].inner).toMatch(/evidence: underlay eth0 1400\n[\s\S]*fix: set the CNI MTU/);
    expect(failed(doc).map((c) => `${c.classname} ${c.name}`)).toEqual(report.nodes.flatMap((n) => n.checks.filter((c) => c.verdict === 'fail').map((c) => `netprobe.nodes.${n.name} ${c.check}`)));
    const warned = cases(doc, 'node1').find((c) => c.name === 'cni')!;
    expect(warned.failure).toBeUndefined();
    expect(warned['system-out']![0]).toMatch(/^WARN: /);
    expect(cases(doc, 'node3')).toEqual([expect.objectContaining({ name: 'inspection', skipped: [{ message: 'inspector pod netprobe-abc-ih-2 (host network): Unschedulable' }] })]);
  });
});
