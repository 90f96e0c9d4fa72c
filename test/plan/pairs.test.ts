import { allPairs, parsePairs, sampleOnRing } from '../../src/plan/pairs.ts';
import { selectNodes } from '../../src/plan/select-nodes.ts';
import type { ClusterNode } from '../../src/plan/cluster-node.ts';
import { probePod, tolerationsFrom } from '../../src/deploy/manifests.ts';

const node = (name: string, ready = true, extra: Partial<ClusterNode> = {}): ClusterNode => ({
  name, internalIP: null, kernelVersion: null, containerRuntime: null, labels: { 'kubernetes.io/os': 'linux' }, ready, taints: [], unschedulable: false, ...extra,
});
const CONTROL_PLANE = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' as const };

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

describe('nodes the pods cannot land on', () => {
  const listed = [node('cp', true, { taints: [CONTROL_PLANE] }), node('a'), node('b'), node('gpu', true, { taints: [{ key: 'gpu', value: 'true', effect: 'NoExecute' }] })];

  test('a tainted node is skipped with a note on stderr and a report reason that name the taint and the flag', () => {
    const { nodes, skipped, notes } = selectNodes(listed, { tolerations: [] });
    expect(nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(skipped.map((s) => [s.node.name, s.reason])).toEqual([
      ['cp', 'not probed: taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated (pass --tolerations node-role.kubernetes.io/control-plane:NoSchedule or --tolerate-all)'],
      ['gpu', 'not probed: taint gpu=true:NoExecute not tolerated (pass --tolerations gpu=true:NoExecute or --tolerate-all)'],
    ]);
    expect(notes).toEqual(['skipping node(s) with taints this run does not tolerate: cp (node-role.kubernetes.io/control-plane:NoSchedule), gpu (gpu=true:NoExecute); '
      + '--tolerations node-role.kubernetes.io/control-plane:NoSchedule,gpu=true:NoExecute or --tolerate-all to include them']);
  });

  test('--tolerations and --tolerate-all take tainted nodes back in, by the scheduler\'s matching rules', () => {
    const names = (tolerations: Parameters<typeof tolerationsFrom>[0], all = false) => selectNodes(listed, { tolerations: tolerationsFrom(tolerations, all) }).nodes.map((n) => n.name);
    expect(names(['node-role.kubernetes.io/control-plane'])).toEqual(['a', 'b', 'cp']);
    expect(names(['node-role.kubernetes.io/control-plane:NoExecute'])).toEqual(['a', 'b']); // another effect
    expect(names(['gpu=false'])).toEqual(['a', 'b']); // another value
    expect(names(['gpu=true:NoExecute', 'node-role.kubernetes.io/control-plane:NoSchedule'])).toEqual(['a', 'b', 'cp', 'gpu']);
    expect(names([], true)).toEqual(['a', 'b', 'cp', 'gpu']);
  });

  test('PreferNoSchedule only steers: such a node is probed', () => {
    const soft = [node('a'), node('b', true, { taints: [{ key: 'busy', effect: 'PreferNoSchedule' }] })];
    expect(selectNodes(soft, { tolerations: [] }).nodes.map((n) => n.name)).toEqual(['a', 'b']);
  });

  test('a node that is not Linux is skipped with a note, named nodes too', () => {
    const mixed = [node('a'), node('b'), node('win', true, { labels: { 'kubernetes.io/os': 'windows' } }), node('bare', true, { labels: {} })];
    const { nodes, skipped, notes } = selectNodes(mixed, { names: ['a', 'b', 'win', 'bare'] });
    expect(nodes.map((n) => n.name)).toEqual(['a', 'b']);
    expect(skipped.map((s) => s.reason)).toEqual([
      'not probed: the node is not Linux (no kubernetes.io/os label); the probe pods need a Linux node',
      'not probed: the node is not Linux (kubernetes.io/os=windows); the probe pods need a Linux node',
    ]);
    expect(notes).toEqual(['skipping node(s) not running Linux (kubernetes.io/os): bare (no label), win (windows)']);
  });

  test('too few nodes left after skipping says which were skipped', () => {
    expect(() => selectNodes([node('cp', true, { taints: [CONTROL_PLANE] }), node('a')], { tolerations: [] }))
      .toThrow('a matrix needs at least 2 nodes, selected 1 (a); skipped cp (see above)');
  });

  test('the probe pods select Linux nodes', () => {
    const pod = probePod({ runId: 'r', namespace: 'n', image: 'node:22-alpine', tolerations: [], activeDeadlineSeconds: 60 },
      { apiVersion: 'v1', kind: 'ConfigMap', name: 'netprobe-r', uid: 'u' }, 'prober', 'pod', 'a', 0, {});
    expect(pod.spec?.nodeSelector).toEqual({ 'kubernetes.io/os': 'linux' });
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
