// Kernel-upgrade validation on the lab: `compare` of a clean run and a run with a fault on a
// random pair names that pair and exits 2, of two clean runs exits 0; at the default 30 s, too
// few probes for the comparison itself, the after run's own critical finding still fails the
// gate; `matrix --group-by` shows the lab's zones, and a canary node on its own kernel (the
// lab API's `up --kernel`).
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import type { CompareReport } from '../../src/compare/compare-report.ts';
import { ZONE_LABEL } from '../../src/render/table.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NODES = 5;
// The lab runs its DNS pods on node1 and node2: faults between the others leave DNS alone.
const CANDIDATES = ['node3', 'node4', 'node5'];
const CANARY = { node: 'node4', kernel: '6.12.0-canary' };
const SHORT_RUN = ['--duration', '8s', '--rate', '10', '--timeout', '30s'];

describeAsRoot('kubectl netprobe compare and --group-by on the lab', () => {
  const lab = new LabSession();
  const file = (name: string) => join(lab.dir, name);
  beforeAll(() => lab.up('--nodes', String(NODES), '--kernel', `${CANARY.node}=${CANARY.kernel}`), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  async function saveRun(name: string, flags: string[] = SHORT_RUN): Promise<string> {
    const run = await lab.netprobe('matrix', '-o', 'json', '--out', file(name), ...flags);
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    return file(name);
  }

  test('a clean run vs one with SYN drops on a random pair: that pair regressed, exit 2; two clean runs: exit 0', async () => {
    const [a, b] = [...CANDIDATES].sort(() => Math.random() - 0.5);
    const before = await saveRun('before.json');
    const clean = await saveRun('clean.json');
    await lab.fault('--kind', 'syn-drop', '--from', a, '--to', b, '--percent', '50');
    const faulty = await saveRun('fault.json');

    const table = await lab.netprobe('compare', before, faulty);
    expect(table.code).toBe(2);
    expect(table.stderr).toMatch(/^--fail-on met: regressions>0: regressions = \d+$/m);
    expect(table.stdout).toMatch(new RegExp(`Regressions \\(\\d+\\), worst first:\\n.*\\n${a} -> ${b} +tcp/pod `));
    process.stdout.write(`compare, clean vs syn-drop ${a} -> ${b}:\n${table.stdout}\n`);

    const json = await lab.netprobe('compare', before, faulty, '-o', 'json');
    expect(json.code).toBe(2);
    const report = JSON.parse(json.stdout) as CompareReport;
    // Only the faulty pair's TCP regressed (SYN loss, and loss or latency as SYNs run out or retransmit).
    expect(report.regressions.map((c) => `${c.source} -> ${c.destination} ${c.protocol}`)).toEqual(report.regressions.map(() => `${a} -> ${b} tcp`));
    expect(report.regressions.map((c) => c.measure)).toContain('syn-loss');
    expect(report.nodes.find((n) => n.name === CANARY.node)).toMatchObject({ kernelBefore: CANARY.kernel, kernelAfter: CANARY.kernel });

    const twoClean = await lab.netprobe('compare', before, clean);
    process.stdout.write(`compare, two clean runs:\n${twoClean.stdout}\n`);
    expect(twoClean).toMatchObject({ code: 0, stderr: '' });
    expect(twoClean.stdout).toContain('no significant regression');
  }, 240_000);

  test('at the defaults (30 s, 1 probe/s) a 30 % one-way UDP loss on a random pair: its critical finding, new after, fails the gate; the output says what these runs could detect', async () => {
    const [a, b] = [...CANDIDATES].sort(() => Math.random() - 0.5);
    const defaults = ['--timeout', '30s'];
    const before = await saveRun('default-before.json', defaults);
    await lab.fault('--kind', 'udp-loss', '--from', a, '--to', b, '--percent', '30');
    const after = await saveRun('default-after.json', defaults);

    const gate = await lab.netprobe('compare', before, after);
    process.stdout.write(`compare at the defaults, clean vs udp-loss ${a} -> ${b}:\n${gate.stdout}\n${gate.stderr}\n`);
    expect(gate.code).toBe(2);
    const report = JSON.parse((await lab.netprobe('compare', before, after, '-o', 'json')).stdout) as CompareReport;
    // The new critical finding is the faulty pair's, named by the direction the datagrams were lost in (or between the two).
    expect(report.newCritical.map((f) => f.subject)).toEqual([expect.stringMatching(new RegExp(`^(${a} -> ${b}|${b} <-> ${a}|${a} <-> ${b})$`))]);
    expect(gate.stderr).toMatch(/^--fail-on met: newCritical>0: newCritical = 1 /m);
    expect(gate.stdout.replace(/\s+/g, ' ')).toMatch(/Power: with these sample sizes the smallest loss increase that could have been significant is \+[\d.]+% for a pair \(\d+ probes before/);
    expect(report.power.pair!.durationForIncrease!).toBeGreaterThan(30_000);
  }, 240_000);

  test('--group-by topology.kubernetes.io/zone: zone-a × zone-b', async () => {
    const run = await lab.netprobe('matrix', '--group-by', ZONE_LABEL, '--protocols', 'tcp', ...SHORT_RUN);
    process.stdout.write(`matrix --group-by ${ZONE_LABEL}:\n${run.stdout}\n`);
    expect(run.code).toBe(0);
    const words = run.stdout.replace(/\s+/g, ' ');
    expect(words).toContain(`by ${ZONE_LABEL}:`);
    expect(run.stdout).toMatch(/^ +zone-a zone-b$/m);
    expect(run.stdout).toMatch(/^zone-a +\S+ +\S+$/m);
    expect(run.stdout).toMatch(/^zone-b +\S+ +\S+$/m);
    expect(words).toContain('zone-a (3 nodes) zone-b (2 nodes)');
  }, 120_000);

  test('--group-by kernel: the canary node on its own', async () => {
    const kernel = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
    const run = await lab.netprobe('matrix', '--group-by', 'kernel', '--protocols', 'tcp', ...SHORT_RUN);
    process.stdout.write(`matrix --group-by kernel:\n${run.stdout}\n`);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('by kernel:');
    // One canary node has no pair inside its group: that cell is not measured.
    const literal = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(run.stdout).toMatch(new RegExp(`^${literal(CANARY.kernel)} +· +\\S+$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${literal(kernel)} +\\S+ +\\S+$`, 'm'));
    expect(run.stdout.replace(/\s+/g, ' ')).toContain(`${CANARY.kernel} (1 nodes) ${kernel} (4 nodes)`);
  }, 120_000);
});
