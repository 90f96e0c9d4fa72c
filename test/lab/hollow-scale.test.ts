// `kubectl netprobe matrix` at scale on hollow labs (the real plugin, client-node, collection,
// analysis and rendering; simulated nodes, network and control plane): a 1,000-node run finds the
// one node that loses UDP and names no other, within the CLI's memory and request budget; a
// scheduler slower than --timeout leaves the nodes it did not reach as no-data with the reason;
// a rotating ring sample finds a pair-specific fault within the windows it predicts.
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { windowsToCoverAll } from '../../src/shared/ring.ts';
import { exec, LabSession, PLUGIN, type ExecResult } from '../support/lab-session.ts';

const describePair = (p: PairReport) => `${p.source} -> ${p.destination} ${p.protocol}: ${p.verdict} (${p.attempts - p.successes} of ${p.attempts} lost)`;
const pick = (nodes: number) => `node${1 + Math.floor(Math.random() * nodes)}`;

/**
 * The plugin as a user runs it, with room for a big run on a busy machine (LabSession.netprobe
 * allows 3 minutes and 64 MiB of stdout; a 300-node full mesh's JSON is ~85 MB, so --out);
 * its stderr shown if it fails.
 */
async function matrix(lab: LabSession, ...args: string[]): Promise<{ report: MatrixReport; run: ExecResult }> {
  const out = join(lab.dir, 'report.json');
  const run = await exec(process.execPath, [PLUGIN, 'matrix', '-o', 'json', '--out', out, ...args, '--kubeconfig', lab.kubeconfig], {}, 9 * 60_000);
  if (run.code !== 0 || /^error:/m.test(run.stderr)) throw new Error(`matrix exited ${run.code}:\n${run.stderr.slice(-3000)}`);
  try {
    return { report: JSON.parse(readFileSync(out, 'utf8')) as MatrixReport, run };
  } finally {
    rmSync(out);
  }
}

/** The CLI's own last line on stderr: its API requests and peak RSS (getrusage ru_maxrss). */
function runCost(run: ExecResult): { requests: number; peakMiB: number } {
  const line = /^done: (\d+) API requests.*peak memory (\d+) MiB$/m.exec(run.stderr);
  if (!line) throw new Error(`no cost line on stderr:\n${run.stderr}`);
  return { requests: Number(line[1]), peakMiB: Number(line[2]) };
}

/** Requests the lab's API served (every verb and resource, 429s included) between two counts. */
const served = (before: Record<string, number>, after: Record<string, number>) =>
  Object.entries(after).reduce((n, [key, count]) => n + count - (before[key] ?? 0), 0);

describe('a 1,000-node hollow matrix', () => {
  const NODES = 1000;
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES), '--hollow'), 240_000);
  afterAll(() => lab.down(), 120_000);

  test('one node losing 30 % of the UDP sent to it is named, no clean node is; peak RSS <= 500 MiB, <= 3 API requests per node', async () => {
    const bad = pick(NODES);
    await lab.fault('--kind', 'udp-loss', '--from', '*', '--to', bad, '--percent', '30');
    const before = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    const { report, run } = await matrix(lab, '--duration', '10s', '--timeout', '2m');
    const after = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(NODES);
    // Each node probes 16 ring neighbours and is probed by 16: the default beyond 50 nodes.
    expect(report.coverage).toMatchObject({ probedPairs: NODES * 16, possiblePairs: NODES * (NODES - 1), fullMeshAfterMs: null });

    // The finding names the node (its column: what is sent to it is lost; its row too, since its probes' echoes are sent to it).
    const named = report.findings.filter((f) => f.kind === 'loss');
    expect(named.map((f) => f.subject).join(' | ')).toMatch(new RegExp(`\\b${bad}\\b`));
    const otherNodes = new Set(named.flatMap((f) => f.subject.match(/\bnode\d+\b/g) ?? []).filter((n) => n !== bad));
    expect([...otherNodes]).toEqual([]);
    // And no pair away from it is flagged.
    const wronglyFlagged = report.pairs.filter((p) => p.verdict === 'flagged' && p.source !== bad && p.destination !== bad);
    expect(wronglyFlagged.map(describePair)).toEqual([]);

    // The CLI's cost: memory, and requests (create two pods and read one log per node, one watch, a constant besides).
    const cost = runCost(run);
    expect(cost.peakMiB).toBeLessThanOrEqual(500);
    const requests = served(before, after);
    expect(requests).toBeLessThanOrEqual(3 * NODES + 50);
    // The CLI's own count (every attempt, /version for the cluster's clock too), as the user reads it.
    expect(cost.requests).toBeLessThanOrEqual(3 * NODES + 50);
    // One watch for the whole run, renewed only when the server ends it: not one per pod or per waiter.
    expect(after['watch pods'] - (before['watch pods'] ?? 0)).toBeLessThanOrEqual(3);
  }, 600_000);

  test('-o html, whose page of 1,000 nodes could not be made, is refused before anything is created, saying what to use', async () => {
    const before = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    const run = await exec(process.execPath, [PLUGIN, 'matrix', '-o', 'html', '--duration', '10s', '--kubeconfig', lab.kubeconfig], {}, 60_000);
    const after = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('error: -o html draws every node pair: 1000 nodes in 3 views would pass the longest page that can be written (934 nodes); use -o json, or the table with --group-by LABEL');
    const created = Object.entries(after).filter(([key, count]) => /^create /.test(key) && count > (before[key] ?? 0)).map(([key]) => key);
    expect(created).toEqual([]);
  }, 120_000);
});

describe('a hollow scheduler slower than the start timeout', () => {
  const NODES = 40;
  const SCHEDULER_QPS = 3;
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES), '--hollow', '--scheduler-qps', String(SCHEDULER_QPS)), 60_000);
  afterAll(() => lab.down(), 60_000);

  test('the nodes whose pods it did not bind in time are no-data, saying so; the rest are measured', async () => {
    // 40 responders at 3/s take ~13 s to bind: with --timeout 6s about half never are.
    const { report } = await matrix(lab, '--protocols', 'tcp,udp', '--duration', '3s', '--confirm', '0', '--timeout', '6s');
    expect(report.run.settings.confirm).toBeNull();
    // A node is no-data (its prober never ran) or no-data as a destination (its responder never listened): either way, with the reason.
    const reasonOf = (n: MatrixReport['nodes'][number]) => n.noDataReason ?? n.paths?.find((p) => p.destinationNoData)?.destinationNoData ?? null;
    const affected = report.nodes.filter((n) => reasonOf(n) !== null);
    expect(affected.length).toBeGreaterThan(0);
    expect(affected.length).toBeLessThan(NODES);
    // A responder or prober never bound in time (a prober must run while the responders still serve its window).
    for (const node of affected) expect(reasonOf(node)).toMatch(/(responder|prober) pod \S+ \(pod network\): not (ready|running) after \d+s \(Pending: not scheduled yet/);
    // Nothing is probed towards a responder that never listened.
    const deaf = new Set(affected.filter((n) => n.paths?.some((p) => p.destinationNoData)).map((n) => n.name));
    expect(report.pairs.filter((p) => deaf.has(p.destination)).map(describePair)).toEqual([]);
    expect(report.pairs.length).toBeGreaterThan(0);
    // Pairs are between measured nodes only, none of them flagged: slowness of the control plane is not the network's.
    expect(report.pairs.filter((p) => p.verdict === 'flagged').map(describePair)).toEqual([]);
  }, 180_000);
});

describe('coverage with a rotating ring sample on a 300-node hollow lab', () => {
  const NODES = 300;
  // 50 peers a window: every pair within 6 windows (each window's probes are simulated for every
  // interim result the agents print, so a long rotation costs the lab, not the plugin, quadratically).
  const SAMPLE = 50;
  const WINDOW_S = 2;
  const RATE = 5;
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES), '--hollow'), 120_000);
  afterAll(() => lab.down(), 60_000);

  test('a fault on one random pair is found within the predicted ⌈(N-1)/k⌉ windows, in the one window that probes it', async () => {
    const windows = windowsToCoverAll(NODES, SAMPLE);
    expect(windows).toBe(6);
    const a = pick(NODES);
    let b = pick(NODES);
    while (b === a) b = pick(NODES);
    await lab.fault('--kind', 'blackhole', '--from', a, '--to', b);
    const { report } = await matrix(lab, '--protocols', 'udp', '--sample', String(SAMPLE), '--rate', String(RATE),
      '--window', `${WINDOW_S}s`, '--duration', `${windows * WINDOW_S}s`, '--confirm', '0', '--timeout', '1m');
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(NODES);
    // Every directed pair probed within the run, as the report states.
    expect(report.coverage).toEqual({ probedPairs: NODES * (NODES - 1), possiblePairs: NODES * (NODES - 1), fullMeshAfterMs: 0 });
    expect(report.pairs).toHaveLength(NODES * (NODES - 1));

    const faulty = report.pairs.find((p) => p.source === a && p.destination === b)!;
    expect(faulty.verdict).toBe('flagged');
    // Only b -> a may be flagged besides: its echoes cross a -> b.
    const wronglyFlagged = report.pairs.filter((p) => p.verdict === 'flagged' && p !== faulty && !(p.source === b && p.destination === a));
    expect(wronglyFlagged.map(describePair)).toEqual([]);
    // Probed in one window of the rotation, at the rate for its 2 s.
    const perWindow = report.timeline!.pairs.find((p) => p.source === a && p.destination === b)!.attempts;
    expect(perWindow.filter((n) => n > 0)).toHaveLength(1);
    expect(perWindow.findIndex((n) => n > 0)).toBeLessThan(windows);
    expect(Math.abs(faulty.attempts - WINDOW_S * RATE)).toBeLessThanOrEqual(2);
  }, 540_000);
});
