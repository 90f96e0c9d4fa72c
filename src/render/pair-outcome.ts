// What a pair comes to for CI and monitoring (-o junit, -o openmetrics): flagged (its own flag,
// or a finding names it in its evidence, e.g. a bad node's row), clear (shown below the
// threshold), inconclusive (too few probes yet to tell), or not measured. One place, so that a
// new outcome is one more entry here and in each renderer's table.
import type { Finding, PairReport } from '../shared/report.ts';

export const PAIR_OUTCOMES = ['flagged', 'clear', 'inconclusive', 'unmeasured'] as const;
export type PairOutcome = (typeof PAIR_OUTCOMES)[number];

export interface JudgedPair {
  pair: PairReport;
  outcome: PairOutcome;
  /** The findings that name this pair, worst first (the report's order). */
  findings: Finding[];
}

const key = (p: Pick<PairReport, 'source' | 'destination' | 'protocol' | 'path'>) => `${p.source}>${p.destination}/${p.protocol}/${p.path}`;

export function judgePairs(pairs: readonly PairReport[], findings: readonly Finding[]): JudgedPair[] {
  const named = new Map<string, Finding[]>();
  for (const finding of findings) {
    for (const k of new Set(finding.evidence.pairs.map(key))) named.set(k, [...(named.get(k) ?? []), finding]);
  }
  return pairs.map((pair) => {
    const naming = named.get(key(pair)) ?? [];
    const outcome: PairOutcome = pair.attempts === 0 ? 'unmeasured'
      : pair.verdict === 'flagged' || pair.status !== 'ok' || naming.length > 0 ? 'flagged' : pair.verdict;
    return { pair, outcome, findings: naming };
  });
}
