// What the CLI plans on the ring (src/shared/ring.ts, tested in test/shared/ring.test.ts): the
// pairs a rotating sample has probed after w windows, the coverage a report states, and the
// roster's size at 5,000 nodes.
import { planCoverage } from '../../src/plan/coverage.ts';
import { probedPairCount, probedPairs, ringSelection, sampleOnRing } from '../../src/plan/pairs.ts';
import { ringOrder } from '../../src/shared/ring.ts';
import { ROSTER_KIND, ROSTER_VERSION, type Roster } from '../../src/shared/roster.ts';

const names = (n: number, prefix = 'node') => Array.from({ length: n }, (_, i) => `${prefix}${i + 1}`);
const key = (p: { source: string; destination: string }) => `${p.source}>${p.destination}`;

describe('the pairs a rotating ring sample probes, as the CLI counts them', () => {
  test.each([[10, 3], [37, 5], [300, 16], [17, 16], [5, 1]])('%i nodes, k=%i: window by window the rule (w·k + j) mod (N-1) + 1; all pairs after ceil((N-1)/k) windows', (n, k) => {
    const selection = ringSelection(names(n), k, true);
    const windows = Math.ceil((n - 1) / Math.min(k, n - 1));
    const seen = new Set<string>();
    for (let w = 1; w <= windows; w++) {
      windowPairs(selection, w - 1).forEach((p) => seen.add(key(p)));
      expect(new Set(probedPairs(selection, w).map(key))).toEqual(seen);
      expect(probedPairCount(selection, w)).toBe(seen.size);
    }
    expect(seen.size).toBe(n * (n - 1));
    // Windows past full coverage add nothing.
    expect(probedPairCount(selection, windows + 3)).toBe(n * (n - 1));
  });

  test('without rotation every window probes the classic ring sample; k covering every other node is a full mesh, nothing to rotate', () => {
    const selection = ringSelection(names(40), 5, false);
    expect(probedPairs(selection, 7)).toEqual(sampleOnRing(names(40), 5));
    expect(probedPairCount(selection, 7)).toBe(200);
    expect(ringSelection(names(6), 5, true)).toMatchObject({ rotate: false, peers: 5 });
    expect(ringSelection(names(6), 9, true)).toMatchObject({ rotate: false, peers: 5 });
    expect(() => ringSelection(names(6), 0, true)).toThrow('--sample must be a whole number >= 1, got 0');
  });
});

describe('coverage', () => {
  test('a full mesh is covered at once; a ring sample never without rotation; with rotation after ceil((N-1)/k) windows', () => {
    const all = names(6).flatMap((s) => names(6).filter((d) => d !== s).map((d) => ({ source: s, destination: d })));
    expect(planCoverage({ kind: 'pairs', pairs: all }, 6, 30_000)).toEqual({ probedPairs: 30, possiblePairs: 30, fullMeshAfterMs: 0 });
    expect(planCoverage({ kind: 'pairs', pairs: all.slice(0, 2) }, 6, 30_000)).toEqual({ probedPairs: 2, possiblePairs: 30, fullMeshAfterMs: null });
    expect(planCoverage(ringSelection(names(300), 16, false), 300, 30_000)).toEqual({ probedPairs: 300 * 16, possiblePairs: 300 * 299, fullMeshAfterMs: null });
    // 299 others, 16 a window: 19 windows; a 30 s run of 10 s windows probes 3 × 16 of them.
    expect(planCoverage(ringSelection(names(300), 16, true), 300, 30_000, 10_000)).toEqual({
      probedPairs: 300 * 48, possiblePairs: 300 * 299, fullMeshAfterMs: 190_000, windows: 19, windowMs: 10_000,
    });
    expect(planCoverage(ringSelection(names(300), 16, true), 300, 190_000, 10_000)).toEqual({ probedPairs: 300 * 299, possiblePairs: 300 * 299, fullMeshAfterMs: 0 });
  });
});

describe('the roster at 5,000 nodes', () => {
  test('fits a ConfigMap (1 MiB) for the pod network and its Services, and with host addresses too', () => {
    const nodes = ringOrder(names(5000));
    const ip = (i: number, base: string) => `${base}.${(i >> 8) & 255}.${i & 255}`;
    const roster = (addresses: Roster['addresses']): Roster => ({ kind: ROSTER_KIND, rosterVersion: ROSTER_VERSION, runToken: 'abc123', tcpPort: 7400, udpPort: 7401, nodes, addresses });
    const bytes = (r: Roster) => Buffer.byteLength(JSON.stringify(r));
    // The default run: ~140 kB.
    expect(bytes(roster({ pod: nodes.map((_, i) => [ip(i, '198.19')]) }))).toBeLessThan(150_000);
    // Every path and both families, with cloud-length node names: ~660 kB.
    const long = ringOrder(names(5000, 'ip-10-20-30-40.eu-west-1.compute.internal-'));
    const everything = {
      ...roster({
        pod: nodes.map((_, i) => [ip(i, '198.19'), `2001:db8:${i.toString(16)}::2`]),
        host: nodes.map((_, i) => [ip(i, '10.100'), `fd00:10:100::${i.toString(16)}`]),
        service: nodes.map((_, i) => [ip(i, '10.96')]),
      }),
      nodes: long,
    };
    expect(bytes(everything)).toBeLessThan(2 ** 20);
  });
});

/** PHASE-B §4's rule, written out: in window w node i probes its successors (w·k + j) mod (N-1) + 1, j < k. */
function windowPairs(selection: ReturnType<typeof ringSelection>, w: number) {
  if (selection.kind !== 'ring') return [];
  const { ring, peers: k } = selection;
  const n = ring.length;
  return ring.flatMap((source, i) => Array.from({ length: k }, (_, j) => ({ source, destination: ring[(i + ((w * k + j) % (n - 1)) + 1) % n] })));
}
