// Findings from --window bursts: when the trouble came, and whether it was the whole
// cluster at once or one node, which point at different causes.
import { countOf, describeBurstTrouble, pairName } from '../shared/format.ts';
import type { Finding, TimelineReport } from '../shared/report.ts';

const NAMED_PAIRS = 3;

export function burstFindings(timeline: TimelineReport | null): Finding[] {
  if (!timeline) return [];
  return timeline.bursts.map((burst) => {
    const end = new Date(Date.parse(burst.start) + timeline.windowMs).toISOString();
    const when = `${burst.start.slice(11, 19)}–${end.slice(11, 19)} UTC`;
    const what = describeBurstTrouble(burst);
    // A few pairs are named: their trouble in this window is left out of the pair findings (verdicts.ts).
    const hit = timeline.pairs.filter((pair) => (pair.trouble[burst.window] ?? 0) > 0);
    const named = hit.length <= NAMED_PAIRS ? hit.map((pair) => `${pairName(pair)} ${pair.protocol}`).join(', ') : null;
    const scope = burst.scope === 'cluster-wide'
      ? { subject: 'cluster', message: `A burst hit ${burst.sourcesHit} probing nodes at once in window ${burst.window} (${when}): ${what}.`,
        hint: 'Everything at once points away from any one node: cluster DNS (its pods restarting or overloaded), kube-proxy rewriting its rules, the overlay or underlay as a whole (a switch, a route flap), the control plane. Check events and those components\' logs for that minute.' }
      : burst.scope === 'node'
        ? { subject: burst.node!, message: `A burst around node ${burst.node} in window ${burst.window} (${when}): ${what}, in ${countOf(burst.pairsHit, 'pair')} that ${burst.pairsHit === 1 ? 'touches' : 'touch'} it${named ? `: ${named}` : ''}.`,
          hint: `One node's moment: its kernel log (neighbour table overflow, conntrack table full), CPU or softirq saturation, its CNI agent restarting; compare with kubectl get events --field-selector involvedObject.name=${burst.node}.` }
        : { subject: `window ${burst.window}`, message: `A burst in window ${burst.window} (${when}) on ${burst.pairsHit} of ${burst.pairsMeasured} pairs: ${what}${named ? `; ${named}` : ''}.`,
          hint: 'Neither one node nor the whole cluster: look at what the hit pairs share (a zone, a rack, a path through one router).' };
    return {
      severity: burst.scope === 'cluster-wide' ? 'critical' : 'warning',
      kind: 'burst',
      pattern: 'window',
      path: null,
      protocols: burst.protocols,
      ...scope,
      evidence: { burst, pairs: [], nodes: [] },
    } satisfies Finding;
  });
}
