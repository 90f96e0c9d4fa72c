// `matrix -o junit`: one test case per pair, protocol and path (a suite per protocol and path),
// failed when a finding names the pair, with the finding's message and evidence; passed when
// it is clear; skipped when it is inconclusive (with what would decide it: visible, and no
// failure from thin evidence) or was not measured. A case per node too, skipped with the reason when the node gave no
// data (its pairs are then absent). Findings that name no pair (a burst window, a node's
// counters) get a case of their own, so that CI never passes them by.
import { describeProportion, formatDuration, formatMs, pairName } from '../shared/format.ts';
import type { MatrixReport, PairReport } from '../shared/report.ts';
import { renderFinding } from './findings.ts';
import { renderJUnitXml, secondsBetween, type CaseResult, type JUnitSuite } from './junit-xml.ts';
import { judgePairs, type JudgedPair, type PairOutcome } from './pair-outcome.ts';

/** Failure text is not wrapped by a terminal: lines as long as a log viewer shows. */
const TEXT = { color: false, width: 120 };

/** The pair's own figures: what a reader of the test case sees first. */
function figures(pair: PairReport): string {
  const parts = [`${pair.successes} of ${pair.attempts} probes succeeded`];
  if (pair.loss.ratio !== null) {
    parts.push(describeProportion({ k: pair.attempts - pair.successes, n: pair.attempts, ratio: pair.loss.ratio, low: pair.loss.low!, high: pair.loss.high!, measure: 'lost' }));
  }
  const { p50, p99 } = pair.latencyMs;
  if (p50 !== null && p99 !== null) parts.push(`p50 ${formatMs(p50)}, p99 ${formatMs(p99)}`);
  if (pair.protocol === 'tcp') parts.push(`${pair.synRetransmits} SYN retransmits`);
  if (pair.protocol === 'dns') parts.push(`${pair.dnsTimeouts} DNS timeouts`);
  if (pair.enobufs) parts.push(`${pair.enobufs} ENOBUFS`);
  return parts.join('; ');
}

const RESULTS: Record<PairOutcome, (judged: JudgedPair, report: MatrixReport) => CaseResult> = {
  clear: ({ pair }) => ({ status: 'passed', output: `clear; ${figures(pair)}` }),
  inconclusive: ({ pair }) => ({ status: 'skipped', message: `inconclusive: ${toDecide(pair)}; ${figures(pair)}` }),
  flagged: ({ pair, findings }) => ({
    status: 'failed',
    type: findings[0] ? `${findings[0].severity} ${findings[0].kind}` : pair.status,
    message: findings[0]?.message ?? `${pairName(pair)} ${pair.protocol} flagged: ${pair.flags.join(', ')}`,
    details: [figures(pair), ...findings.map((f) => renderFinding(f, TEXT))].join('\n\n'),
  }),
  unmeasured: ({ pair }, report) => ({
    status: 'skipped',
    message: report.nodes.find((n) => (n.name === pair.source || n.name === pair.destination) && n.status === 'no-data')?.noDataReason ?? 'not measured',
  }),
};

/** "841 more probes (14 min at the run's rate) would decide it", or why none would. */
function toDecide(pair: PairReport): string {
  if (!pair.toDecide) return 'its loss is too close to the threshold for any run length to decide';
  const time = pair.toDecide.seconds === null ? '' : ` (${formatDuration(pair.toDecide.seconds * 1000)} at the run's rate)`;
  return `too few probes to tell; ${pair.toDecide.probes} more${time} would decide it`;
}

export function renderMatrixJUnit(report: MatrixReport): string {
  const suites = new Map<string, JUnitSuite>();
  for (const judged of judgePairs(report.pairs, report.findings)) {
    const { pair } = judged;
    const name = `${pair.protocol} ${pair.path}${pair.family ? ` ${pair.family}` : ''}`;
    if (!suites.has(name)) suites.set(name, { name, cases: [] });
    suites.get(name)!.cases.push({ classname: `netprobe.matrix.${pair.protocol}.${pair.path}${pair.family ? `.${pair.family}` : ''}`, name: pairName(pair), result: RESULTS[judged.outcome](judged, report) });
  }
  suites.set('nodes', {
    name: 'nodes',
    cases: report.nodes.map((node) => ({
      classname: 'netprobe.matrix.nodes',
      name: node.name,
      result: node.status === 'ok'
        ? { status: 'passed', output: `kernel ${node.kernelVersion ?? 'unknown'}${node.warnings.length ? `; ${node.warnings.join('; ')}` : ''}` }
        : { status: 'skipped', message: node.noDataReason ?? 'no data' },
    })),
  });
  const unpaired = report.findings.filter((f) => f.evidence.pairs.length === 0);
  if (unpaired.length) {
    suites.set('findings', {
      name: 'findings',
      cases: unpaired.map((f) => ({
        classname: `netprobe.matrix.findings.${f.kind}`,
        name: `${f.kind}, ${f.pattern}: ${f.subject}`,
        result: { status: 'failed', type: `${f.severity} ${f.kind}`, message: f.message, details: renderFinding(f, TEXT) },
      })),
    });
  }
  return renderJUnitXml({
    name: `netprobe matrix run ${report.run.id}`,
    timestamp: report.run.start,
    timeSeconds: secondsBetween(report.run.start, report.run.end),
    suites: [...suites.values()],
  });
}
