// `-o yaml`: the same document as `-o json`, in the same key order.
import { dump } from 'js-yaml';
import type { MatrixReport } from '../shared/report.ts';
import type { CompareReport } from '../compare/compare-report.ts';
import type { NodesReport } from '../shared/nodes-report.ts';
import type { DnsReport } from '../dns/report.ts';

export function renderYaml(report: MatrixReport | CompareReport | NodesReport | DnsReport): string {
  // noRefs: evidence objects can appear twice (pair and finding); YAML anchors would confuse readers.
  return dump(report, { noRefs: true, lineWidth: -1 });
}
