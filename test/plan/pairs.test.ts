import { allPairs, parsePairs, sampleOnRing } from '../../src/plan/pairs.ts';
import { selectNodes } from '../../src/plan/select-nodes.ts';
import type { ClusterNode } from '../../src/plan/cluster-node.ts';

const node = (name: string, ready = true): ClusterNode => ({ name, internalIP: null, kernelVersion: null, labels: {}, ready, taints: [], unschedulable: false });

describe('node selection', () => {
  const listed = [node('b'), node('a'), node('c', false), node('d')];

  test('defaults to the Ready nodes, sorted, and says which it skipped', () => {
    const { nodes, notes } = selectNodes(listed, {});
    expect(nodes.map((n) => n.name)).toEqual(['a', 'b', 'd']);
    expect(notes).toEqual(['skipping node(s) not Ready: c']);
  });

  test('--nodes names them; an unknown name fails and lists the real ones', () => {
    expect(selectNodes(listed, { names: ['d', 'a'] }).nodes.map((n) => n.name)).toEqual(['a', 'd']);
    expect(() => selectNodes(listed, { names: ['a', 'x'] })).toThrow('unknown node x; nodes: b, a, c, d');
  });

  test('a selector matching nothing, or fewer than two nodes, is a clear error', () => {
    expect(() => selectNodes([], {}, 'zone=mars')).toThrow('no node matches -l zone=mars');
    expect(() => selectNodes([node('a')], {})).toThrow('a matrix needs at least 2 nodes, selected 1 (a)');
  });

  test('--max-nodes keeps the first N and says so', () => {
    const { nodes, notes } = selectNodes(listed, { maxNodes: 2 });
    expect(nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(notes).toContain('probing 2 of 3 nodes (--max-nodes)');
  });
});

describe('pairs', () => {
  test('all directed pairs, none from a node to itself', () => {
    expect(allPairs(['a', 'b', 'c'])).toHaveLength(6);
    expect(allPairs(['a', 'b', 'c']).some((p) => p.source === p.destination)).toBe(false);
  });

  test('--pairs with --both-ways adds each reverse once', () => {
    const pairs = parsePairs('a:b, b:a,c:a', true, new Set(['a', 'b', 'c']));
    expect(pairs.map((p) => `${p.source}>${p.destination}`).sort()).toEqual(['a>b', 'a>c', 'b>a', 'c>a']);
    expect(() => parsePairs('a-b', false, new Set(['a', 'b']))).toThrow('"a-b" is not SOURCE:DESTINATION');
    expect(() => parsePairs('a:z', false, new Set(['a', 'b']))).toThrow('unknown node z');
  });

  test('ring sampling: every node probes K peers and is probed by exactly K others', () => {
    const nodes = Array.from({ length: 40 }, (_, i) => `node-${i}`);
    const pairs = sampleOnRing(nodes, 5);
    expect(pairs).toHaveLength(40 * 5);
    for (const n of nodes) {
      expect(pairs.filter((p) => p.source === n)).toHaveLength(5);
      expect(pairs.filter((p) => p.destination === n)).toHaveLength(5);
    }
    expect(new Set(pairs.map((p) => `${p.source}>${p.destination}`)).size).toBe(pairs.length);
    // Stable: the same cluster gets the same sample on every run.
    expect(sampleOnRing([...nodes].reverse(), 5)).toEqual(pairs);
    // K larger than the cluster degrades to all pairs.
    expect(sampleOnRing(['a', 'b', 'c'], 10)).toHaveLength(6);
  });
});
