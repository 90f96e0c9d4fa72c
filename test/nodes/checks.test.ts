// Each check's verdict on crafted nodes: /proc and /sys text in the kernel's formats, read by
// the agent's inspectNode, API objects as a cluster serves them, judged by judgeNodes.
import type { V1Node, V1NodeSystemInfo, V1Pod } from '@kubernetes/client-node';
import { clusterFacts } from '../../src/nodes/cluster-facts.ts';
import { judgeNodes } from '../../src/nodes/judge.ts';
import type { CheckId, CheckResult, NodesReport } from '../../src/shared/nodes-report.ts';
import { inspectFixture, nodeIP, type NodeFixture } from '../support/node-fixture.ts';

const RELEASE = (await import('node:os')).release();
const NODES = [1, 2, 3];

function apiNode(i: number, kernelVersion = RELEASE): V1Node {
  return {
    metadata: { name: `node${i}` },
    spec: { podCIDR: `198.19.${i}.0/24`, podCIDRs: [`198.19.${i}.0/24`] },
    status: { addresses: [{ type: 'InternalIP', address: nodeIP(i) }], allocatable: { pods: '110' }, nodeInfo: { kernelVersion } as V1NodeSystemInfo },
  };
}

function pod(name: string, node: string, labels: Record<string, string>, state: { hostNetwork?: boolean; waiting?: string } = {}): V1Pod {
  return {
    metadata: { name, namespace: 'kube-system', labels },
    spec: { nodeName: node, hostNetwork: state.hostNetwork ?? false, containers: [] },
    status: {
      phase: state.waiting ? 'Pending' : 'Running',
      conditions: [{ type: 'Ready', status: state.waiting ? 'False' : 'True' }],
      ...(state.waiting && { containerStatuses: [{ name: 'c', image: 'i', imageID: '', ready: false, restartCount: 3, state: { waiting: { reason: state.waiting } } }] }),
    },
  };
}

const flannelPods = (nodes = NODES) => nodes.map((i) => pod(`kube-flannel-ds-node${i}`, `node${i}`, { app: 'flannel' }, { hostNetwork: true }));
const caliPods = (nodes = NODES) => nodes.map((i) => pod(`calico-node-node${i}`, `node${i}`, { 'k8s-app': 'calico-node' }, { hostNetwork: true }));

interface Cluster {
  fixtures?: Partial<Record<number, Partial<NodeFixture>>>;
  overlay?: 'vxlan' | 'routed';
  pods?: V1Pod[];
  apiNodes?: V1Node[];
}

function judge({ fixtures = {}, overlay = 'vxlan', pods, apiNodes }: Cluster = {}): NodesReport {
  const inspections = NODES.map((i) => inspectFixture({ index: i, peers: NODES.filter((j) => j !== i), overlay, ...fixtures[i] }));
  return judgeNodes({
    run: { id: 'run1', start: '', end: '', namespace: 'netprobe-run1', image: 'node:22-alpine' },
    cluster: clusterFacts(apiNodes ?? NODES.map((i) => apiNode(i)), pods ?? (overlay === 'vxlan' ? flannelPods() : caliPods())),
    nodes: NODES.map((i) => `node${i}`),
    inspections,
    noData: new Map(),
  });
}

function check(report: NodesReport, node: number, id: CheckId): CheckResult {
  const found = report.nodes.find((n) => n.name === `node${node}`)!.checks.find((c) => c.check === id);
  if (!found) throw new Error(`node${node} has no ${id} check`);
  return found;
}

/** "node2 mtu" for every check that is not a pass. */
function notPassing(report: NodesReport): string[] {
  return report.nodes.flatMap((n) => n.checks.filter((c) => c.verdict !== 'pass').map((c) => `${n.name} ${c.check} ${c.verdict}`));
}

describe('node checks', () => {
  test('a healthy Flannel VXLAN cluster passes every check (no BGP check without Calico)', () => {
    const report = judge();
    expect(notPassing(report)).toEqual([]);
    expect(report.nodes[0].checks.map((c) => c.check)).toEqual(['kernel', 'cni', 'neighbours', 'tw-recycle', 'conntrack', 'mtu', 'overlay']);
    expect(report.cni).toEqual([{ name: 'flannel', evidence: ['agent pods on 3 of 3 nodes'] }]);
    expect(check(report, 1, 'overlay').evidence).toContain('flannel.1 neighbour entries for 2 of 2 peers\' VTEPs');
    expect(report.summary).toEqual({ pass: 21, warn: 0, fail: 0, noData: 0 });
  });

  test('mtu: an underlay lowered on one node fails there (VXLAN needs 50 bytes), the others pass', () => {
    const report = judge({ fixtures: { 3: { eth0Mtu: 1400 } } });
    expect(notPassing(report)).toEqual(['node3 mtu fail']);
    expect(check(report, 3, 'mtu').summary).toBe('flannel.1 1450 + 50 (VXLAN) > eth0 1400');
    expect(check(report, 1, 'mtu').evidence.join('\n')).toMatch(/underlay differs on node3 \(1400\)/);
  });

  test('mtu: an overlay MTU that differs between nodes is a warning where it differs', () => {
    expect(notPassing(judge({ fixtures: { 2: { flannelMtu: 1400 } } }))).toEqual(['node2 mtu warn']);
  });

  test('overlay: no flannel.1 neighbour entries for the peers (flanneld not running) fails that node only', () => {
    const report = judge({ fixtures: { 2: { vtepNeighbours: [] } } });
    expect(notPassing(report)).toEqual(['node2 overlay fail']);
    expect(check(report, 2, 'overlay').summary).toBe('no valid flannel.1 neighbour entry for node1 (198.19.1.0), node3 (198.19.3.0)');
    expect(check(report, 2, 'overlay').unseen.join()).toMatch(/FDB.*not in \/proc/);
  });

  test('overlay: a route missing on one node is its failure; a node nobody routes to fails, and its peers point at it', () => {
    expect(notPassing(judge({ fixtures: { 1: { routedPeers: [3] } } }))).toEqual(['node1 overlay fail']);
    const report = judge({ fixtures: { 1: { routedPeers: [3] }, 3: { routedPeers: [1] } } });
    expect(notPassing(report)).toEqual(['node1 overlay warn', 'node2 overlay fail', 'node3 overlay warn']);
    expect(check(report, 1, 'overlay').summary).toBe('no route to node2 (no node has one: see there)');
  });

  test('bgp (Calico): BIRD stopped on one node fails its BGP and routes; the peers warn, pointing at it', () => {
    const report = judge({
      overlay: 'routed',
      fixtures: {
        1: { bgpPeers: [3], routedPeers: [3] },
        2: { bgpListening: false, bgpPeers: [], routedPeers: [] },
        3: { bgpPeers: [1], routedPeers: [1] },
      },
    });
    expect(notPassing(report)).toEqual(['node1 overlay warn', 'node1 bgp warn', 'node2 overlay fail', 'node2 bgp fail', 'node3 overlay warn', 'node3 bgp warn']);
    expect(check(report, 2, 'bgp').summary).toBe('nothing listens on TCP 179: BIRD is not running');
    expect(notPassing(judge({ overlay: 'routed' }))).toEqual([]);
  });

  test('neighbours: near gc_thresh2 warns, at gc_thresh3 or after a table overflow fails; unseen thresholds are said', () => {
    expect(check(judge({ fixtures: { 1: { arpCache: { entries: 450, tableFulls: 0 } } } }), 1, 'neighbours')).toMatchObject({ verdict: 'warn', summary: '450 entries near gc_thresh2 512' });
    expect(check(judge({ fixtures: { 1: { arpCache: { entries: 20, tableFulls: 3 } } } }), 1, 'neighbours')).toMatchObject({ verdict: 'fail', summary: 'table overflowed 3× (ENOBUFS)' });
    expect(check(judge({ fixtures: { 1: { gcThresh: [64, 128, 256], arpCache: { entries: 300, tableFulls: 0 } } } }), 1, 'neighbours').verdict).toBe('fail');
    const inNamespace = check(judge({ fixtures: { 1: { gcThresh: null, arpCache: null } } }), 1, 'neighbours');
    expect(inNamespace.verdict).toBe('pass');
    expect(inNamespace.summary).toMatch(/^\d+ entries in this namespace, table_fulls not readable; gc_thresh2 512, gc_thresh3 1024 \(kernel defaults\); pods \d+$/);
    expect(inNamespace.unseen.join('\n')).toMatch(/gc_thresh1\/2\/3 not readable here \(they exist only in the host's initial network namespace\)[\s\S]*arp_cache not readable here/);
    expect(inNamespace.evidence).toContain('table_fulls unknown (arp_cache not readable)');
    // Where both can be read: the table against both limits.
    const host = check(judge({ fixtures: { 1: { gcThresh: [128, 512, 1024], arpCache: { entries: 40, tableFulls: 0 } } } }), 1, 'neighbours');
    expect(host).toMatchObject({ verdict: 'pass', unseen: [] });
    expect(host.summary).toMatch(/^40 entries, table_fulls 0; gc_thresh2 512, gc_thresh3 1024; pods \d+$/);
    const crowded = [...flannelPods(), ...Array.from({ length: 420 }, (_, k) => pod(`p${k}`, 'node1', {}))];
    expect(check(judge({ pods: crowded }), 1, 'neighbours')).toMatchObject({ verdict: 'warn', summary: '420 pods near gc_thresh2 512' });
  });

  test('tw-recycle: present and 1 fails; 0 or absent (>= 4.12) passes', () => {
    expect(check(judge({ fixtures: { 1: { twRecycle: 1 } } }), 1, 'tw-recycle').verdict).toBe('fail');
    expect(check(judge({ fixtures: { 1: { twRecycle: 0 } } }), 1, 'tw-recycle').verdict).toBe('pass');
    expect(check(judge(), 1, 'tw-recycle').summary).toBe('absent (removed in 4.12)');
  });

  test('conntrack: 90% full fails, 75% or insert_failed/drop warn', () => {
    expect(check(judge({ fixtures: { 1: { conntrack: { count: 950, max: 1000, insertFailed: 0, drop: 0 } } } }), 1, 'conntrack').verdict).toBe('fail');
    expect(check(judge({ fixtures: { 1: { conntrack: { count: 800, max: 1000, insertFailed: 0, drop: 0 } } } }), 1, 'conntrack').verdict).toBe('warn');
    const races = check(judge({ fixtures: { 1: { conntrack: { count: 10, max: 1000, insertFailed: 7, drop: 2 } } } }), 1, 'conntrack');
    expect(races).toMatchObject({ verdict: 'warn', summary: 'insert_failed 7, drop 2 since boot' });
    expect(races.fix).toMatch(/A\/AAAA/);
  });

  test('kernel: API and uname disagree → warn; the SYN schedule is spelled out for linear and classic kernels', () => {
    const mismatch = judge({ apiNodes: [apiNode(1, '5.15.0-old'), apiNode(2), apiNode(3)] });
    expect(notPassing(mismatch)).toEqual(['node1 kernel warn']);
    expect(check(judge(), 1, 'kernel').evidence[1]).toMatch(/^tcp_syn_linear_timeouts=4: SYN retransmits at 1, 2, 3, 4, 5, 7 s/);
    expect(check(judge({ fixtures: { 1: { synLinearTimeouts: null } } }), 1, 'kernel').evidence[1]).toMatch(/exponential SYN schedule, retransmits at 1, 3, 7, 15, 31, 63 s/);
  });

  test('cni: the agent missing on a node or not ready fails there; no agent pod anywhere is a warning, not a failure', () => {
    expect(notPassing(judge({ pods: flannelPods([1, 3]) }))).toEqual(['node2 cni fail']);
    const crashing = [...flannelPods([1, 3]), pod('kube-flannel-ds-node2', 'node2', { app: 'flannel' }, { hostNetwork: true, waiting: 'CrashLoopBackOff' })];
    expect(check(judge({ pods: crashing }), 2, 'cni').summary).toBe('flanneld not ready: kube-system/kube-flannel-ds-node2 CrashLoopBackOff');
    const noPods = judge({ pods: [] });
    expect(notPassing(noPods)).toEqual(['node1 cni warn', 'node2 cni warn', 'node3 cni warn']);
    expect(noPods.cni).toEqual([{ name: 'flannel', evidence: ['interfaces flannel.1; no agent pod found'] }]);
    expect(check(noPods, 1, 'cni').unseen[0]).toMatch(/no flanneld pod anywhere/);
  });

  test('a check whose file could not be read is not judged (a warning naming the file), never a made-up failure', () => {
    const report = judge({ fixtures: { 2: { denied: ['/proc/net/route'] } } });
    expect(notPassing(report)).toEqual(['node2 mtu warn', 'node2 overlay warn']);
    expect(check(report, 2, 'overlay').summary).toBe('not judged: could not read /proc/net/route: EACCES');
  });
});
