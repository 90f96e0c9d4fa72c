// Which way UDP was lost. An echo measures the round trip, so a one-way fault on the
// path x → y hurts both x's probes to y (their requests) and y's probes to x (their
// answers). The echoes' receive counts split each pair's losses into "never arrived"
// and "answer lost"; mapped onto the physical direction they travelled, both pairs'
// losses point at the one faulty direction, whichever side probed.
import { pairName } from '../shared/format.ts';
import type { UdpDirectionEvidence } from '../shared/report.ts';
import { binomialUpperTail } from './significance.ts';
import type { JudgedPair } from './verdicts.ts';

/** Two-sided sign test: one direction must hold more of the counted losses than a fair coin gives, at 5 % (6 of 6, 8 of 9, 14 of 18, …). */
const SIGN_TEST_ALPHA = 0.05;

/** How a lost datagram's direction is named: by its ends ('a -> b'), or relative to one node ('towards X' / 'from X'). */
export type DirectionScope = { node: string } | 'pairs' | 'requests-or-answers';

/**
 * The lost datagrams of these pairs by the direction they travelled; null without UDP pairs.
 * `scope`: a row, column or node pattern names directions towards and from its node; a pair
 * by its ends; a cluster-wide pattern as the probes' requests or their answers.
 */
export function udpDirection(pairs: readonly JudgedPair[], scope: DirectionScope): UdpDirectionEvidence | null {
  const udp = pairs.filter((j) => j.report.protocol === 'udp');
  if (udp.length === 0) return null;
  const counts = new Map<string, number>();
  const add = (from: string, to: string, asRequest: boolean, n: number) => {
    const direction = scope === 'pairs' ? pairName({ source: from, destination: to })
      : scope === 'requests-or-answers' ? (asRequest ? 'requests' : 'answers')
        : to === scope.node ? `towards ${scope.node}` : `from ${scope.node}`;
    counts.set(direction, (counts.get(direction) ?? 0) + n);
  };
  for (const { report } of udp) {
    if (!report.udpDirection) continue;
    add(report.source, report.destination, true, report.udpDirection.requestsLost);
    add(report.destination, report.source, false, report.udpDirection.repliesLost);
  }
  const lost = [...counts].filter(([, n]) => n > 0).map(([direction, count]) => ({ direction, count })).sort((a, b) => b.count - a.count || (a.direction < b.direction ? -1 : 1));
  const counted = lost.reduce((n, d) => n + d.count, 0);
  if (counted === 0) return { lost, counted, outcome: 'none-counted', direction: null };
  // Fewer than this many, all one way, would not pass the sign test either.
  if (2 * binomialUpperTail(counted, counted, 0.5) > SIGN_TEST_ALPHA) return { lost, counted, outcome: 'too-few', direction: null };
  const top = lost[0];
  if (2 * binomialUpperTail(top.count, counted, 0.5) <= SIGN_TEST_ALPHA) return { lost, counted, outcome: 'one-way', direction: top.direction };
  return { lost, counted, outcome: 'both-ways', direction: null };
}

/** The sentence a loss finding's message ends with. */
export function describeUdpDirection(evidence: UdpDirectionEvidence): string {
  const arrow = (direction: string) => direction.replace(' -> ', ' → ');
  const counts = evidence.lost.map((d) => `${arrow(d.direction)}: ${d.count}`).join(', ');
  const byEchoes = "by the echoes' receive counts";
  switch (evidence.outcome) {
    case 'none-counted':
      return 'No echo came after these UDP losses, so which way the datagrams were lost cannot be told (a path that drops everything loses both ways).';
    case 'too-few':
      return `Too few lost UDP datagrams were counted ${byEchoes} to tell which way they travelled (${counts}).`;
    case 'both-ways':
      return `The lost UDP datagrams travelled both ways, ${byEchoes} (${counts}).`;
    case 'one-way': {
      const top = evidence.lost[0];
      const share = `${top.count} of ${evidence.counted}, ${byEchoes}`;
      if (top.direction === 'requests' || top.direction === 'answers') {
        return `The lost UDP datagrams were ${top.direction === 'requests' ? 'the probes on their way out' : 'the answers on their way back'} (${share}).`;
      }
      const onNode = top.direction.startsWith('towards ') || top.direction.startsWith('from ');
      return `The lost UDP datagrams travelled ${arrow(top.direction)} (${share}), whichever side probed: the fault is on ${onNode ? `the way ${top.direction}` : `the path ${arrow(top.direction)}`}.`;
    }
  }
}
