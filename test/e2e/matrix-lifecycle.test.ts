// How a matrix run copes with pods' lives on a cluster (the lab): image pulls that fail for
// a while or for good, a Ctrl-C while pods wait for their image, logs the kubelet rotates.
import { readDocuments } from '../../src/collect/documents.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { CTRL_C_BOUND_S, LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const QUICK = ['--duration', '3s', '--rate', '5', '--protocols', 'tcp,udp'];

describeAsRoot('kubectl netprobe matrix and the lives of its pods', () => {
  const lab = new LabSession();
  // The kubelets rotate logs past 32 KiB (the real default is 10 MiB), so that a short run's do.
  beforeAll(() => lab.up('--nodes', '4', '--container-log-max-size', '32Ki'), 60_000);
  afterAll(() => lab.down(), 60_000);
  afterEach(async () => {
    await lab.labApi('/lab/v1/image-pulls', undefined, 'DELETE');
    await lab.labApi('/lab/v1/faults', undefined, 'DELETE');
  });

  test('a registry hiccup is retried (the kubelet pulls again after 10 s); a pull that keeps failing makes its node no-data', async () => {
    // Pulls started in the next 8 s fail: the run's first pulls (a second or three from now), not the kubelet's retry 10 s later.
    await lab.labApi('/lab/v1/image-pulls', { forSeconds: 8 });
    await lab.labApi('/lab/v1/image-pulls', { forSeconds: 600, nodes: ['node3'], message: 'pull access denied, repository does not exist' });
    const run = await lab.netprobe('matrix', '-o', 'json', '--nodes', 'node1,node2,node3', ...QUICK, '--timeout', '20s');
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MatrixReport;
    expect(report.nodes.map((n) => `${n.name} ${n.status}`)).toEqual(['node1 ok', 'node2 ok', 'node3 no-data']);
    // The hiccup did hit, and was said to be retried.
    expect(run.stderr).toMatch(/^node node1: responder pod \S+: ErrImagePull: .*toomanyrequests.*; the kubelet pulls again, netprobe waits up to 20s$/m);
    // Its prober could not start either; its responder is a no-data destination, with the same reason.
    const stillPulling = /\(Pending: ImagePullBackOff Back-off pulling image "node:22-alpine": ErrImagePull: .*repository does not exist\)$/;
    expect(report.nodes[2].noDataReason).toMatch(/^prober pod \S+ \(pod network\): not running after \d+s /);
    expect(report.nodes[2].noDataReason).toMatch(stillPulling);
    expect(report.nodes[2].paths?.[0].destinationNoData).toMatch(/^responder pod \S+ \(pod network\): not ready after 20s /);
    expect(report.nodes[2].paths?.[0].destinationNoData).toMatch(stillPulling);
    expect(report.pairs.filter((p) => p.attempts > 0).map((p) => `${p.source}>${p.destination} ${p.protocol}`).sort())
      .toEqual(['node1>node2 tcp', 'node1>node2 udp', 'node2>node1 tcp', 'node2>node1 udp']);
    expect(report.pairs.every((p) => p.status === 'ok')).toBe(true);
  }, 120_000);

  test('Ctrl-C while the pods are being created and wait for their image exits within seconds', async () => {
    // The API holds pod creation back for 2 s (429 + Retry-After), so the Ctrl-C lands before any
    // waiting begins; the pulls then take a minute, which the CLI must not wait out.
    await lab.labApi('/lab/v1/faults', { code: 429, count: 1, verb: 'create', resource: 'pods', retryAfterSeconds: 2 });
    await lab.labApi('/lab/v1/image-pulls', { forSeconds: 600, slowSeconds: 60 });
    const plugin = lab.spawnNetprobe('matrix', ...QUICK, '--timeout', '90s');
    await plugin.waitForStderr('responder pod(s)');
    const { seconds, code, stderr } = await plugin.interrupt(100_000);
    expect(seconds).toBeLessThan(CTRL_C_BOUND_S);
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT: stopping and cleaning up');
  }, 120_000);

  test('a --window run whose logs were rotated still yields each agent\'s whole final result', async () => {
    const run = await lab.netprobe('matrix', '-o', 'json', '--duration', '25s', '--window', '1s', '--rate', '5', '--timeout', '30s', '--keep');
    const runId = /^run ([0-9a-f]+):/m.exec(run.stderr)?.[1];
    try {
      expect(run.stderr).not.toMatch(/^error:|no data/m);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as MatrixReport;
      expect(report.nodes.map((n) => n.status)).toEqual(['ok', 'ok', 'ok', 'ok']);
      // The whole run in every pair, not an interim result's first windows: 25 windows of 5 probes.
      for (const pair of report.timeline!.pairs) expect(pair.attempts).toHaveLength(25);
      expect(Math.min(...report.pairs.map((p) => p.attempts))).toBeGreaterThanOrEqual(120);
      // …although the kubelet rotated the probers' logs: the current file no longer starts with the agent's first line.
      const prober = (await lab.kubectl('get', 'pods', '-n', `netprobe-${runId}`, '-l', 'netprobe.io/role=prober', '-o', 'name')).stdout.trim().split('\n')[0];
      const log = (await lab.kubectl('logs', '-n', `netprobe-${runId}`, prober)).stdout;
      expect(readDocuments(log).complete.at(-1)?.final).toBe(true);
      expect(log).not.toMatch(/probing \d+ peer/);
    } finally {
      if (runId) await lab.netprobe('cleanup', '--run', runId);
    }
  }, 120_000);

  /** The run's pods of `role` by node, as kubectl shows them. */
  async function podsByNode(namespace: string, role: string): Promise<Map<string, string>> {
    const out = (await lab.kubectl('get', 'pods', '-n', namespace, '-l', `netprobe.io/role=${role}`, '-o', 'jsonpath={range .items[*]}{.metadata.name} {.spec.nodeName}{"\\n"}{end}')).stdout;
    return new Map(out.trim().split('\n').filter(Boolean).map((line) => line.split(' ').reverse() as [string, string]));
  }

  test('a responder that dies mid-run (deleted, as a drain evicts it) makes its node a no-data destination, not a bad one', async () => {
    const plugin = lab.spawnNetprobe('matrix', '-o', 'json', '--duration', '10s', '--rate', '5', '--protocols', 'tcp,udp', '--timeout', '30s');
    await plugin.waitForStderr('probing from');
    const namespace = /namespace (netprobe-[0-9a-f]+)/.exec(plugin.stderr)![1];
    await new Promise((r) => setTimeout(r, 5000));
    const responder = (await podsByNode(namespace, 'responder')).get('node2')!;
    expect((await lab.kubectl('delete', 'pod', '-n', namespace, responder, '--grace-period=0')).code).toBe(0);
    const { code, stdout, stderr } = await plugin.exit;
    expect(stderr).not.toMatch(/^error:/m);
    expect(code).toBe(0);
    const report = JSON.parse(stdout) as MatrixReport;
    const node2 = report.nodes.find((n) => n.name === 'node2')!;
    // Measured as a source, no data as a destination, and said why.
    expect(node2.status).toBe('ok');
    expect(node2.paths?.find((p) => p.path === 'pod')?.destinationNoData).toMatch(new RegExp(`^responder pod ${responder} \\(pod network\\) was deleted during the run`));
    expect(stderr).toContain('node node2: no data as a destination on the pod network');
    expect(report.pairs.filter((p) => p.destination === 'node2')).toEqual([]);
    expect(report.pairs.filter((p) => p.source === 'node2').map((p) => `${p.destination} ${p.status}`).sort())
      .toEqual(['node1 ok', 'node1 ok', 'node3 ok', 'node3 ok', 'node4 ok', 'node4 ok']);
    // …and never a loss: nothing flagged, no "bad destination".
    expect(report.findings.map((f) => `${f.kind} ${f.pattern} ${f.subject}`)).toEqual([]);
  }, 120_000);

  test('a quick rerun on the host network: responders that cannot bind their port are no-data destinations with the agent\'s reason', async () => {
    // The first run's responders (kept) still serve on the nodes' port 7400 when the second starts.
    const first = await lab.netprobe('matrix', '-o', 'json', '--network', 'host', '--nodes', 'node1,node2', ...QUICK, '--timeout', '20s', '--keep');
    expect(first.code).toBe(0);
    const firstRun = /^run ([0-9a-f]+):/m.exec(first.stderr)![1];
    try {
      const run = await lab.netprobe('matrix', '-o', 'json', '--network', 'host', '--nodes', 'node1,node2,node3', ...QUICK, '--timeout', '20s');
      expect(run.stderr).not.toMatch(/^error:/m);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as MatrixReport;
      expect(report.nodes.map((n) => `${n.name} ${n.status}`)).toEqual(['node1 ok', 'node2 ok', 'node3 ok']);
      for (const name of ['node1', 'node2']) {
        expect(report.nodes.find((n) => n.name === name)!.paths?.find((p) => p.path === 'host')?.destinationNoData)
          // Failed before it was seen running, or stopped once it had: either way the agent's reason.
          .toMatch(/^responder pod \S+ \(host network\)(: | stopped during the run).*exit code 2.*TCP port 7400 on \S+ is already in use/);
      }
      // Only the pairs into node3 were measured, and none of the others counted as lost.
      expect(report.pairs.map((p) => `${p.source}>${p.destination} ${p.status}`).sort())
        .toEqual(['node1>node3 ok', 'node1>node3 ok', 'node2>node3 ok', 'node2>node3 ok']);
      expect(report.findings).toEqual([]);
    } finally {
      await lab.netprobe('cleanup', '--run', firstRun);
    }
  }, 120_000);

  test('--service waits for each Service\'s ready EndpointSlice and for kube-proxy, however slow the endpoints controller', async () => {
    // A busy control plane: endpoints five seconds behind the pods, the rules a second after that.
    await lab.labApi('/lab/v1/service-delays', { endpointsDelayMs: 5000, proxyDelayMs: 1000 }, 'PUT');
    try {
      const run = await lab.netprobe('matrix', '-o', 'json', '--service', '--nodes', 'node1,node2', ...QUICK, '--timeout', '30s');
      expect(run.stderr).not.toMatch(/^error:/m);
      expect(run.code).toBe(0);
      const report = JSON.parse(run.stdout) as MatrixReport;
      const service = report.pairs.filter((p) => p.path === 'service');
      expect(service.map((p) => `${p.source}>${p.destination} ${p.protocol}`).sort()).toEqual(['node1>node2 tcp', 'node1>node2 udp', 'node2>node1 tcp', 'node2>node1 udp']);
      // Not one probe refused for want of rules: every probe through the Services answered.
      expect(service.map((p) => [p.attempts > 0, p.successes === p.attempts, p.errors])).toEqual(new Array(4).fill([true, true, {}]));
    } finally {
      await lab.labApi('/lab/v1/service-delays', { endpointsDelayMs: 200, proxyDelayMs: 1000 }, 'PUT');
    }
  }, 120_000);
});
