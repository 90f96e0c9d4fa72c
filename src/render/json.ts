// `-o json`: the report as it is (docs/report-schema.md). Key order is the order analysis
// builds every object in, so the output is stable from run to run.
import type { MatrixReport } from '../shared/report.ts';
import type { CompareReport } from '../compare/compare-report.ts';
import type { NodesReport } from '../shared/nodes-report.ts';
import type { DnsReport } from '../dns/report.ts';

export function renderJson(report: MatrixReport | CompareReport | NodesReport | DnsReport): string {
  return `${JSON.stringify(report, null, 2)}\n`;
}
