// What the lab API shows of its nodes for grouping: zones alternate, and `up --kernel`
// changes the reported kernel of the nodes it names and of no other.
import { labNodes, labPrefixOf, nodeAddressing, parseKernelVersions, withKernelVersions } from './net/topology.ts';

const addressing = nodeAddressing('', 4, true);

test('nodes alternate between zone-a and zone-b', () => {
  expect(labNodes(addressing, 0).map((n) => n.labels['topology.kubernetes.io/zone'])).toEqual(['zone-a', 'zone-b', 'zone-a', 'zone-b']);
});

test('--kernel NODE=VERSION: only the named nodes report another kernel', () => {
  const nodes = labNodes(addressing, 0);
  const shown = withKernelVersions(nodes, parseKernelVersions(['node3=6.12.0-canary'], addressing));
  expect(shown.map((n) => n.kernelVersion)).toEqual([nodes[0].kernelVersion, nodes[1].kernelVersion, '6.12.0-canary', nodes[3].kernelVersion]);
  expect(nodes[2].kernelVersion).not.toBe('6.12.0-canary');
});

test.each([
  ['node3', /"node3" is not NODE=VERSION/],
  ['node3=', /"node3=" is not NODE=VERSION/],
  ['node9=6.12', /unknown node "node9"; the lab's nodes are node1, node2, node3, node4/],
])('--kernel %s is refused', (spec, message) => {
  expect(() => parseKernelVersions([spec], addressing)).toThrow(message);
});

test('a node\'s namespace gives back the lab\'s prefix, also past node9', () => {
  expect(nodeAddressing('nplab-ab12', 12).map(labPrefixOf)).toEqual(Array(12).fill('nplab-ab12'));
});
