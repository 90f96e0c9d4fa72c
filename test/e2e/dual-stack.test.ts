// A dual-stack cluster (the lab's --ipv6): each node pair is probed over IPv4 and over IPv6,
// on the pod and the host network, and a fault on one family is flagged on that family only.
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NODES = ['node1', 'node2', 'node3'];

describeAsRoot('kubectl netprobe matrix on a dual-stack lab', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES.length), '--ipv6'), 60_000);
  afterAll(() => lab.down(), 60_000);

  test('both families are measured on both networks; an IPv6 blackhole is flagged on IPv6 alone', async () => {
    await lab.fault('--kind', 'blackhole', '--from', 'node2', '--to', 'node3', '--family', 'ipv6');
    const run = await lab.netprobe('matrix', '-o', 'json', '--network', 'both', '--protocols', 'tcp,udp', '--duration', '8s', '--rate', '10', '--timeout', '30s');
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MatrixReport;
    const family = (p: PairReport) => p.family ?? 'ipv4';
    // Every directed pair, both protocols, both networks, both families: 6 × 2 × 2 × 2.
    expect(report.pairs).toHaveLength(48);
    for (const pair of report.pairs) {
      expect(pair.target).toMatch(family(pair) === 'ipv6' ? /^\[2001:db8:[0-9a-f:]+\]:\d+$/ : /^198\.1[89]\.\d+\.\d+:\d+$/);
    }
    const describe = (p: PairReport) => `${p.source}>${p.destination} ${p.protocol} ${p.path} ${family(p)}: ${p.status}`;
    const between23 = (p: PairReport) => [p.source, p.destination].sort().join() === 'node2,node3';
    // The faulty direction on IPv6 is flagged on both networks…
    const required = report.pairs.filter((p) => family(p) === 'ipv6' && p.source === 'node2' && p.destination === 'node3');
    expect(required.filter((p) => p.status === 'ok').map(describe)).toEqual([]);
    // …its answers' direction may be too; nothing on IPv4, and no other IPv6 pair.
    expect(report.pairs.filter((p) => p.status !== 'ok' && !(family(p) === 'ipv6' && between23(p))).map(describe)).toEqual([]);
    expect(report.findings.length).toBeGreaterThan(0);
    expect(report.findings.every((f) => f.family === 'ipv6' && f.message.includes('IPv6'))).toBe(true);
    // The table shows the families apart.
    const table = await lab.netprobe('matrix', '--network', 'pod', '--protocols', 'tcp', '--nodes', 'node1,node2', '--duration', '2s', '--rate', '5', '--timeout', '30s');
    expect(table.stdout).toContain('Loss % on the pod network (IPv4)');
    expect(table.stdout).toContain('Loss % on the pod network (IPv6)');
  }, 150_000);
});
