import { sampleOnRing } from '../../src/plan/pairs.ts';
import { ringOffsets, ringOrder, ringPairs, windowsToCoverAll } from '../../src/shared/ring.ts';

const names = (n: number) => Array.from({ length: n }, (_, i) => `node-${i}`);
const key = (p: { source: string; destination: string }) => `${p.source}>${p.destination}`;

describe('the ring sample', () => {
  test('window 0 is the plain ring sample the CLI plans (src/plan/pairs.ts)', () => {
    const nodes = names(40);
    expect(ringPairs(nodes, 5, 0)).toEqual(sampleOnRing(nodes, 5));
    expect(ringOrder([...nodes].reverse())).toEqual(ringOrder(nodes));
  });

  test.each([[300, 16], [41, 5], [10, 3], [7, 6], [5, 10]])('%i nodes, k = %i: k peers a window, probed by k, every pair within ceil((N-1)/k) windows', (n, k) => {
    const nodes = names(n);
    const windows = windowsToCoverAll(n, k);
    expect(windows).toBe(Math.ceil((n - 1) / Math.min(k, n - 1)));
    const seen = new Set<string>();
    for (let w = 0; w < windows; w++) {
      const pairs = ringPairs(nodes, k, w);
      const peers = Math.min(k, n - 1);
      expect(pairs).toHaveLength(n * peers);
      expect(pairs.some((p) => p.source === p.destination)).toBe(false);
      const bySource = new Map<string, number>();
      const byDestination = new Map<string, number>();
      for (const p of pairs) {
        bySource.set(p.source, (bySource.get(p.source) ?? 0) + 1);
        byDestination.set(p.destination, (byDestination.get(p.destination) ?? 0) + 1);
        seen.add(key(p));
      }
      expect(new Set(pairs.map(key)).size).toBe(pairs.length);
      expect([...bySource.values()].every((c) => c === peers) && bySource.size === n).toBe(true);
      expect([...byDestination.values()].every((c) => c === peers) && byDestination.size === n).toBe(true);
      // Not yet covered before the last window.
      if (w < windows - 1) expect(seen.size).toBeLessThan(n * (n - 1));
    }
    expect(seen.size).toBe(n * (n - 1));
  });

  test('offsets at the extremes: 0, 1 and 2 nodes, k past the ring, window numbers past 2^53 / k', () => {
    expect(ringOffsets(0, 3)).toEqual([]);
    expect(ringOffsets(1, 3)).toEqual([]);
    expect(ringOffsets(2, 3, 7)).toEqual([1]);
    expect(ringOffsets(5, 4, 3)).toEqual([1, 2, 3, 4]);
    // Exact reference in BigInt: (w·k + j) mod (n-1) + 1.
    const [n, k, w] = [5001, 16, 2 ** 52 + 3];
    const exact = Array.from({ length: k }, (_, j) => Number(((BigInt(w) * BigInt(k) + BigInt(j)) % BigInt(n - 1)) + 1n));
    expect(ringOffsets(n, k, w)).toEqual(exact);
    expect(() => ringOffsets(10, 0)).toThrow('k >= 1');
    expect(() => ringOffsets(10, 2, -1)).toThrow('window');
    expect(windowsToCoverAll(1, 3)).toBe(0);
    expect(windowsToCoverAll(5000, 16)).toBe(313);
  });
});
