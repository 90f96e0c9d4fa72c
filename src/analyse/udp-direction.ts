// Which way UDP was lost. An echo measures the round trip, so a one-way fault on the
// path x → y hurts both x's probes to y (their requests) and y's probes to x (their
// answers). The echoes' receive counts split each pair's losses into "never arrived"
// and "answer lost"; mapped onto the physical direction they travelled, both pairs'
// losses point at the one faulty direction.
import type { JudgedPair } from './verdicts.ts';

/** Most of the counted losses must share one direction to name it. */
const ONE_WAY_SHARE = 0.8;
/** Too few counted losses say nothing about direction. */
const MIN_COUNTED = 5;

export function udpDirectionHint(pairs: readonly JudgedPair[]): string {
  const byDirection = new Map<string, number>();
  const add = (from: string, to: string, n: number) => {
    if (n > 0) byDirection.set(`${from} → ${to}`, (byDirection.get(`${from} → ${to}`) ?? 0) + n);
  };
  for (const { report } of pairs) {
    if (report.protocol !== 'udp' || !report.udpDirection) continue;
    add(report.source, report.destination, report.udpDirection.requestsLost);
    add(report.destination, report.source, report.udpDirection.repliesLost);
  }
  const counted = [...byDirection.values()].reduce((a, b) => a + b, 0);
  if (counted < MIN_COUNTED) return '';
  const [direction, n] = [...byDirection.entries()].sort((a, b) => b[1] - a[1])[0];
  if (n / counted < ONE_WAY_SHARE) return `By the echoes' receive counts the lost UDP datagrams travelled in several directions (${describe(byDirection)}).`;
  return `${n} of ${counted} lost UDP datagrams (by the echoes' receive counts) were travelling ${direction}, whichever side probed: the fault is on the path ${direction}.`;
}

function describe(byDirection: ReadonlyMap<string, number>): string {
  return [...byDirection.entries()].sort((a, b) => b[1] - a[1]).map(([direction, n]) => `${direction}: ${n}`).join(', ');
}
