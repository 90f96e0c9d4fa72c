// Each fault kind, measured with plain sockets from a pod on node1 to a pod on node2 (not
// through the plugin): present after `add`, gone after `clear`.
import { describeAsRoot, nsExec } from '../support/netns.ts';
import { KUBE_DNS_IP } from './addresses.ts';
import { addFault, clearFaults, listFaults, type FaultTarget } from './net/faults.ts';
import { nodeAddressing, type NodeAddressing } from './net/topology.ts';
import { DNSMASQ_IMAGE } from './runtime/images.ts';
import { LabFixture } from './support/lab-fixture.ts';

interface Tcp { ok: boolean; error?: string; ms: number; received: number }

describeAsRoot('lab faults', () => {
  let fx: LabFixture;
  let nodes: NodeAddressing[];
  let target: FaultTarget;
  let server: string;
  let client: string;

  beforeAll(async () => {
    fx = await LabFixture.create(2, 'vxlan');
    nodes = nodeAddressing(fx.lab.store.current.prefix, 2);
    target = { nodes, overlay: 'vxlan', dir: fx.dir };
    server = (await fx.echoServer(fx.node(2), 'echo')).podIP;
    const dns = await fx.pod(fx.node(2), 'kube-dns', DNSMASQ_IMAGE, []);
    await fx.lab.network.applyService({ namespace: 'kube-system', name: 'kube-dns', clusterIP: KUBE_DNS_IP, endpoints: [dns.podIP], ports: [{ protocol: 'UDP', port: 53, targetPort: 53 }] });
    client = (await fx.pod(fx.node(1), 'client', 'busybox', ['sh', '-c', 'echo up; exec sleep 600'])).netns;
  });
  afterEach(() => clearFaults(target));
  afterAll(async () => { await fx?.dispose(); });

  const tcp = (bytes: number, timeoutMs = 1500, netns = client): Promise<Tcp> => fx.probe<Tcp>(netns, 'tcp', server, 7000, bytes, timeoutMs);
  const udp = (count: number, timeoutMs = 300): Promise<number> => fx.probe<{ received: number }>(client, 'udp', server, 7001, count, timeoutMs).then((r) => r.received);
  const dns = (): Promise<{ ok: boolean; code?: string }> => fx.probe(client, 'dns', KUBE_DNS_IP, 'kube-dns.kube-system.svc.cluster.local', 800);

  test('syn-drop: connects from node1 (pods and host) to node2 hang while UDP passes; after clear they connect', async () => {
    addFault(target, { kind: 'syn-drop', from: 'node1', to: 'node2', percent: 100 });
    expect(listFaults(target)).toEqual([{ kind: 'syn-drop', from: 'node1', to: 'node2', percent: 100 }]);
    expect(await tcp(0, 700)).toMatchObject({ ok: false, error: 'timeout' });
    expect(await tcp(0, 700, nodes[0].netns)).toMatchObject({ ok: false, error: 'timeout' });
    expect(await udp(3)).toBe(3);
    await clearFaults(target);
    expect(listFaults(target)).toEqual([]);
    expect(await tcp(1000)).toMatchObject({ ok: true });
  });

  test('udp-loss: the given share of datagrams is lost, TCP (over the same VXLAN) is not', async () => {
    addFault(target, { kind: 'udp-loss', from: 'node1', to: 'node2', percent: 50 });
    const received = await udp(100, 40);
    expect(received).toBeGreaterThan(20);
    expect(received).toBeLessThan(80);
    expect(await tcp(20000)).toMatchObject({ ok: true });
    await clearFaults(target);
    expect(await udp(20)).toBe(20);
  });

  test('dns-drop: queries from node1 go unanswered, other traffic passes', async () => {
    expect(await dns()).toMatchObject({ ok: true });
    addFault(target, { kind: 'dns-drop', from: 'node1', percent: 100 });
    expect(await dns()).toEqual({ ok: false, code: 'ETIMEOUT' });
    expect(await udp(3)).toBe(3);
    await clearFaults(target);
    expect(await dns()).toMatchObject({ ok: true });
  });

  test('dns-slow: node2\'s DNS pod answers a burst, then no more than the rate; after clear all', async () => {
    addFault(target, { kind: 'dns-slow', from: 'node2', qps: 1 });
    expect(listFaults(target)).toEqual([{ kind: 'dns-slow', from: 'node2', qps: 1 }]);
    const answers: boolean[] = [];
    for (let i = 0; i < 10; i++) answers.push((await dns()).ok);
    // The burst (5 queries at this rate) passes, then about one a second.
    expect(answers.slice(0, 5)).toEqual([true, true, true, true, true]);
    expect(answers.filter((ok) => !ok).length).toBeGreaterThan(0);
    expect(await udp(3)).toBe(3);
    await clearFaults(target);
    for (let i = 0; i < 10; i++) expect(await dns()).toMatchObject({ ok: true });
  });

  test('blackhole: nothing from node1 (pods or host) reaches node2', async () => {
    addFault(target, { kind: 'blackhole', from: 'node1', to: 'node2' });
    expect(await tcp(0, 700)).toMatchObject({ ok: false, error: 'timeout' });
    expect(await tcp(0, 700, nodes[0].netns)).toMatchObject({ ok: false, error: 'timeout' });
    expect(await udp(3, 100)).toBe(0);
    await clearFaults(target);
    expect(await tcp(100)).toMatchObject({ ok: true });
  });

  test('blackhole --percent: a lossy path, about that share of UDP and of TCP connects lost, once (not again in the VXLAN packets)', async () => {
    addFault(target, { kind: 'blackhole', from: 'node1', to: 'node2', percent: 30 });
    expect(listFaults(target)).toEqual([{ kind: 'blackhole', from: 'node1', to: 'node2', percent: 30 }]);
    // 200 datagrams at 30 %: 140 expected through; twice the share (VXLAN dropped too) would leave ~98.
    const received = await udp(200, 40);
    expect(received).toBeGreaterThan(115);
    expect(received).toBeLessThan(165);
    let connected = 0;
    for (let i = 0; i < 20; i++) if ((await tcp(0, 400)).ok) connected++;
    // A connect fails when its SYN (30 %) or the answer's ACK… is lost before the 400 ms: some, not all.
    expect(connected).toBeGreaterThan(5);
    expect(connected).toBeLessThan(20);
    await clearFaults(target);
    expect(await udp(20)).toBe(20);
  });

  test('mtu: node1 reports MTU 1400; large packets to it vanish while handshakes, small packets and DNS pass', async () => {
    addFault(target, { kind: 'mtu', from: 'node1' });
    expect(nsExec(nodes[0].netns, 'cat', ['/sys/class/net/eth0/mtu']).trim()).toBe('1400');
    expect(await tcp(500)).toMatchObject({ ok: true });
    expect(await dns()).toMatchObject({ ok: true });
    const large = await tcp(64 * 1024, 2000);
    expect(large.ok).toBe(false);
    expect(large.received).toBeLessThan(64 * 1024);
    await clearFaults(target);
    expect(nsExec(nodes[0].netns, 'cat', ['/sys/class/net/eth0/mtu']).trim()).toBe('1500');
    expect(await tcp(64 * 1024)).toMatchObject({ ok: true });
  });

  test('slow: traffic from node1 to node2 is held to the rate (queued, not lost)', async () => {
    const bytes = 200 * 1024;
    const before = await tcp(bytes, 5000);
    expect(before.ok).toBe(true);
    addFault(target, { kind: 'slow', from: 'node1', to: 'node2', rateKbit: 1000 });
    const slow = await tcp(bytes, 10_000);
    // 200 KiB at 1 Mbit/s is ~1.6 s on the wire (plus VXLAN overhead).
    expect(slow).toMatchObject({ ok: true, received: bytes });
    expect(slow.ms).toBeGreaterThan(1300);
    expect(slow.ms).toBeGreaterThan(5 * before.ms);
    await clearFaults(target);
    expect((await tcp(bytes, 5000)).ms).toBeLessThan(1000);
  });

  test('bad faults are refused with a clear message and change nothing', () => {
    expect(() => addFault(target, { kind: 'blackhole', from: 'node1', to: 'node7' })).toThrow('unknown node "node7"; the lab\'s nodes are node1, node2');
    expect(() => addFault(target, { kind: 'syn-drop', from: 'node1' })).toThrow('fault syn-drop needs --to NODE');
    expect(() => addFault(target, { kind: 'dns-slow', from: 'node1' })).toThrow('dns-slow needs --qps');
    expect(() => addFault(target, { kind: 'udp-loss', from: 'node1', to: 'node2', percent: 150 })).toThrow('--percent must be an integer from 1 to 100');
    expect(() => addFault(target, { kind: 'bird-stop', from: 'node1' })).toThrow('bird-stop needs a lab with --overlay routed (BGP); this one is vxlan');
    expect(listFaults(target)).toEqual([]);
  });
});

describeAsRoot('lab faults (routed, BGP)', () => {
  let fx: LabFixture;
  let target: FaultTarget;

  beforeAll(async () => {
    fx = await LabFixture.create(3, 'routed');
    target = { nodes: nodeAddressing(fx.lab.store.current.prefix, 3), overlay: 'routed', dir: fx.dir };
  });
  afterAll(async () => { await fx?.dispose(); });

  test('bird-stop: the BGP routes of node2 are withdrawn, so its pods become unreachable; clear restarts BIRD and they return', async () => {
    const server = await fx.echoServer(fx.node(2), 'echo');
    const client = await fx.pod(fx.node(1), 'client', 'busybox', ['sh', '-c', 'echo up; exec sleep 600']);
    expect(await fx.probe(client.netns, 'tcp', server.podIP, 7000, 100, 1500)).toMatchObject({ ok: true });
    addFault(target, { kind: 'bird-stop', from: 'node2' });
    expect(listFaults(target)).toEqual([{ kind: 'bird-stop', from: 'node2' }]);
    const deadline = Date.now() + 5000;
    while (nsExec(fx.node(1).netns, 'ip', ['route', 'show', '198.19.2.0/24']) !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // No route on node1 any more: the kernel answers at once (ICMP unreachable), no timeout.
    expect(await fx.probe(client.netns, 'tcp', server.podIP, 7000, 100, 1500)).toMatchObject({ ok: false, error: expect.stringMatching(/^E(HOST|NET)UNREACH$/) });
    await clearFaults(target);
    expect(listFaults(target)).toEqual([]);
    expect(await fx.probe(client.netns, 'tcp', server.podIP, 7000, 100, 1500)).toMatchObject({ ok: true });
  });
});
