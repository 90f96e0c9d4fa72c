// The machine running the CLI two minutes off the cluster's clock, either way (libfaketime
// preloaded into the CLI alone; the lab and its agents keep the real clock): the run takes about
// as long as with clocks that agree, says the skew on stderr, measures every pair, and reports
// times on the cluster's clock.
import { existsSync } from 'node:fs';
import type { MatrixReport } from '../../src/shared/report.ts';
import { exec, LabSession, PLUGIN, type ExecResult } from '../support/lab-session.ts';
import { IS_ROOT } from '../support/netns.ts';
import { describeRequiring } from '../support/requires.ts';

/** Debian's faketime (scripts/setup.ts installs it): a wrapper that preloads libfaketime. */
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1';
const DURATION_S = 4;
const RUN = ['matrix', '--duration', `${DURATION_S}s`, '--window', '2s', '--rate', '5', '--timeout', '20s', '-o', 'json'];
/** Slack on the time of a run with clocks that agree: a loaded 2-core machine, not the skew's 120 s. */
const SLACK_S = 8;

interface TimedRun extends ExecResult {
  startedAt: number;
  endedAt: number;
}

describeRequiring({ met: IS_ROOT && existsSync(LIBFAKETIME), needs: 'root and faketime (npm run setup installs it)', ciHasIt: 'CI runs npm run setup as root' },
  'kubectl netprobe matrix with its clock off the cluster\'s', () => {
    const lab = new LabSession();
    let agreeing: TimedRun;

    /** `offset` as libfaketime reads it ('+120s'); CLOCK_MONOTONIC left real, as on a machine whose wall clock is off. */
    async function timed(offset?: string): Promise<TimedRun> {
      const startedAt = Date.now();
      const run = offset
        ? await exec('faketime', ['-f', offset, process.execPath, PLUGIN, ...RUN, '--kubeconfig', lab.kubeconfig], { FAKETIME_DONT_FAKE_MONOTONIC: '1' })
        : await lab.netprobe(...RUN);
      return { ...run, startedAt, endedAt: Date.now() };
    }

    beforeAll(async () => {
      await lab.up('--nodes', '3');
      agreeing = await timed();
      if (agreeing.code !== 0) throw new Error(`matrix failed (${agreeing.code}): ${agreeing.stderr}`);
    }, 90_000);
    afterAll(() => lab.down(), 60_000);

    test('clocks that agree: nothing said about them', () => {
      expect(agreeing.stderr).not.toContain('clock');
    });

    test.each([['+120s', 'ahead of'], ['-120s', 'behind']])('the CLI\'s clock %s: said, the run as long, every pair measured, times the cluster\'s', async (offset, way) => {
      const run = await timed(offset);
      expect(run.stderr).not.toMatch(/^error:/m);
      expect(run.code).toBe(0);
      expect(run.stderr).toMatch(new RegExp(`^warning: this machine's clock is 1(19|20|21) s ${way} the cluster's \\(the API server's Date header\\)`, 'm'));
      expect((run.endedAt - run.startedAt) / 1000).toBeLessThan((agreeing.endedAt - agreeing.startedAt) / 1000 + SLACK_S);
      const report = JSON.parse(run.stdout) as MatrixReport;
      expect(report.nodes.map((n) => [n.name, n.status])).toEqual([['node1', 'ok'], ['node2', 'ok'], ['node3', 'ok']]);
      // 6 directed pairs × TCP and UDP, and DNS from each node: every one answered.
      expect(report.pairs.filter((p) => p.attempts > 0 && p.successes > 0)).toHaveLength(15);
      expect(report.findings.map((f) => f.kind)).not.toContain('every-pair-failed');
      // The report's times are the cluster's (the test's own clock is real), and the agents started
      // together at the startAt handed to them: window 0 lies inside the run.
      const [start, end, origin] = [report.run.start, report.run.end, report.timeline!.originAt].map(Date.parse);
      expect(start).toBeGreaterThanOrEqual(run.startedAt - 1000);
      expect(end).toBeLessThanOrEqual(run.endedAt + 1000);
      expect(origin).toBeGreaterThan(start);
      expect(origin + DURATION_S * 1000).toBeLessThan(end);
    }, 90_000);
  });
