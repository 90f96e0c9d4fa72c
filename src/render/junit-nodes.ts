// `nodes -o junit`: a suite per node, one test case per check; FAIL fails it with the check's
// summary, evidence and fix; PASS and WARN pass (as the exit code has it), a warning's text in
// the case's output. A node that gave no data is one skipped case with the reason.
import type { CheckResult, NodesReport } from '../shared/nodes-report.ts';
import { renderJUnitXml, secondsBetween, type CaseResult, type JUnitSuite } from './junit-xml.ts';

function details(check: CheckResult): string {
  return [
    check.summary,
    ...check.evidence.map((e) => `evidence: ${e}`),
    ...check.unseen.map((u) => `not visible from the pod: ${u}`),
    ...(check.fix ? [`fix: ${check.fix}`] : []),
  ].join('\n');
}

function result(check: CheckResult): CaseResult {
  return check.verdict === 'fail'
    ? { status: 'failed', type: `${check.check} fail`, message: check.summary, details: details(check) }
    : { status: 'passed', output: `${check.verdict.toUpperCase()}: ${details(check)}` };
}

export function renderNodesJUnit(report: NodesReport): string {
  const suites = report.nodes.map((node): JUnitSuite => ({
    name: node.name,
    cases: node.status === 'no-data'
      ? [{ classname: `netprobe.nodes.${node.name}`, name: 'inspection', result: { status: 'skipped', message: node.reason ?? 'no data' } }]
      : node.checks.map((check) => ({ classname: `netprobe.nodes.${node.name}`, name: check.check, result: result(check) })),
  }));
  return renderJUnitXml({ name: `netprobe nodes run ${report.run.id}`, timestamp: report.run.start, timeSeconds: secondsBetween(report.run.start, report.run.end), suites });
}
