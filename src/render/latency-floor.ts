// The agents' own latency floor (connects and echoes to their own listener at start), said
// beside every latency figure: on a fast network a p50 near it is the agent's cost, not the wire's.
import { formatMs } from '../shared/format.ts';
import type { LatencyFloor, NodeReport } from '../shared/report.ts';

/** "TCP connect p50 0.36 ms (0.31-0.42 ms over 6 nodes), UDP echo p50 0.20 ms"; null when no agent measured it. */
export function describeLatencyFloor(nodes: readonly NodeReport[]): string | null {
  const floors = nodes.map((node) => node.latencyFloor).filter((floor): floor is LatencyFloor => floor !== undefined);
  if (floors.length === 0) return null;
  const part = (name: string, p50s: number[]) => {
    if (p50s.length === 0) return '';
    const sorted = [...p50s].sort((a, b) => a - b);
    const median = sorted[(sorted.length - 1) >> 1];
    const [low, high] = [sorted[0], sorted[sorted.length - 1]];
    const spread = sorted.length < 2 ? '' : low === high ? ` on all ${sorted.length} nodes` : ` (${formatMs(low).replace(/ ms$/, '')}-${formatMs(high)} over ${sorted.length} nodes)`;
    return `${name} p50 ${formatMs(median)}${spread}`;
  };
  return [part('TCP connect', floors.map((f) => f.tcpConnect.p50)), part('UDP echo', floors.flatMap((f) => (f.udpEcho ? [f.udpEcho.p50] : [])))].filter(Boolean).join(', ');
}

/** The sentence beside a latency heatmap. */
export function latencyFloorNote(nodes: readonly NodeReport[]): string {
  const floor = describeLatencyFloor(nodes);
  return floor
    ? `The agents' own latency floor (to their own listener, at start): ${floor}. Latencies near it are the agent's cost, not the network's.`
    : '';
}
