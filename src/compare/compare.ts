// Two matrix reports in, what changed out: per pair (source, destination, protocol, path) and
// per node, loss and SYN loss by Fisher's exact test, latency by the quantile test, each
// change significant only under Benjamini-Hochberg across the comparison (a 100-node
// comparison makes tens of thousands of tests; see src/analyse/significance.ts).
import { falseDiscoveryCutoff } from '../analyse/significance.ts';
import { byNodeName } from '../shared/node-order.ts';
import type { MatrixReport, NodeReport, PairReport } from '../shared/report.ts';
import {
  COMPARE_KIND, COMPARE_SCHEMA_VERSION,
  type Change, type CompareReport, type CompareSettings, type Count, type LatencyComparison, type Measure, type MeasureComparison,
  type NodeComparison, type NodeStatus, type PairChange, type PairComparison, type PairKey, type ProportionComparison,
} from './compare-report.ts';
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

const pairKey = (p: PairKey) => `${p.source}|${p.destination}|${p.protocol}|${p.path}`;
const keyOf = ({ source, destination, protocol, path }: PairKey): PairKey => ({ source, destination, protocol, path });

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

  const nodes = compareNodes(before.report.nodes, after.report.nodes, common, pairs, settings.falseDiscoveryRate);
  const changes = (change: Change): PairChange[] => pairs
    .flatMap((pair) => pair.measures.filter((m) => m.change === change).map((m): PairChange => ({ ...keyOf(pair), ...m })))
    .sort(worstFirst);
  const regressions = changes('regressed');
  const improvements = changes('improved');
  const onlyBefore = before.report.pairs.filter((pair) => !afterPairs.has(pairKey(pair))).map(keyOf);
  const onlyAfter = after.report.pairs.filter((pair) => !beforeKeys.has(pairKey(pair))).map(keyOf);
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
    },
    regressions,
    improvements,
    onlyBefore,
    onlyAfter,
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

function compareNodes(before: readonly NodeReport[], after: readonly NodeReport[], common: { before: PairReport; after: PairReport }[], pairs: PairComparison[], falseDiscoveryRate: number): NodeComparison[] {
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
  decide(perNode.flatMap((n) => n.tests), falseDiscoveryRate);
  return perNode.map(({ name, tests }): NodeComparison => {
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
