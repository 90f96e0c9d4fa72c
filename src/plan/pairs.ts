// Which directed pairs are probed: every ordered pair, the user's own list, or a
// sample on a hash ring (src/shared/ring.ts, which the agent computes too), rotated per window
// with --window so that every pair is probed in time.
import { ringOffsets, ringOrder, ringPairs, windowsToCoverAll, type DirectedPair } from '../shared/ring.ts';
import { PlanError } from './select-nodes.ts';

export type { DirectedPair } from '../shared/ring.ts';

/**
 * Who probes whom: listed pairs (a small cluster's full mesh, --pairs), or each node's k
 * successors on the run's ring (--sample; rotated per window with --window, src/shared/ring.ts),
 * which the agents compute themselves from the run's roster.
 */
export type PeerSelection =
  | { kind: 'pairs'; pairs: DirectedPair[] }
  | { kind: 'ring'; ring: string[]; peers: number; rotate: boolean };

/** The ring sample of these nodes: k successors each; `rotate`: a new k per window. */
export function ringSelection(nodes: readonly string[], k: number, rotate: boolean): PeerSelection {
  checkSample(k);
  const ring = ringOrder(nodes);
  const peers = Math.min(k, ring.length - 1);
  return { kind: 'ring', ring, peers, rotate: rotate && peers < ring.length - 1 };
}

/** The directed pairs probed in `windows` windows (without rotation every window probes the same). */
export function probedPairs(selection: PeerSelection, windows = 1): DirectedPair[] {
  if (selection.kind === 'pairs') return selection.pairs;
  const { ring, peers, rotate } = selection;
  const offsets = new Set(Array.from({ length: rotate ? Math.min(windows, windowsToCoverAll(ring.length, peers)) : 1 }, (_, w) => ringOffsets(ring.length, peers, w)).flat());
  return ring.flatMap((source, i) => [...offsets].map((offset) => ({ source, destination: ring[(i + offset) % ring.length] })));
}

/** How many distinct directed pairs `windows` windows probe, without listing them. */
export function probedPairCount(selection: PeerSelection, windows = 1): number {
  if (selection.kind === 'pairs') return new Set(selection.pairs.map((p) => `${p.source}>${p.destination}`)).size;
  const { ring, peers, rotate } = selection;
  return ring.length * Math.min(ring.length - 1, peers * (rotate ? windows : 1));
}

/** The nodes that probe (sources) and are probed (destinations). */
export function selectionNodes(selection: PeerSelection): { sources: string[]; destinations: string[] } {
  if (selection.kind === 'ring') return { sources: [...selection.ring].sort(), destinations: [...selection.ring].sort() };
  const { pairs } = selection;
  return { sources: [...new Set(pairs.map((p) => p.source))].sort(), destinations: [...new Set(pairs.map((p) => p.destination))].sort() };
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

export function sampleOnRing(nodes: readonly string[], k: number): DirectedPair[] {
  checkSample(k);
  return ringPairs(nodes, k);
}

function checkSample(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new PlanError(`--sample must be a whole number >= 1, got ${k}`);
}
