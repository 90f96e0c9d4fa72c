// All findings of one run, worst first: severity, then the breadth of the pattern (one
// cause behind many pairs before single pairs), then how many pairs it covers.
import { byNodeName } from '../shared/node-order.ts';
import type { Finding, FindingPattern, Severity } from '../shared/report.ts';
import { dnsRaceFinding } from './dns-race.ts';
import { enobufsFinding } from './enobufs.ts';
import { everyPairFailedFinding } from './every-pair-failed.ts';
import type { FindingContext } from './finding-context.ts';
import { matrixFindings } from './matrix-findings.ts';
import { neighbourOverflowFinding } from './neighbour-overflow.ts';

const SEVERITY_RANK: Record<Severity, number> = { critical: 0, warning: 1, info: 2 };
const PATTERN_RANK: Record<FindingPattern, number> = {
  'all-but-diagonal': 0, partition: 1, 'bad-node': 2, 'bad-source': 3, 'bad-destination': 4, nodes: 5, pair: 6, window: 7,
};

/** `extra`: findings made elsewhere (e.g. bursts over time), ranked with the rest; that nothing got through at all comes first. */
export function findings(context: FindingContext, extra: readonly Finding[] = []): Finding[] {
  // The matrix findings first: the pairs a pattern flags are flagged before the rest read them.
  const matrix = matrixFindings(context);
  const overflow = neighbourOverflowFinding(context);
  const all = [...matrix, dnsRaceFinding(context), overflow?.finding ?? null, enobufsFinding(context, overflow?.nodes), ...extra].filter((f): f is Finding => f !== null);
  const nothingThrough = everyPairFailedFinding(context);
  return [...(nothingThrough ? [nothingThrough] : []), ...all.sort((a, b) =>
    SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]
    || PATTERN_RANK[a.pattern] - PATTERN_RANK[b.pattern]
    || (b.evidence.flaggedPairs ?? 0) - (a.evidence.flaggedPairs ?? 0)
    || (b.evidence.pairs[0]?.low ?? 0) - (a.evidence.pairs[0]?.low ?? 0)
    || byNodeName(a.subject, b.subject))];
}
