// Each lab fault kind on one pair the test picks at random: `kubectl netprobe matrix`
// must flag that pair and leave every pair the fault cannot touch unflagged.
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NODES = 5;
// The lab runs its DNS pods on node1 and node2: faults between the others leave DNS alone.
const CANDIDATES = ['node3', 'node4', 'node5'];

interface Case {
  kind: string;
  args: (a: string, b: string) => string[];
  /** Pairs the fault must flag. */
  required: (p: PairReport, a: string, b: string) => boolean;
  /** Pairs the fault may also flag (e.g. the reverse direction, whose answers cross the faulty link). */
  allowed: (p: PairReport, a: string, b: string) => boolean;
  /** What the findings (message or hint) must say about the cause, if the fault has a signature. */
  hint?: (a: string, b: string) => RegExp;
}

const between = (p: PairReport, a: string, b: string) => (p.source === a && p.destination === b) || (p.source === b && p.destination === a);

const CASES: Case[] = [
  { kind: 'syn-drop', args: (a, b) => ['--from', a, '--to', b, '--percent', '30'],
    required: (p, a, b) => p.source === a && p.destination === b && p.protocol === 'tcp', allowed: () => false },
  { kind: 'udp-loss', args: (a, b) => ['--from', a, '--to', b, '--percent', '30'],
    // An echo measures the round trip: B's answers to A's probes cross A → B too.
    required: (p, a, b) => between(p, a, b) && p.protocol === 'udp', allowed: () => false,
    // …and the echoes' receive counts put every lost datagram on the one faulty direction.
    hint: (a, b) => new RegExp(`The lost UDP datagrams travelled ${a} → ${b} \\(\\d+ of \\d+, by the echoes' receive counts\\)`) },
  { kind: 'dns-drop', args: (a) => ['--from', a, '--percent', '50'],
    required: (p, a) => p.source === a && p.protocol === 'dns', allowed: () => false },
  { kind: 'blackhole', args: (a, b) => ['--from', a, '--to', b],
    required: (p, a, b) => p.source === a && p.destination === b && p.protocol !== 'dns', allowed: (p, a, b) => between(p, a, b) },
  { kind: 'mtu', args: (a) => ['--from', a],
    // Large packets to A vanish: every TCP probe into A carries full-size segments.
    required: (p, a) => p.destination === a && p.protocol === 'tcp', allowed: () => false, hint: () => /MTU mismatch/ },
  { kind: 'slow', args: (a, b) => ['--from', a, '--to', b, '--rate', '500'],
    required: (p, a, b) => p.source === a && p.destination === b && p.protocol === 'tcp', allowed: (p, a, b) => between(p, a, b) },
];

describeAsRoot('kubectl netprobe matrix on the lab, one fault at a time', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES)), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  test.each(CASES)('$kind is flagged on its pair, and only there', async ({ kind, args, required, allowed, hint }) => {
    const [a, b] = [...CANDIDATES].sort(() => Math.random() - 0.5);
    await lab.fault('--kind', kind, ...args(a, b));
    const run = await lab.netprobe('matrix', '-o', 'json', '--duration', '8s', '--rate', '10', '--timeout', '30s');
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MatrixReport;
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(NODES);

    const describePair = (p: PairReport) => `${p.source} -> ${p.destination} ${p.protocol}: ${p.status} (loss ${p.loss.ratio}, syn ${p.synLoss?.ratio}, p99 ${p.latencyMs.p99})`;
    const mustFlag = report.pairs.filter((p) => required(p, a, b));
    expect(mustFlag.length).toBeGreaterThan(0);
    expect(mustFlag.filter((p) => p.status === 'ok').map(describePair)).toEqual([]);
    const wronglyFlagged = report.pairs.filter((p) => p.status !== 'ok' && !required(p, a, b) && !allowed(p, a, b));
    expect(wronglyFlagged.map(describePair)).toEqual([]);
    // The findings name the faulty place.
    expect(report.findings.map((f) => f.subject).join(' ')).toContain(a);
    if (hint) expect(report.findings.map((f) => `${f.message} ${f.hint}`).join(' ')).toMatch(hint(a, b));
  }, 120_000);
});
