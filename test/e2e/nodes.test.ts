// `kubectl netprobe nodes` on the lab: a healthy VXLAN lab passes every check (exit 0); a node
// whose underlay MTU was lowered fails its MTU check, a node whose flannel.1 FDB and neighbour
// entries were removed ("flanneld not running") fails its overlay check, and on a routed lab a
// node whose BIRD was stopped fails its BGP check (exit 2); every other node's checks pass.
import type { NodesReport } from '../../src/shared/nodes-report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NODES = 3;

/** "node2 mtu fail" for every check that did not pass. */
function notPassing(report: NodesReport): string[] {
  return report.nodes.flatMap((n) => n.checks.filter((c) => c.verdict !== 'pass').map((c) => `${n.name} ${c.check} ${c.verdict}`));
}

async function inspect(lab: LabSession, ...args: string[]): Promise<{ code: number; report: NodesReport; stderr: string }> {
  const run = await lab.netprobe('nodes', '-o', 'json', '--timeout', '30s', ...args);
  expect(run.stderr).not.toMatch(/^error:/m);
  return { code: run.code, report: JSON.parse(run.stdout) as NodesReport, stderr: run.stderr };
}

describeAsRoot('kubectl netprobe nodes on a VXLAN (Flannel) lab', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES)), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  test('a healthy lab passes every check, exits 0 and leaves nothing behind', async () => {
    const { code, report } = await inspect(lab);
    expect(notPassing(report)).toEqual([]);
    expect(code).toBe(0);
    expect(report.nodes.map((n) => [n.name, n.status, n.checks.length])).toEqual([['node1', 'ok', 7], ['node2', 'ok', 7], ['node3', 'ok', 7]]);
    expect(report.cni).toEqual([{ name: 'flannel', evidence: [`agent pods on ${NODES} of ${NODES} nodes`] }]);
    const namespaces = await lab.kubectl('get', 'namespaces', '-o', 'name');
    expect(namespaces.stdout).not.toContain('netprobe-');
  }, 60_000);

  test('mtu: the node whose underlay MTU was lowered fails its MTU check, nothing else', async () => {
    await lab.fault('--kind', 'mtu', '--from', 'node2');
    const { code, report } = await inspect(lab);
    expect(notPassing(report)).toEqual(['node2 mtu fail']);
    expect(report.nodes[1].checks.find((c) => c.check === 'mtu')!.summary).toBe('flannel.1 1450 + 50 (VXLAN) > eth0 1400');
    expect(code).toBe(2);
  }, 60_000);

  test('fdb-flush: the node without flannel.1 peer entries (flanneld not running) fails its overlay check, nothing else', async () => {
    await lab.fault('--kind', 'fdb-flush', '--from', 'node3');
    const { code, report } = await inspect(lab);
    expect(notPassing(report)).toEqual(['node3 overlay fail']);
    expect(report.nodes[2].checks.find((c) => c.check === 'overlay')!.summary).toBe('no valid flannel.1 neighbour entry for node1 (198.19.1.0), node2 (198.19.2.0)');
    expect(code).toBe(2);
  }, 60_000);

  test('the table names the failing check with its fix; -n with a namespace that is not privileged says how to label it', async () => {
    await lab.fault('--kind', 'mtu', '--from', 'node1');
    const table = await lab.netprobe('nodes', '--timeout', '30s');
    expect(table.code).toBe(2);
    expect(table.stdout).toMatch(/^node1 PASS +PASS +PASS\* +PASS +PASS +FAIL +PASS\*$/m);
    expect(table.stdout).toMatch(/FAIL node1 mtu: flannel\.1 1450 \+ 50 \(VXLAN\) > eth0 1400\n[\s\S]*fix: /);

    expect((await lab.kubectl('create', 'namespace', 'np-restricted')).code).toBe(0);
    try {
      await lab.kubectl('label', 'namespace', 'np-restricted', 'pod-security.kubernetes.io/enforce=restricted');
      const refused = await lab.netprobe('nodes', '-n', 'np-restricted');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('kubectl label ns np-restricted pod-security.kubernetes.io/enforce=privileged');
    } finally {
      await lab.kubectl('delete', 'namespace', 'np-restricted', '--wait=false');
    }
  }, 60_000);
});

describeAsRoot('kubectl netprobe nodes on a routed (Calico, BGP) lab', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES), '--overlay', 'routed'), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'), 30_000);

  test('bird-stop: that node fails BGP (and its routes); its peers only warn, pointing at it', async () => {
    const healthy = await inspect(lab);
    expect(notPassing(healthy.report)).toEqual([]);
    expect(healthy.code).toBe(0);

    await lab.fault('--kind', 'bird-stop', '--from', 'node2');
    const { code, report } = await inspect(lab);
    expect(notPassing(report)).toEqual(['node1 overlay warn', 'node1 bgp warn', 'node2 overlay fail', 'node2 bgp fail', 'node3 overlay warn', 'node3 bgp warn']);
    expect(report.nodes[1].checks.find((c) => c.check === 'bgp')!.summary).toBe('nothing listens on TCP 179: BIRD is not running');
    expect(code).toBe(2);
  }, 60_000);
});
