// kubectl netprobe dns on the lab: with the lab's DNS rate-limited (fault dns-slow) the
// ramp finds the knee at the limit and asks for more replicas than the lab runs; on a
// healthy lab a small --max-qps finds no knee. All load goes to the lab's kube-dns
// ClusterIP (198.18.64.10), inside the lab's namespaces.
import type { DnsReport } from '../../src/dns/report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

/** Queries per second each DNS pod's node lets through. */
const LIMIT_QPS = 60;
const MAX_QPS = 300;
const STEPS = 10;
const STEP_QPS = MAX_QPS / STEPS;
// One-second steps keep the test short on a 2-core machine.
const RAMP = ['--max-qps', String(MAX_QPS), '--steps', String(STEPS), '--duration', `${STEPS}s`, '--timeout', '30s'];

describeAsRoot('kubectl netprobe dns on the lab', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', '4'), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  const dns = async (...args: string[]): Promise<{ code: number; report: DnsReport }> => {
    const run = await lab.netprobe('dns', '-o', 'json', ...args);
    expect(run.stderr).not.toMatch(/^error:/m);
    // The run removes its own namespace.
    expect((await lab.kubectl('get', 'namespaces', '-o', 'name')).stdout).not.toMatch(/netprobe-/);
    return { code: run.code, report: JSON.parse(run.stdout) as DnsReport };
  };

  test('a rate-limited DNS: the knee at the limit, and more replicas than the lab runs', async () => {
    const listed = await lab.kubectl('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[*].spec.nodeName}');
    const dnsNodes = [...new Set(listed.stdout.split(' ').filter(Boolean))];
    expect(dnsNodes.length).toBeGreaterThan(0);
    for (const node of dnsNodes) await lab.fault('--kind', 'dns-slow', '--from', node, '--qps', String(LIMIT_QPS));
    const limit = LIMIT_QPS * dnsNodes.length;

    const { code, report } = await dns(...RAMP, '--peak-qps', String(MAX_QPS));
    expect(report.cluster).toMatchObject({ nodes: 4, cores: 8, readyReplicas: 2, autoscaler: { replicas: 2 }, nodeLocalDns: { present: false } });
    expect(report.resolvers).toEqual(['198.18.64.10']);
    expect(report.knee.verdict).toBe('knee');
    // The step at the limit or the one below: DNAT splits queries at random, so at exactly
    // the limit one replica gets more than its share in about half the seconds.
    expect(report.knee.qps).toBeGreaterThanOrEqual(limit - STEP_QPS);
    expect(report.knee.qps).toBeLessThanOrEqual(limit);
    // Past the knee the dropped queries come back at the 5 s resend: the resolver-timeout signature.
    expect(report.steps.filter((s) => s.step > report.knee.step!).some((s) => s.answeredAtResolverMarks > 0)).toBe(true);
    // The loaders stopped the ramp themselves, well before its last step.
    expect(report.steps.length).toBeLessThan(STEPS);
    const rec = report.recommendation!;
    expect(rec.perReplicaQps).toBeCloseTo(report.knee.qps! / 2);
    expect(rec.replicas).toBe(Math.ceil((MAX_QPS * 1.5) / rec.perReplicaQps - 1e-9));
    expect(rec.replicas).toBeGreaterThan(report.cluster.readyReplicas);
    // --peak-qps asks for more than runs: exit 2.
    expect(code).toBe(2);
  }, 120_000);

  test('a healthy DNS: no knee below a small --max-qps', async () => {
    const { code, report } = await dns('--max-qps', '150', '--steps', '5', '--duration', '5s', '--names', 'kubernetes.default,example.com');
    expect(code).toBe(0);
    expect(report.knee).toEqual({ verdict: 'none-up-to-max', qps: 150, step: 5 });
    expect(report.steps.every((s) => s.timeouts === 0 && s.answeredAtResolverMarks === 0)).toBe(true);
    // kubernetes.default is found at the second search domain; example.com goes through all three and then as is.
    expect(report.lookups.map((l) => [l.name, l.queriesPerLookup])).toEqual([['kubernetes.default', 4], ['example.com', 8]]);
    expect(report.recommendation).toBeNull();
  }, 120_000);
});
