// --window on the lab: a fault switched on for one window shows as a burst in that
// window only, scoped to its nodes; a fault on every node at once shows as a
// cluster-wide burst; and a Ctrl-C mid-run still prints what was measured.
import type { MatrixReport, TimelineBurst } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NODES = 6;
const WINDOW_S = 10;
/** The CLI starts probing this long after it says "probing from" (START_DELAY_MS), or as long as it says it takes to start them all. */
const START_DELAY_S = 3;

const sleepUntil = (at: number) => new Promise((r) => setTimeout(r, Math.max(0, at - Date.now())));

describeAsRoot('kubectl netprobe matrix --window on the lab', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES)), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(() => lab.lab('fault', 'clear'));

  test('a one-window blackhole is a burst around its nodes; DNS dropped everywhere at once is a cluster-wide burst', async () => {
    const plugin = lab.spawnNetprobe('matrix', '-o', 'json', '--duration', `${5 * WINDOW_S}s`, '--window', `${WINDOW_S}s`, '--rate', '5', '--timeout', '30s');
    const said = await plugin.waitForStderr('probing from');
    const startsIn = /probing from [^\n]*\((\d+)s to start them all\)/.exec(plugin.stderr);
    const origin = said + (startsIn ? Number(startsIn[1]) : START_DELAY_S) * 1000;
    // Faults from this process: a lab command would start 0.7-1 s after it was timed here (more
    // under load), moving each fault's ends by that much.
    const faults = lab.faults;
    const at: Record<string, number> = {};
    // Window 1: node2 → node3 blackholed (a little inside the window, so no neighbour gets a share).
    await sleepUntil(origin + 1.2 * WINDOW_S * 1000);
    faults.add({ kind: 'blackhole', from: 'node2', to: 'node3' });
    at.blackholed = Date.now();
    await sleepUntil(origin + 1.8 * WINDOW_S * 1000);
    await faults.clear();
    at.blackholeCleared = Date.now();
    // Window 3: every node's DNS queries dropped at once.
    await sleepUntil(origin + 3.1 * WINDOW_S * 1000);
    faults.add({ kind: 'dns-drop', from: '*' });
    at.dnsDropped = Date.now();
    await sleepUntil(origin + 3.8 * WINDOW_S * 1000);
    await faults.clear();
    at.dnsCleared = Date.now();

    const { code, stdout } = await plugin.exit;
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as MatrixReport;
    const timeline = report.timeline!;
    expect(timeline.windowMs).toBe(WINDOW_S * 1000);
    expect(timeline.windows.length).toBeGreaterThanOrEqual(5);
    // Each fault in place and cleared within the window meant, by the run's own origin (not the estimate above).
    const windowOf = (t: number) => Math.floor((t - Date.parse(timeline.originAt)) / timeline.windowMs);
    expect({ blackhole: [windowOf(at.blackholed), windowOf(at.blackholeCleared)], dnsDrop: [windowOf(at.dnsDropped), windowOf(at.dnsCleared)] })
      .toEqual({ blackhole: [1, 1], dnsDrop: [3, 3] });
    const burstIn = (w: number): TimelineBurst | undefined => timeline.bursts.find((b) => b.window === w);
    expect(timeline.bursts.map((b) => b.window).sort()).toEqual([1, 3]);
    expect(burstIn(1)!.scope).toBe('node');
    expect(['node2', 'node3']).toContain(burstIn(1)!.node);
    expect(burstIn(3)!.scope).toBe('cluster-wide');
    expect(burstIn(3)!.protocols).toEqual(['dns']);
    const burstFindings = report.findings.filter((f) => f.kind === 'burst');
    expect(burstFindings.map((f) => f.subject).sort()).toEqual(['cluster', burstIn(1)!.node].sort());
    // Each burst is told once: the blackholed pair by its burst, not again as loss over the whole run.
    expect(report.findings.filter((f) => f.kind === 'loss').map((f) => f.subject)).not.toContainEqual(expect.stringMatching(/^node2 (->|<->) node3$/));
  }, 180_000);

  test('Ctrl-C mid-run prints what the windows so far measured, and exits 130', async () => {
    const plugin = lab.spawnNetprobe('matrix', '--duration', '5m', '--window', '5s', '--rate', '5', '--timeout', '30s');
    const said = await plugin.waitForStderr('probing from');
    const startsIn = /probing from [^\n]*\((\d+)s to start them all\)/.exec(plugin.stderr);
    const origin = said + (startsIn ? Number(startsIn[1]) : START_DELAY_S) * 1000;
    await sleepUntil(origin + 12_000);
    plugin.child.kill('SIGINT');
    const { code, stdout } = await plugin.exit;
    expect(code).toBe(130);
    expect(stdout).toMatch(new RegExp(`${NODES} of ${NODES} nodes measured`));
    // Cut short at ~12 s: two or three windows of the five minutes, not the five minutes.
    expect(stdout).toMatch(/Trouble over time, [23] windows of 5s/);
  }, 120_000);
});
