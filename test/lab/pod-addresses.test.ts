import type { LabNode } from '../../test/lab/contracts.ts';
import { PodAddresses } from '../../test/lab/net/pod-addresses.ts';

const node = { name: 'node1', podCIDR: '198.19.1.0/24' } as LabNode;

test('pod addresses go round-robin like host-local: a freed address is not reused at once', () => {
  const ipam = new PodAddresses();
  const a = ipam.lease(node);
  const b = ipam.lease(node);
  expect([a, b]).toEqual(['198.19.1.2', '198.19.1.3']);
  ipam.release(node, a);
  expect(ipam.lease(node)).toBe('198.19.1.4');
  // Past the end it wraps to the freed addresses.
  for (let host = 5; host <= 254; host++) ipam.lease(node);
  expect(ipam.lease(node)).toBe('198.19.1.2');
  expect(() => ipam.lease(node)).toThrow('no free pod address');
});
