// The findings below the heatmap, worst first (the report's order): what, where, the
// evidence that makes it more than noise, and what to check.
import { describeBurstEvidence, describeConfidence, describePairEvidence, formatMs, formatPercent } from '../shared/format.ts';
import type { Finding, Severity, Thresholds } from '../shared/report.ts';
import { paint, type Paint } from './ansi.ts';
import { describeNodeEvidence } from './node-evidence.ts';
import { wrap } from './wrap.ts';

export interface FindingsOptions {
  color: boolean;
  width: number;
}

/** Pairs listed per finding; the rest are in -o json. */
const EVIDENCE_SHOWN = 3;
const SEVERITY_PAINT: Record<Severity, Paint> = { critical: 'red', warning: 'yellow', info: 'grey' };
const INDENT = '    ';
const EVIDENCE_INDENT = ' '.repeat('evidence: '.length);

export function renderFindings(findings: readonly Finding[], thresholds: Thresholds, options: FindingsOptions): string {
  if (findings.length === 0) {
    return wrap(`No findings: no pair, row, column or group shows loss above ${formatPercent(thresholds.lossRatio)} `
      + `(e-values, at a ${formatPercent(thresholds.falseDiscoveryRate)} false discovery rate), and none a p99 latency above `
      + `${thresholds.latencyFactor}× the cluster's median pair (+${formatMs(thresholds.latencyMarginMs)} at least). `
      + 'Inconclusive pairs are not shown clean: see the verdicts above.', options.width, '');
  }
  return [`Findings (${findings.length}), worst first:`, ...findings.map((finding) => renderFinding(finding, options))].join('\n\n');
}

/** One finding as the table shows it (also the text of a JUnit failure). */
export function renderFinding(finding: Finding, options: FindingsOptions): string {
  const severity = paint(finding.severity.toUpperCase(), SEVERITY_PAINT[finding.severity], options.color);
  const title = `${severity} ${finding.kind}, ${finding.pattern}: ${paint(finding.subject, 'bold', options.color)}`;
  const pairs = finding.evidence.pairs.slice(0, EVIDENCE_SHOWN).map(describePairEvidence);
  const morePairs = finding.evidence.pairs.length - pairs.length;
  if (morePairs > 0) pairs.push(`… and ${morePairs} more pair${morePairs > 1 ? 's' : ''} (-o json lists them all)`);
  const burst = finding.evidence.burst ? [describeBurstEvidence(finding.evidence.burst)] : [];
  const evidence = [...burst, ...pairs, ...finding.evidence.nodes.filter((node) => Object.keys(node.counts).length > 0).map(describeNodeEvidence)];
  const confidence = finding.evidence.confidence;
  return [
    `  ${title}`,
    wrap(finding.message, options.width, INDENT),
    ...evidence.map((line, i) => wrap(line, options.width, `${INDENT}${i === 0 ? 'evidence: ' : EVIDENCE_INDENT}`, INDENT + EVIDENCE_INDENT + '  ')),
    ...(confidence ? [wrap(`confidence: ${describeConfidence(confidence, finding.kind)}.`, options.width, INDENT)] : []),
    wrap(`check: ${finding.hint}`, options.width, INDENT),
  ].join('\n');
}
