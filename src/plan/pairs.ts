// Which directed pairs are probed: every ordered pair, the user's own list, or a
// sample on a hash ring (src/shared/ring.ts, which the agent computes too).
import { ringPairs, type DirectedPair } from '../shared/ring.ts';
import { PlanError } from './select-nodes.ts';

export type { DirectedPair } from '../shared/ring.ts';

/**
 * Past this many nodes the default is a ring sample, not a full mesh: N nodes make
 * N(N-1) pairs, and at 1 probe/s per pair and protocol 500 nodes would send half a
 * million probes a second into the network under test.
 */
export const FULL_MESH_MAX_NODES = 50;
/** Peers per node on the ring by default; kubenurse checks 10 neighbours, Pingmesh a few dozen. */
export const DEFAULT_SAMPLE = 16;

export function allPairs(nodes: readonly string[]): DirectedPair[] {
  return nodes.flatMap((source) => nodes.filter((d) => d !== source).map((destination) => ({ source, destination })));
}

/** --pairs a:b,c:d (directed; --both-ways adds each reverse). */
export function parsePairs(text: string, bothWays: boolean, known: ReadonlySet<string>): DirectedPair[] {
  const pairs = new Map<string, DirectedPair>();
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [source, destination, extra] = item.split(':');
    if (!source || !destination || extra !== undefined) throw new PlanError(`--pairs: "${item}" is not SOURCE:DESTINATION`);
    if (source === destination) throw new PlanError(`--pairs: "${item}" pairs a node with itself`);
    for (const node of [source, destination]) if (!known.has(node)) throw new PlanError(`--pairs: unknown node ${node}; nodes: ${[...known].join(', ')}`);
    pairs.set(`${source}>${destination}`, { source, destination });
    if (bothWays) pairs.set(`${destination}>${source}`, { source: destination, destination: source });
  }
  if (pairs.size === 0) throw new PlanError('--pairs names no pair');
  return [...pairs.values()];
}

export function sampleOnRing(nodes: readonly string[], k: number): DirectedPair[] {
  if (!Number.isInteger(k) || k < 1) throw new PlanError(`--sample must be a whole number >= 1, got ${k}`);
  return ringPairs(nodes, k);
}
