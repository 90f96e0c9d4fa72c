// The hash ring both the CLI (src/plan) and the agent (a plan's roster rule) sample pairs on,
// so that they agree on every pair without the plan listing them. Nodes sit on the ring by a
// hash of their name; each probes its k successors, so each is also probed by exactly k others
// (kubenurse's neighbour ring), which covers every node evenly where random picks leave some
// unprobed. With a rotation, window w shifts every node's successors by w·k places: every
// directed pair is probed within ceil((N-1)/k) windows, at the same per-agent cost.
import { createHash } from 'node:crypto';

export interface DirectedPair {
  source: string;
  destination: string;
}

function ringPosition(name: string): bigint {
  return BigInt(`0x${createHash('sha256').update(name).digest('hex').slice(0, 16)}`);
}

/** The nodes in ring order: by the first 64 bits of SHA-256 of the name, ties by name. */
export function ringOrder(nodes: readonly string[]): string[] {
  const positions = new Map(nodes.map((name) => [name, ringPosition(name)]));
  return [...positions.keys()].sort((a, b) => {
    const pa = positions.get(a)!;
    const pb = positions.get(b)!;
    return pa < pb ? -1 : pa > pb ? 1 : a < b ? -1 : a > b ? 1 : 0;
  });
}

/**
 * How far along the ring (1..n-1) a node's peers sit in window `window`: successors
 * (w·k + j) mod (n-1) + 1 for j < k. Without rotation (window 0) these are 1..k; k >= n-1 is
 * every other node (a full mesh) in every window.
 */
export function ringOffsets(n: number, k: number, window = 0): number[] {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`a ring sample needs k >= 1 peers, got ${k}`);
  if (!Number.isInteger(window) || window < 0) throw new RangeError(`window must be a whole number >= 0, got ${window}`);
  if (n < 2) return [];
  const peers = Math.min(k, n - 1);
  // (w·k) mod (n-1), without w·k itself: exact for any window number.
  const start = ((window % (n - 1)) * peers) % (n - 1);
  return Array.from({ length: peers }, (_, j) => ((start + j) % (n - 1)) + 1);
}

/** Every directed pair of the ring sample in window `window` (all windows alike without rotation). */
export function ringPairs(nodes: readonly string[], k: number, window = 0): DirectedPair[] {
  const ring = ringOrder(nodes);
  const offsets = ringOffsets(ring.length, k, window);
  return ring.flatMap((source, i) => offsets.map((offset) => ({ source, destination: ring[(i + offset) % ring.length] })));
}

/** Windows after which a rotating ring sample of k peers has probed every directed pair of n nodes. */
export function windowsToCoverAll(n: number, k: number): number {
  return n < 2 ? 0 : Math.ceil((n - 1) / Math.min(k, n - 1));
}
