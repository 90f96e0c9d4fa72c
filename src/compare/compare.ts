// Two matrix reports in, what changed out: per pair (source, destination, protocol, path) and
// per node, loss and SYN loss by Fisher's exact test, latency by the quantile test, each
// change significant only under Benjamini-Hochberg across the comparison (a 100-node
// comparison makes tens of thousands of tests; see src/analyse/significance.ts).
import { falseDiscoveryCutoff } from '../analyse/significance.ts';
import { pairKey } from '../analyse/pairs.ts';
import { byNodeName } from '../shared/node-order.ts';
import type { Finding, MatrixReport, NodeReport, PairReport } from '../shared/report.ts';
import {
  COMPARE_KIND, COMPARE_SCHEMA_VERSION,
  type Change, type CompareReport, type CompareSettings, type Count, type LatencyComparison, type Measure, type MeasureComparison,
  type NewFinding, type NodeComparison, type NodeStatus, type PairChange, type PairComparison, type PairKey, type ProportionComparison,
} from './compare-report.ts';
import { comparisonPower, type Samples } from './power.ts';
import { fisherTwoSided } from './fisher.ts';
import { latencyShift, logShiftPValue, type LatencySample } from './latency-shift.ts';

export interface LoadedReport {
  file: string;
  report: MatrixReport;
}

/** A measure's test before the false-discovery cut decides whether it is a change. */
interface Tested<T extends MeasureComparison> {
  comparison: T;
  worse: boolean | null;
}

const MEASURE_ORDER: readonly Measure[] = ['loss', 'syn-loss', 'latency'];
/** Run settings that differ from run to run by design. */
const VOLATILE_SETTINGS = new Set(['namespace']);

const keyOf = ({ source, destination, protocol, path, family }: PairKey): PairKey => ({ source, destination, protocol, path, ...(family ? { family } : {}) });

export function compareReports(before: LoadedReport, after: LoadedReport, settings: CompareSettings): CompareReport {
  const afterPairs = new Map(after.report.pairs.map((pair) => [pairKey(pair), pair]));
  const beforeKeys = new Set(before.report.pairs.map(pairKey));
  const common = before.report.pairs.filter((pair) => afterPairs.has(pairKey(pair))).map((pair) => ({ before: pair, after: afterPairs.get(pairKey(pair))! }));

  const tested = common.map(({ before: b, after: a }) => ({ key: keyOf(b), tests: pairTests(b, a, settings) }));
  const pairTestList = tested.flatMap((t) => t.tests);
  decide(pairTestList, settings.falseDiscoveryRate);
  const pairs: PairComparison[] = tested.map(({ key, tests }) => {
    const measures = tests.map((t) => t.comparison);
    return { ...key, change: overallChange(measures.map((m) => m.change)), measures };
  });

  const { nodes, tests: nodeTests } = compareNodes(before.report.nodes, after.report.nodes, common, pairs, settings.falseDiscoveryRate);
  const changes = (change: Change): PairChange[] => pairs
    .flatMap((pair) => pair.measures.filter((m) => m.change === change).map((m): PairChange => ({ ...keyOf(pair), ...m })))
    .sort(worstFirst);
  const regressions = changes('regressed');
  const improvements = changes('improved');
  const onlyBefore = before.report.pairs.filter((pair) => !afterPairs.has(pairKey(pair))).map(keyOf);
  const onlyAfter = after.report.pairs.filter((pair) => !beforeKeys.has(pairKey(pair))).map(keyOf);
  const newCritical = newCriticalFindings(before.report.findings, after.report.findings);
  const power = comparisonPower(pairSamples(common, pairTestList.length), nodeSamples(common, nodeTests), {
    falseDiscoveryRate: settings.falseDiscoveryRate, increase: settings.detectIncrease, durationMs: runDurationMs(after.report),
  });
  return {
    kind: COMPARE_KIND,
    schemaVersion: COMPARE_SCHEMA_VERSION,
    before: runRef(before),
    after: runRef(after),
    settings,
    summary: {
      pairsCompared: pairs.length,
      tests: pairTestList.length,
      regressions: regressions.length,
      improvements: improvements.length,
      nodeRegressions: nodes.filter((node) => node.change === 'regressed').length,
      onlyBefore: onlyBefore.length,
      onlyAfter: onlyAfter.length,
      kernelChanges: nodes.filter((node) => node.kernelChanged).length,
      newCritical: newCritical.length,
    },
    regressions,
    improvements,
    onlyBefore,
    onlyAfter,
    newCritical,
    power,
    nodes,
    pairs,
    notes: settingDifferences(before.report, after.report),
  };
}

function runRef({ file, report }: LoadedReport) {
  return { file, runId: report.run.id, start: report.run.start, end: report.run.end };
}

function pairTests(before: PairReport, after: PairReport, settings: CompareSettings): Tested<MeasureComparison>[] {
  const tests: Tested<MeasureComparison>[] = [proportionTest('loss', lostProbes(before), lostProbes(after))];
  if (before.protocol === 'tcp') tests.push(proportionTest('syn-loss', sentSyns(before), sentSyns(after)));
  tests.push(latencyTest(before, after, settings));
  return tests;
}

const count = (k: number, n: number): Count => ({ k, n, ratio: n > 0 ? k / n : null });
const lostProbes = (pair: PairReport): Count => count(pair.attempts - pair.successes, pair.attempts);
// As the report counts SYN loss: retransmits of all SYNs sent (docs/report-schema.md).
const sentSyns = (pair: PairReport): Count => count(pair.synRetransmits, pair.attempts + pair.synRetransmits);
const sumCounts = (counts: Count[]): Count => count(counts.reduce((s, c) => s + c.k, 0), counts.reduce((s, c) => s + c.n, 0));

function proportionTest(measure: ProportionComparison['measure'], before: Count, after: Count): Tested<ProportionComparison> {
  const measured = before.n > 0 && after.n > 0;
  const test = measured ? fisherTwoSided(after.k, after.n, before.k, before.n) : { pValue: 1, direction: 'none' as const };
  return {
    comparison: { measure, before, after, delta: measured ? after.ratio! - before.ratio! : null, pValue: test.pValue, change: 'unchanged' },
    worse: test.direction === 'none' ? null : test.direction === 'higher',
  };
}

function latencyTest(before: PairReport, after: PairReport, settings: CompareSettings): Tested<LatencyComparison> {
  const sample = (pair: PairReport): LatencySample => ({ ...pair.latencyMs, n: pair.successes });
  const bar = { factor: settings.latencyFactor, marginMs: settings.latencyMarginMs };
  const slower = latencyShift(sample(after), sample(before), bar);
  const faster = latencyShift(sample(before), sample(after), bar);
  // The stronger evidence wins, compared in log space (p-values at most 1): both can be below the smallest double.
  const logP = (shift: typeof slower) => (shift ? Math.min(0, logShiftPValue(shift)) : 0);
  const worse = logP(slower) < logP(faster);
  const evidence = worse ? slower : faster;
  const delta = (a: number | null, b: number | null) => (a === null || b === null ? null : a - b);
  const { latencyMs: b } = before;
  const { latencyMs: a } = after;
  return {
    comparison: {
      measure: 'latency',
      before: sample(before),
      after: sample(after),
      deltaMs: { p50: delta(a.p50, b.p50), p90: delta(a.p90, b.p90), p99: delta(a.p99, b.p99), max: delta(a.max, b.max) },
      evidence,
      pValue: evidence ? Math.min(1, 2 * evidence.pValue) : 1,
      change: 'unchanged',
    },
    worse: evidence ? worse : null,
  };
}

/** Marks the tests that pass Benjamini-Hochberg as regressed or improved. */
function decide(tests: Tested<MeasureComparison>[], falseDiscoveryRate: number): void {
  const cutoff = falseDiscoveryCutoff(tests.map((t) => t.comparison.pValue), falseDiscoveryRate);
  for (const t of tests) {
    if (t.worse !== null && t.comparison.pValue <= cutoff) t.comparison.change = t.worse ? 'regressed' : 'improved';
  }
}

function overallChange(changes: Change[]): Change {
  return changes.includes('regressed') ? 'regressed' : changes.includes('improved') ? 'improved' : 'unchanged';
}

/**
 * A critical finding after with no finding of the same kind, path and subject before (whatever
 * its severity then): what a gate must not let through even when the pairs' counts are too few
 * for Fisher's test, e.g. a fault the after run's own evidence flagged.
 */
function newCriticalFindings(before: readonly Finding[], after: readonly Finding[]): NewFinding[] {
  const key = (f: Finding) => `${f.kind}|${f.path}|${f.subject}`;
  const seen = new Set(before.map(key));
  return after.filter((f) => f.severity === 'critical' && !seen.has(key(f)))
    .map(({ severity, kind, pattern, subject, path, message }) => ({ severity, kind, pattern, subject, path, message }));
}

interface CommonPair {
  before: PairReport;
  after: PairReport;
}

/** Every pair compared: its probes before and after. */
function pairSamples(common: readonly CommonPair[], tests: number): Samples {
  return { before: common.map((p) => p.before.attempts), after: common.map((p) => p.after.attempts), lostBefore: common.reduce((n, p) => n + lostProbes(p.before).k, 0), tests };
}

/** Every node: its pairs' probes pooled, as its loss test pools them. */
function nodeSamples(common: readonly CommonPair[], tests: number): Samples {
  const names = [...new Set(common.flatMap(({ before }) => [before.source, before.destination]))];
  const pooled = names.map((name) => common.filter(({ before }) => before.source === name || before.destination === name));
  return {
    before: pooled.map((own) => own.reduce((n, p) => n + p.before.attempts, 0)),
    after: pooled.map((own) => own.reduce((n, p) => n + p.after.attempts, 0)),
    lostBefore: pooled.reduce((n, own) => n + own.reduce((k, p) => k + lostProbes(p.before).k, 0), 0),
    tests,
  };
}

/** The after run's probing window: as recorded, else its start to end. */
function runDurationMs(report: MatrixReport): number {
  const recorded = report.run.settings.durationMs;
  if (typeof recorded === 'number' && recorded > 0) return recorded;
  return Math.max(0, Date.parse(report.run.end) - Date.parse(report.run.start));
}

function compareNodes(before: readonly NodeReport[], after: readonly NodeReport[], common: readonly CommonPair[], pairs: PairComparison[], falseDiscoveryRate: number): { nodes: NodeComparison[]; tests: number } {
  const beforeByName = new Map(before.map((node) => [node.name, node]));
  const afterByName = new Map(after.map((node) => [node.name, node]));
  const names = [...new Set([...beforeByName.keys(), ...afterByName.keys()])].sort(byNodeName);
  const involves = (name: string) => (pair: PairKey) => pair.source === name || pair.destination === name;
  const changeOf = new Map(pairs.map((pair) => [pairKey(pair), pair.change]));
  const perNode = names.map((name) => {
    // Pooled over the node's row and column: a node whose every pair lost a little is one
    // regression. Pairs that changed on their own are left out, so one bad pair does not
    // make both its ends bad nodes.
    const own = common.filter(({ before: pair }) => involves(name)(pair) && changeOf.get(pairKey(pair)) === 'unchanged');
    const tcp = own.filter(({ before: pair }) => pair.protocol === 'tcp');
    const tests: Tested<ProportionComparison>[] = own.length === 0 ? [] : [
      proportionTest('loss', sumCounts(own.map((p) => lostProbes(p.before))), sumCounts(own.map((p) => lostProbes(p.after)))),
      ...(tcp.length ? [proportionTest('syn-loss', sumCounts(tcp.map((p) => sentSyns(p.before))), sumCounts(tcp.map((p) => sentSyns(p.after))))] : []),
    ];
    return { name, tests };
  });
  // Nodes are a family of their own: a second look at the same probes, not more pairs.
  const nodeTests = perNode.flatMap((n) => n.tests);
  decide(nodeTests, falseDiscoveryRate);
  const nodes = perNode.map(({ name, tests }): NodeComparison => {
    const b = beforeByName.get(name);
    const a = afterByName.get(name);
    const statusBefore: NodeStatus = b?.status ?? 'absent';
    const statusAfter: NodeStatus = a?.status ?? 'absent';
    const measures = tests.map((t) => t.comparison);
    const ownPairs = pairs.filter(involves(name));
    const wentSilent = statusBefore === 'ok' && statusAfter === 'no-data';
    return {
      name,
      kernelBefore: b?.kernelVersion ?? null,
      kernelAfter: a?.kernelVersion ?? null,
      kernelChanged: b !== undefined && a !== undefined && b.kernelVersion !== a.kernelVersion,
      statusBefore,
      statusAfter,
      measures,
      pairsRegressed: ownPairs.filter((pair) => pair.change === 'regressed').length,
      pairsImproved: ownPairs.filter((pair) => pair.change === 'improved').length,
      change: wentSilent ? 'regressed' : overallChange(measures.map((m) => m.change)),
    };
  });
  return { nodes, tests: nodeTests.length };
}

/** Loss before SYN loss before latency (a lost probe is worse than a late one), then the larger change first. */
function worstFirst(a: PairChange, b: PairChange): number {
  return MEASURE_ORDER.indexOf(a.measure) - MEASURE_ORDER.indexOf(b.measure) || changeSize(b) - changeSize(a) || a.pValue - b.pValue;
}

function changeSize(change: MeasureComparison): number {
  if (change.measure !== 'latency') return Math.abs(change.delta ?? 0);
  return Math.max(0, ...Object.values(change.deltaMs).map((ms) => Math.abs(ms ?? 0)));
}

function settingDifferences(before: MatrixReport, after: MatrixReport): string[] {
  const keys = [...new Set([...Object.keys(before.run.settings), ...Object.keys(after.run.settings)])].filter((key) => !VOLATILE_SETTINGS.has(key));
  return keys
    .filter((key) => JSON.stringify(before.run.settings[key]) !== JSON.stringify(after.run.settings[key]))
    .map((key) => `the runs differ in ${key}: ${JSON.stringify(before.run.settings[key])} before, ${JSON.stringify(after.run.settings[key])} after`);
}
