// `compare -o junit`: one test case per pair (source, destination, protocol, path) measured in
// both runs, and one per node; failed when it regressed significantly (the default gate), with
// each regressed measure before and after and its p-value. Pairs measured in one run only are
// skipped, saying which. A critical finding of the after run absent before fails a case of its
// own, as it fails the default gate.
import { formatPValue } from '../compare/render-table.ts';
import type { Change, CompareReport, MeasureComparison, PairKey } from '../compare/compare-report.ts';
import { formatMs, formatPercent, pairName } from '../shared/format.ts';
import { renderJUnitXml, secondsBetween, type CaseResult, type JUnitCase } from './junit-xml.ts';

function side(m: MeasureComparison, which: 'before' | 'after'): string {
  if (m.measure !== 'latency') {
    const c = m[which];
    return `${c.ratio === null ? 'n/a' : formatPercent(c.ratio)} (${c.k} of ${c.n})`;
  }
  const { p50, p99 } = m[which];
  return p50 === null || p99 === null ? 'no successes' : `p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`;
}

function describe(m: MeasureComparison): string {
  return `${m.measure} ${m.change}: before ${side(m, 'before')}, after ${side(m, 'after')}, p = ${formatPValue(m.pValue)}`;
}

function result(change: Change, subject: string, measures: readonly MeasureComparison[]): CaseResult {
  const lines = measures.map(describe);
  if (change !== 'regressed') return { status: 'passed', output: lines.join('\n') };
  const regressed = measures.filter((m) => m.change === 'regressed');
  return { status: 'failed', type: `${regressed.map((m) => m.measure).join(', ')} regression`, message: `${subject}: ${describe(regressed[0] ?? measures[0])}`, details: lines.join('\n') };
}

const pairCase = (pair: PairKey, r: CaseResult): JUnitCase => ({ classname: `netprobe.compare.${pair.protocol}.${pair.path}`, name: pairName(pair), result: r });

export function renderCompareJUnit(report: CompareReport): string {
  const pairs = [
    ...report.pairs.map((p) => pairCase(p, result(p.change, `${pairName(p)} ${p.protocol}/${p.path}`, p.measures))),
    ...report.onlyBefore.map((p) => pairCase(p, { status: 'skipped', message: `measured only in the before run (${report.before.file})` })),
    ...report.onlyAfter.map((p) => pairCase(p, { status: 'skipped', message: `measured only in the after run (${report.after.file})` })),
  ];
  const nodes = report.nodes.map((node): JUnitCase => {
    const status = node.statusBefore === node.statusAfter ? node.statusAfter : `${node.statusBefore} before, ${node.statusAfter} after`;
    const kernel = node.kernelChanged ? `kernel ${node.kernelBefore ?? '?'} -> ${node.kernelAfter ?? '?'}` : `kernel ${node.kernelAfter ?? '?'}`;
    const r = node.change === 'regressed' && node.measures.every((m) => m.change !== 'regressed')
      ? { status: 'failed' as const, type: 'no-data regression', message: `node ${node.name}: ${status}`, details: `${kernel}; ${status}` }
      : result(node.change, `node ${node.name} (${kernel})`, node.measures);
    return { classname: 'netprobe.compare.nodes', name: node.name, result: r };
  });
  return renderJUnitXml({
    name: `netprobe compare ${report.before.runId} -> ${report.after.runId}`,
    timestamp: report.after.start,
    timeSeconds: secondsBetween(report.after.start, report.after.end),
    suites: [
      { name: 'pairs', cases: pairs },
      { name: 'nodes', cases: nodes },
      ...(report.newCritical.length ? [{
        name: 'new critical findings',
        cases: report.newCritical.map((f): JUnitCase => ({
          classname: `netprobe.compare.findings.${f.kind}`,
          name: `${f.kind}, ${f.pattern}: ${f.subject}`,
          result: { status: 'failed', type: `new ${f.severity} ${f.kind}`, message: f.message, details: `critical in the after run (${report.after.file}), absent from the before run (${report.before.file}): ${f.message}` },
        })),
      }] : []),
    ],
  });
}
