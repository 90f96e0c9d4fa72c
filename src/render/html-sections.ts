// The HTML report's text sections: findings, nodes, and the run with its thresholds.
import { NET_COUNTER_NAMES, type NetCounters } from '../shared/agent-result.ts';
import { describeBurstEvidence, describeConfidence, describePairEvidence, formatMs, formatPercent } from '../shared/format.ts';
import type { Finding, FindingEvidence, MatrixReport, NodeReport, PairReport, RunInfo, Thresholds } from '../shared/report.ts';
import { escapeHtml, plainValue } from './html-text.ts';
import { describeLatencyFloor } from './latency-floor.ts';
import { describeNodeEvidence } from './node-evidence.ts';
import { coverageLine, verdictSummary } from './run-summary.ts';

/** Longer evidence lists start folded: a cluster-wide finding can list thousands of pairs. */
const OPEN_EVIDENCE_ITEMS = 8;

export function findingsSection(findings: readonly Finding[], pairs: readonly PairReport[]): string {
  if (findings.length === 0) {
    const inconclusive = pairs.filter((pair) => pair.verdict === 'inconclusive').length;
    return inconclusive === 0
      ? '<p class="all-clear">No findings: every measured pair is clear, shown within the thresholds.</p>'
      : `<p class="all-clear">No findings: nothing was flagged. ${escapeHtml(`${count(inconclusive, 'pair')} of ${pairs.length}`)} ${inconclusive === 1 ? 'is' : 'are'} inconclusive (too few probes to call them clean): see the run's verdicts.</p>`;
  }
  return findings.map(findingHtml).join('');
}

function findingHtml(finding: Finding): string {
  const scope = [finding.kind, finding.pattern, finding.protocols.join(', '), finding.path && `${finding.path} network${finding.family ? ' (IPv6)' : ''}`].filter(Boolean).map((part) => escapeHtml(String(part).replaceAll('-', ' ')));
  return `<article class="finding sev-${severityClass(finding.severity)}">`
    + `<header><span class="badge sev-${severityClass(finding.severity)}">${escapeHtml(finding.severity)}</span> <strong class="subject">${escapeHtml(finding.subject)}</strong> <span class="muted">${scope.join(' · ')}</span></header>`
    + `<p>${escapeHtml(finding.message)}</p>`
    + (finding.evidence.confidence ? `<p class="confidence"><span class="hint-label">Confidence</span> ${escapeHtml(describeConfidence(finding.evidence.confidence, finding.kind))}.</p>` : '')
    + (finding.hint ? `<p class="hint"><span class="hint-label">What to check</span> ${escapeHtml(finding.hint)}</p>` : '')
    + evidenceHtml(finding.evidence)
    + '</article>';
}

/** The class a severity is styled by; anything unexpected is styled as info. */
function severityClass(severity: string): string {
  return severity === 'critical' || severity === 'warning' ? severity : 'info';
}

function evidenceHtml(evidence: FindingEvidence): string {
  const facts: string[] = [];
  if (evidence.flaggedPairs !== undefined && evidence.measuredPairs !== undefined) facts.push(`${evidence.flaggedPairs} of ${evidence.measuredPairs} measured pairs flagged`);
  if (evidence.thresholdRatio !== undefined) facts.push(`threshold ${formatPercent(evidence.thresholdRatio)}`);
  if (evidence.groups) {
    const groups = evidence.groups.map((group) => `{${group.join(', ')}}`).join(' | ');
    facts.push(`groups ${groups}${evidence.groupLabel ? `, lining up with label ${evidence.groupLabel}` : ''}`);
  }
  const nodesWithCounts = evidence.nodes.filter((node) => Object.keys(node.counts).length > 0);
  const burst = evidence.burst ? [describeBurstEvidence(evidence.burst)] : [];
  const items = [...burst, ...evidence.pairs.map(describePairEvidence), ...nodesWithCounts.map(describeNodeEvidence)];
  // A burst has no pairs or nodes of its own: its evidence is the window, drawn on the timeline.
  const what = evidence.burst ? `window ${evidence.burst.window}` : `${count(evidence.pairs.length, 'pair')}, ${count(evidence.nodes.length, 'node')}`;
  const summary = [`Evidence: ${what}`, ...facts].map(escapeHtml).join(' · ')
    + (evidence.burst ? ' · <a href="#timeline">on the timeline</a>' : '');
  if (items.length === 0) return `<p class="muted evidence-summary">${summary}</p>`;
  return `<details class="evidence"${items.length <= OPEN_EVIDENCE_ITEMS ? ' open' : ''}><summary>${summary}</summary>`
    + `<ul>${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('')}</ul></details>`;
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function nodesSection(nodes: readonly NodeReport[], labels: ReadonlyMap<string, string>): string {
  if (nodes.length === 0) return '<p class="muted">No nodes.</p>';
  const header = '<tr><th>Node</th><th>Internal IP</th><th>Kernel</th><th>Status</th><th class="num">SYN retransmits<br><span class="muted">inferred / counted</span></th>'
    + '<th class="num">Agent latency floor<br><span class="muted">TCP connect p50 / p90</span></th><th>Counter deltas (non-zero)</th></tr>';
  return `<div class="table-scroll"><table class="nodes"><thead>${header}</thead><tbody>${nodes.map((node) => nodeRow(node, labels.get(node.name))).join('')}</tbody></table></div>`;
}

function nodeRow(node: NodeReport, label: string | undefined): string {
  const labelTag = label && label !== node.name ? `<span class="axis-label">${escapeHtml(label)}</span> ` : '';
  const nodeLabels = Object.entries(node.labels);
  const labelList = nodeLabels.length
    ? `<details class="labels"><summary>${count(nodeLabels.length, 'label')}</summary><ul>${nodeLabels.map(([key, value]) => `<li><code>${escapeHtml(key)}=${escapeHtml(value)}</code></li>`).join('')}</ul></details>`
    : '';
  const status = node.status === 'ok'
    ? '<span class="badge g-clear">ok</span>'
    : `<span class="badge g-no-data">no data</span> ${escapeHtml(node.noDataReason ?? '')}`;
  const notes = [...node.warnings, ...(node.paths ?? []).filter((p) => p.destinationNoData).map((p) => `no data as a destination on the ${p.path} network: ${p.destinationNoData}`)];
  const warnings = notes.length ? `<ul class="warnings">${notes.map((warning) => `<li>${escapeHtml(warning)}</li>`).join('')}</ul>` : '';
  const measured = node.paths?.filter((p) => p.synRetransmits) ?? [];
  const syn = measured.length > 1
    ? measured.map((p) => `${p.path} ${p.synRetransmits!.inferred} / ${p.synRetransmits!.counted}`).join('<br>')
    : node.synRetransmits ? `${node.synRetransmits.inferred} / ${node.synRetransmits.counted}` : '-';
  return `<tr class="${node.status === 'ok' ? '' : 'no-data'}"><td>${labelTag}<strong>${escapeHtml(node.name)}</strong>${labelList}</td>`
    + `<td><code>${escapeHtml(node.internalIP ?? '-')}</code></td><td><code>${escapeHtml(node.kernelVersion ?? '-')}</code></td>`
    + `<td>${status}${warnings}</td><td class="num">${syn.split('<br>').map(escapeHtml).join('<br>')}</td><td class="num">${escapeHtml(floorText(node))}</td><td>${countersHtml(node)}</td></tr>`;
}

function floorText(node: NodeReport): string {
  const floor = node.latencyFloor?.tcpConnect;
  return floor ? `${formatMs(floor.p50)} / ${formatMs(floor.p90)}` : '-';
}

/** The node's counters; per network with --network both (each agent reads its own network namespace). */
function countersHtml(node: NodeReport): string {
  const measured = node.paths?.filter((p) => p.counters) ?? [];
  if (measured.length > 1) return measured.map((p) => `<div><span class="muted">${escapeHtml(p.path)}:</span> ${countersList(p.counters!)}</div>`).join('');
  return node.counters ? countersList(node.counters) : '-';
}

function countersList(counters: NetCounters): string {
  const nonZero = NET_COUNTER_NAMES.filter((name) => counters[name] !== 0);
  if (nonZero.length === 0) return '<span class="muted">all zero</span>';
  return nonZero.map((name) => `<span class="counter">${escapeHtml(name)} <strong>${escapeHtml(String(counters[name]))}</strong></span>`).join(' ');
}

/** "2026-01-01 00:00:00 UTC → 00:00:30 UTC (30 s)"; the times as recorded when they do not parse. */
export function runPeriod(run: RunInfo): string {
  const start = Date.parse(run.start);
  const end = Date.parse(run.end);
  if (!Number.isFinite(start) || !Number.isFinite(end)) return `${run.start} → ${run.end}`;
  const utc = (ms: number) => new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
  const endText = utc(end).slice(0, 10) === utc(start).slice(0, 10) ? utc(end).slice(11) : utc(end);
  return `${utc(start)} → ${endText} UTC (${Math.round((end - start) / 1000)} s)`;
}

export function runSection(report: MatrixReport): string {
  const { run } = report;
  const floor = describeLatencyFloor(report.nodes);
  const facts: [string, string][] = [
    ['Run id', run.id],
    ['Start', run.start],
    ['End', run.end],
    ...Object.entries(run.settings).map(([name, value]): [string, string] => [name, plainValue(value)]),
    ...(report.coverage ? [['Coverage', coverageLine(report.coverage).replace(/^Coverage: /, '')] as [string, string]] : []),
    ['Agent latency floor', floor ? `${floor}: connects and echoes to the agent's own listener at start; latencies near it are the agent's cost, not the network's` : 'not measured by these agents'],
    ['Verdicts', verdictSummary(report).replace(/^Verdicts \(per pair and protocol\): /, '')],
  ];
  return '<div class="run-columns"><div><h3>Settings</h3>' + definitionList(facts) + '</div>'
    + '<div><h3>Thresholds</h3>' + definitionList(thresholdFacts(report.thresholds)) + '</div></div>';
}

function thresholdFacts(t: Thresholds): [string, string][] {
  return [
    ['Flagged', `when a pair's evidence (an e-value, valid however long it was probed) shows its loss, SYN loss or resolver-mark share above ${formatPercent(t.lossRatio)}, at a ${formatPercent(t.falseDiscoveryRate)} false discovery rate across the run's tests (e-BH)`],
    ['Clear', `when every loss-like measure is shown below ${formatPercent(t.lossRatio)}: a pair at the threshold is cleared with probability at most ${formatPercent(t.falseClearRate)}`],
    ['Inconclusive', 'neither yet: the pair needs more probes, and says how many'],
    ['Critical', `a flagged loss whose 95% Wilson lower bound exceeds ${formatPercent(t.criticalLossRatio)}`],
    ['Latency flagged', `when more than 1% of a pair's samples (its p99) exceed max(${t.latencyFactor} × the cluster median pair p99, median + ${formatMs(t.latencyMarginMs)}), on pairs with at least ${t.minLatencySamples} successful probes, with the same evidence and error rate`],
    ['Pattern', `a row, column or block whose pairs are at least ${formatPercent(t.patternShare)} elevated and whose pooled evidence clears a ${formatPercent(t.falseDiscoveryRate)} error rate over the matrix's pattern tests`],
  ];
}

function definitionList(facts: readonly [string, string][]): string {
  return `<dl>${facts.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${escapeHtml(value)}</dd>`).join('')}</dl>`;
}
