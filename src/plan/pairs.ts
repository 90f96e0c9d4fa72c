// Which directed pairs are probed: every ordered pair, the user's own list, or a
// sample on a hash ring. On the ring each node probes its K successors, so each
// node is also probed by exactly K others (kubenurse's neighbour ring), which
// covers every node evenly where random picks leave some unprobed.
import { createHash } from 'node:crypto';
import { PlanError } from './select-nodes.ts';

export interface DirectedPair {
  source: string;
  destination: string;
}

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

function ringPosition(name: string): bigint {
  return BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`);
}

export function sampleOnRing(nodes: readonly string[], k: number): DirectedPair[] {
  if (!Number.isInteger(k) || k < 1) throw new PlanError(`--sample must be a whole number >= 1, got ${k}`);
  const ring = [...nodes].sort((a, b) => {
    const pa = ringPosition(a);
    const pb = ringPosition(b);
    return pa < pb ? -1 : pa > pb ? 1 : a.localeCompare(b);
  });
  const peers = Math.min(k, ring.length - 1);
  return ring.flatMap((source, i) => Array.from({ length: peers }, (_, j) => ({ source, destination: ring[(i + 1 + j) % ring.length] })));
}
