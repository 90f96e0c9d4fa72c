// `kubectl netprobe nodes -o table`: a node × check table of verdicts, then each WARN and FAIL
// with its evidence and fix, then what the pods could not see (so a PASS reads as what it is).
import type { CheckId, CheckResult, NodesReport, Verdict } from '../shared/nodes-report.ts';
import { CHECK_IDS } from '../shared/nodes-report.ts';
import { paint, type Paint } from './ansi.ts';
import { compactTable } from './compact-table.ts';
import { wrap } from './wrap.ts';

export interface NodesTableOptions {
  color: boolean;
  width?: number;
}

const DEFAULT_WIDTH = 80;
const VERDICT_PAINT: Record<Verdict, Paint> = { pass: 'green', warn: 'yellow', fail: 'red' };
const INDENT = '    ';
const UNSEEN_MARK = '*';

export function renderNodesTable(report: NodesReport, options: NodesTableOptions): string {
  const width = options.width ?? DEFAULT_WIDTH;
  const checks = CHECK_IDS.filter((id) => report.nodes.some((n) => n.checks.some((c) => c.check === id)));
  const rows = report.nodes.map((node) => [node.name, ...checks.map((id) => {
    if (node.status === 'no-data') return paint('n/a', 'grey', options.color);
    const result = node.checks.find((c) => c.check === id);
    return result ? paint(result.verdict.toUpperCase(), VERDICT_PAINT[result.verdict], options.color) + (result.unseen.length ? UNSEEN_MARK : '') : '-';
  })]);
  const table = compactTable(['NODE', ...checks.map((id) => id.toUpperCase())], rows, ['left', ...checks.map(() => 'left' as const)]);
  return [
    wrap(header(report), width, ''),
    `${table}\n${UNSEEN_MARK} part of the evidence is not visible from inside the pod (below); -o json has every check's evidence`,
    noData(report, width),
    findings(report, options.color, width),
    unseen(report, width),
  ].filter(Boolean).join('\n\n') + '\n';
}

function header(report: NodesReport): string {
  const inspected = report.nodes.filter((n) => n.status === 'ok').length;
  const cni = report.cni.map((c) => `${c.name} (${c.evidence.join('; ')})`).join(', ') || 'none recognised';
  const { pass, warn, fail } = report.summary;
  return `netprobe nodes, run ${report.run.id}: ${inspected} of ${report.nodes.length} nodes inspected; CNI ${cni}; ${pass} PASS, ${warn} WARN, ${fail} FAIL`;
}

function noData(report: NodesReport, width: number): string {
  const missing = report.nodes.filter((n) => n.status === 'no-data');
  if (!missing.length) return '';
  return ['Not inspected:', ...missing.map((n) => wrap(`${n.name}: ${n.reason}`, width, '  ', INDENT))].join('\n');
}

function findings(report: NodesReport, color: boolean, width: number): string {
  const found = report.nodes.flatMap((node) => node.checks.filter((c) => c.verdict !== 'pass').map((check) => ({ node: node.name, check })));
  if (!found.length) return report.nodes.some((n) => n.status === 'ok') ? 'All checks pass.' : '';
  found.sort((a, b) => rank(b.check) - rank(a.check));
  return [`Findings (${found.length}), failures first:`, ...found.map(({ node, check }) => [
    `  ${paint(check.verdict.toUpperCase(), VERDICT_PAINT[check.verdict], color)} ${paint(node, 'bold', color)} ${check.check}: ${check.summary}`,
    ...check.evidence.map((line, i) => wrap(line, width, `${INDENT}${i === 0 ? 'evidence: ' : '          '}`, `${INDENT}            `)),
    ...(check.fix ? [wrap(`fix: ${check.fix}`, width, INDENT, `${INDENT}     `)] : []),
  ].join('\n'))].join('\n\n');
}

function rank(check: CheckResult): number {
  return check.verdict === 'fail' ? 2 : check.verdict === 'warn' ? 1 : 0;
}

function unseen(report: NodesReport, width: number): string {
  const byNote = new Map<string, { check: CheckId; nodes: string[] }>();
  for (const node of report.nodes) {
    for (const check of node.checks) {
      for (const note of check.unseen) {
        const key = `${check.check}\u0000${note}`;
        byNote.set(key, { check: check.check, nodes: [...(byNote.get(key)?.nodes ?? []), node.name] });
      }
    }
  }
  if (!byNote.size) return '';
  const ok = report.nodes.filter((n) => n.status === 'ok').length;
  return ['Not visible from inside the pods:', ...[...byNote].map(([key, { check, nodes }]) =>
    wrap(`${check} (${nodes.length === ok ? 'all nodes' : nodes.join(', ')}): ${key.split('\u0000')[1]}`, width, '  ', INDENT))].join('\n');
}
