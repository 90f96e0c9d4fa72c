// `kubectl netprobe matrix` (the plugin from source, the real client-node, collection, analysis
// and rendering) on a hollow lab with faults injected from the lab's command line: each fault's
// pair is flagged, no clean pair is, and the report says the nodes were simulated.
import { renderReport } from '../../src/cli/output.ts';
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';

const NODES = 8;

interface Expected {
  /** Pairs the fault must flag. */
  required: (p: PairReport) => boolean;
  /** Pairs it may flag besides (e.g. the reverse direction, whose answers cross the faulty link). */
  allowed: (p: PairReport) => boolean;
}

const between = (p: PairReport, a: string, b: string) => (p.source === a && p.destination === b) || (p.source === b && p.destination === a);
const describePair = (p: PairReport) => `${p.source} -> ${p.destination} ${p.protocol}: ${p.status} (loss ${p.loss.ratio}, syn ${p.synLoss?.ratio}, p99 ${p.latencyMs.p99})`;

describe('kubectl netprobe matrix on a hollow lab', () => {
  const lab = new LabSession();
  /** Nodes without a cluster DNS pod, shuffled: faults between them leave every node's DNS alone. */
  let free: string[] = [];
  beforeAll(async () => {
    await lab.up('--nodes', String(NODES), '--hollow');
    const dns = await lab.kubectl('get', 'pods', '-n', 'kube-system', '-l', 'k8s-app=kube-dns', '-o', 'jsonpath={.items[*].spec.nodeName}');
    const taken = new Set(dns.stdout.split(' '));
    free = Array.from({ length: NODES }, (_, i) => `node${i + 1}`).filter((n) => !taken.has(n)).sort(() => Math.random() - 0.5);
  }, 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  async function matrixWith(faults: Expected[]): Promise<MatrixReport> {
    const run = await lab.netprobe('matrix', '-o', 'json', '--duration', '8s', '--rate', '10', '--timeout', '30s');
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MatrixReport;
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(NODES);
    for (const fault of faults) {
      const mustFlag = report.pairs.filter(fault.required);
      expect(mustFlag.length).toBeGreaterThan(0);
      expect(mustFlag.filter((p) => p.status === 'ok').map(describePair)).toEqual([]);
    }
    const wronglyFlagged = report.pairs.filter((p) => p.status !== 'ok' && !faults.some((f) => f.required(p) || f.allowed(p)));
    expect(wronglyFlagged.map(describePair)).toEqual([]);
    return report;
  }

  test('syn-drop, udp-loss and dns-drop, each on its own nodes: each flagged where it acts, nothing else; the report says the run was simulated', async () => {
    const [a, b, c, d, e] = free;
    await lab.fault('--kind', 'syn-drop', '--from', a, '--to', b, '--percent', '30');
    await lab.fault('--kind', 'udp-loss', '--from', c, '--to', d, '--percent', '30');
    await lab.fault('--kind', 'dns-drop', '--from', e, '--percent', '50');
    const report = await matrixWith([
      { required: (p) => p.source === a && p.destination === b && p.protocol === 'tcp', allowed: () => false },
      // An echo measures the round trip: d's answers to c's probes cross c → d too.
      { required: (p) => between(p, c, d) && p.protocol === 'udp', allowed: () => false },
      { required: (p) => p.source === e && p.protocol === 'dns', allowed: () => false },
    ]);
    // The loss finding names the way the lost datagrams travelled, whichever side probed.
    const messages = report.findings.map((f) => f.message).join(' ');
    expect(messages).toMatch(new RegExp(`The lost UDP datagrams travelled ${c} → ${d} \\(\\d+ of \\d+, by the echoes' receive counts\\)`));
    expect(report.findings.map((f) => f.subject).join(' ')).toContain(`${a} -> ${b}`);
    // SYN retransmits: inferred from connect times and counted by the kernel alike.
    const node = report.nodes.find((n) => n.name === a)!;
    expect(node.synRetransmits!.inferred).toBe(node.synRetransmits!.counted);
    expect(node.synRetransmits!.inferred).toBeGreaterThan(10);
    // The plugin knows nothing of the lab: the nodes' own runtime says what ran the probes.
    expect(report.run.settings.containerRuntimes).toEqual(['hollow://netprobe-lab-simulation']);
    expect(report.nodes.every((n) => n.containerRuntime === 'hollow://netprobe-lab-simulation')).toBe(true);
    expect(renderReport(report, 'table', { color: false, width: 100 })).toMatch(/^netprobe matrix, run \w+: 8 of 8 nodes measured;[^]*container runtime\s+hollow:\/\/netprobe-lab-simulation/);
  }, 120_000);

  test('blackhole and slow: everything lost between one pair, high latency and some loss on another', async () => {
    const [a, b, c, d] = free;
    await lab.fault('--kind', 'blackhole', '--from', a, '--to', b);
    await lab.fault('--kind', 'slow', '--from', c, '--to', d, '--rate', '500');
    const report = await matrixWith([
      { required: (p) => between(p, a, b), allowed: () => false },
      { required: (p) => p.source === c && p.destination === d && p.protocol === 'tcp', allowed: (p) => between(p, c, d) },
    ]);
    const blackholed = report.pairs.filter((p) => p.source === a && p.destination === b);
    expect(blackholed.map((p) => p.loss.ratio)).toEqual([1, 1]);
    const slow = report.pairs.find((p) => p.source === c && p.destination === d && p.protocol === 'tcp')!;
    expect(slow.loss.ratio).toBeLessThan(1);
    expect(slow.latencyMs.p50).toBeGreaterThan(50);
  }, 120_000);
});
