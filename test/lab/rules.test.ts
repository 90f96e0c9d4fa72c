// The lab's pure rules, without root: image → argv mapping, Service nft transactions, fault validation,
// the install hint for missing tools.
import type { ContainerSpec } from './contracts.ts';
import { validateFault } from './net/faults.ts';
import { overflowThresholds } from './net/neigh-overflow.ts';
import { serviceTransaction } from './net/services.ts';
import { nodeAddressing } from './net/topology.ts';
import { missingToolsMessage } from './prerequisites.ts';
import { DNSMASQ_IMAGE, containerArgv, imageRepository } from './runtime/images.ts';

const container = (image: string, command?: string[], args?: string[]): ContainerSpec => ({ name: 'c', image, command, args, env: {}, mounts: [] });

test('images map to local runtimes with Docker command/args semantics', () => {
  expect(imageRepository('docker.io/library/node:22-alpine@sha256:abc')).toBe('node');
  expect(imageRepository('netprobe-lab/dnsmasq:1')).toBe(DNSMASQ_IMAGE);
  expect(containerArgv(container('node:18-alpine', undefined, ['/agent/main.js', '--x']), [])).toEqual(['node', '/agent/main.js', '--x']);
  expect(containerArgv(container('node:22', undefined, ['sh', '-c', 'true']), [])).toEqual(['sh', '-c', 'true']);
  expect(containerArgv(container('node:22', ['node'], ['-e', '1']), [])).toEqual(['node', '-e', '1']);
  expect(containerArgv(container('busybox:1.36'), [])).toEqual(['sh']);
  expect(containerArgv(container(DNSMASQ_IMAGE), ['--no-resolv'])).toEqual(['dnsmasq', '--no-resolv']);
  expect(() => containerArgv(container('nginx', ['nginx']), [])).toThrow('image "nginx" has no local runtime in the lab');
});

test('a Service update is one transaction: old map entries out, per-port chains refilled, dropped ports removed', () => {
  const svc = { namespace: 'ns', name: 'web', clusterIP: '198.18.64.20', endpoints: ['198.19.1.2', '198.19.2.2'], ports: [{ protocol: 'TCP' as const, port: 80, targetPort: 8080 }, { protocol: 'UDP' as const, port: 53, targetPort: 5353 }] };
  expect(serviceTransaction(undefined, svc)).toContain('add rule ip nplab_services svc-ns/web/tcp/80 meta l4proto tcp dnat to numgen random mod 2 map { 0 : 198.19.1.2, 1 : 198.19.2.2 } : 8080');
  const shrunk = serviceTransaction(svc, { ...svc, endpoints: [], ports: [svc.ports[0]] });
  expect(shrunk).toContain('delete element ip nplab_services service_ips { 198.18.64.20 . udp . 53 }');
  expect(shrunk).toContain('delete chain ip nplab_services svc-ns/web/udp/53');
  expect(shrunk).not.toContain('add element');
});

test('faults are validated against the lab nodes and get their defaults', () => {
  const nodes = { nodes: nodeAddressing('nplab-test', 3), overlay: 'vxlan' as const, dir: '/nonexistent' };
  expect(validateFault(nodes, { kind: 'mtu', from: 'node2' })).toEqual({ kind: 'mtu', from: 'node2', mtu: 1400 });
  expect(validateFault(nodes, { kind: 'dns-drop', from: 'node2' })).toEqual({ kind: 'dns-drop', from: 'node2', percent: 100 });
  expect(validateFault(nodes, { kind: 'slow', from: 'node1', to: 'node3' })).toEqual({ kind: 'slow', from: 'node1', to: 'node3', rateKbit: 1000 });
  expect(() => validateFault(nodes, { kind: 'syn-drop', from: 'node1', to: 'node1' })).toThrow('--from and --to must be different nodes');
  expect(() => validateFault(nodes, { kind: 'mtu', from: 'node1', mtu: 1500 })).toThrow('--mtu must be from 576 to 1499');
  expect(() => validateFault(nodes, { kind: 'udp-loss', to: 'node2' })).toThrow('fault udp-loss needs --from NODE');
  expect(validateFault(nodes, { kind: 'neigh-overflow' })).toEqual({ kind: 'neigh-overflow' });
  expect(() => validateFault(nodes, { kind: 'neigh-overflow', from: 'node1' })).toThrow('neigh-overflow takes no --from or --to: the kernel has one neighbour table');
});

test('neigh-overflow leaves the lab half the entries a matrix --network both needs, plus what others use, at the kernel defaults\' ratios', () => {
  // 4 nodes: 12 underlay peers + 20 for pods + 4 for DNS = 36 needed; gc_thresh3 18.
  expect(overflowThresholds(4, 0)).toEqual([2, 9, 18]);
  expect(overflowThresholds(4, 53)).toEqual([9, 36, 71]);
  expect(overflowThresholds(10, 0)).toEqual([9, 36, 72]);
});

test('missing tools are named with the apt-get line that installs them', () => {
  expect(missingToolsMessage(['nft', 'dnsmasq', 'tc', 'ip', 'bird'])).toBe('the lab needs nft, dnsmasq, tc, ip, bird, which this machine lacks; install them with:\n  apt-get install nftables dnsmasq-base iproute2 bird2');
});
