// kubectl netprobe matrix as a user meets it on a cluster (the lab, with one
// control-plane-like tainted node): what it reports, how it fails, what it leaves.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import { buildCli } from '../../scripts/build.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { kubectlPath } from '../support/kubectl.ts';
import { CTRL_C_BOUND_S, exec, LabSession, PLUGIN } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const FAST = ['--duration', '5s', '--rate', '5', '--timeout', '20s'];
const NETPROBE_OBJECTS = ['get', 'namespaces,pods,configmaps', '-A', '-l', 'app.kubernetes.io/name=netprobe', '-o', 'name'];

describeAsRoot('kubectl netprobe matrix on a lab with a tainted node', () => {
  const lab = new LabSession();
  let report: MatrixReport;
  let stderr: string;

  beforeAll(async () => {
    await lab.up('--nodes', '4', '--tainted', '1');
    const run = await lab.netprobe('matrix', '-o', 'json', ...FAST);
    if (run.code !== 0) throw new Error(`matrix failed (${run.code}): ${run.stderr}`);
    report = JSON.parse(run.stdout) as MatrixReport;
    stderr = run.stderr;
  }, 120_000);
  afterAll(() => lab.down(), 60_000);

  /** Nothing of netprobe's left: namespaces may take a moment to finish terminating. */
  async function expectNothingLeft(): Promise<void> {
    let left = '';
    for (let i = 0; i < 40; i++) {
      left = (await lab.kubectl(...NETPROBE_OBJECTS)).stdout.trim();
      if (left === '') return;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(left).toBe('');
  }

  test('the tainted node is skipped with a note on stderr and in the report; the others are measured', () => {
    const tainted = report.nodes.find((n) => n.name === 'node1')!;
    expect(tainted.status).toBe('no-data');
    expect(tainted.noDataReason).toBe('not probed: taint node-role.kubernetes.io/control-plane:NoSchedule not tolerated (pass --tolerations node-role.kubernetes.io/control-plane:NoSchedule or --tolerate-all)');
    expect(report.nodes.filter((n) => n.status === 'ok').map((n) => n.name)).toEqual(['node2', 'node3', 'node4']);
    const measured = report.pairs.filter((p) => p.protocol === 'tcp' && p.attempts > 0);
    expect(measured.map((p) => `${p.source}>${p.destination}`).sort()).toEqual(['node2>node3', 'node2>node4', 'node3>node2', 'node3>node4', 'node4>node2', 'node4>node3']);
    // Said before any pod was made, and no pod was made for it.
    expect(stderr).toContain('skipping node(s) with taints this run does not tolerate: node1 (node-role.kubernetes.io/control-plane:NoSchedule)');
    expect(stderr.indexOf('skipping node(s) with taints')).toBeLessThan(stderr.indexOf('responder pod(s)'));
    expect(stderr).toContain('creating 3 responder pod(s)');
  });

  test('-o json validates against the documented schema', () => {
    const schema = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'));
    const validate = new Ajv2020({ allErrors: true }).compile(schema);
    expect(validate(report) ? [] : validate.errors).toEqual([]);
  });

  test('the run removed everything it created', () => expectNothingLeft());

  test('the real kubectl finds the built plugin on PATH', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netprobe-plugin-'));
    try {
      const plugin = await buildCli(join(dir, 'kubectl-netprobe'));
      const env = { PATH: `${dirname(plugin)}:${dirname(process.execPath)}:${process.env.PATH}` };
      const plugins = await exec(kubectlPath(), ['plugin', 'list'], env);
      expect(plugins.stdout).toContain(plugin);
      const help = await exec(kubectlPath(), ['netprobe', 'matrix', '--help'], env);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('kubectl netprobe matrix');
      expect(help.stdout).toContain('--fail-on');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  test('retries 429 and 500 answers and survives dropped watches; --tolerate-all probes the tainted node', async () => {
    await lab.labApi('/lab/v1/faults', { code: 500, count: 2, verb: 'create', resource: 'pods' });
    await lab.labApi('/lab/v1/faults', { code: 429, count: 1, verb: 'list', resource: 'nodes', retryAfterSeconds: 1 });
    const running = lab.netprobe('matrix', '-o', 'json', '--nodes', 'node1,node3', '--tolerate-all', ...FAST);
    await new Promise((r) => setTimeout(r, 4000));
    await lab.labApi('/lab/v1/drop-watches', {});
    const run = await running;
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const retried = JSON.parse(run.stdout) as MatrixReport;
    expect(retried.nodes.map((n) => `${n.name} ${n.status}`)).toEqual(['node1 ok', 'node3 ok']);
  }, 120_000);

  test('Ctrl-C mid-run stops within seconds, removes every object and exits 130', async () => {
    const plugin = lab.spawnNetprobe('matrix', '--duration', '60s', '--timeout', '20s');
    await plugin.waitForStderr('probing from');
    const { seconds, code, stderr } = await plugin.interrupt(30_000);
    expect(seconds).toBeLessThan(CTRL_C_BOUND_S);
    expect(code).toBe(130);
    expect(stderr).toContain('SIGINT: stopping and cleaning up');
    await expectNothingLeft();
  }, 120_000);

  test('after SIGKILL of the CLI the pods end by their deadline, and cleanup removes what is left', async () => {
    const plugin = lab.spawnNetprobe('matrix', '--duration', '5s', '--timeout', '5s');
    await plugin.waitForStderr('probing from');
    plugin.child.kill('SIGKILL');
    const namespace = /namespace (netprobe-[0-9a-f]+)/.exec(plugin.stderr)![1];
    // activeDeadlineSeconds = what the run needs (~29 s here) + 15 s.
    let running = 'x';
    for (let i = 0; i < 60 && running !== ''; i++) {
      await new Promise((r) => setTimeout(r, 1000));
      running = (await lab.kubectl('get', 'pods', '-n', namespace, '--field-selector', 'status.phase=Running', '-o', 'name')).stdout.trim();
    }
    expect(running).toBe('');
    const cleanup = await lab.netprobe('cleanup');
    expect(cleanup.code).toBe(0);
    expect(cleanup.stdout).toContain(`removed namespace ${namespace}`);
    await expectNothingLeft();
    expect((await lab.netprobe('cleanup')).stdout).toBe('nothing to clean up\n');
  }, 120_000);

  test.each([
    [['--nodes', 'node2,nodeX'], 'error: unknown node nodeX; nodes: node1, node2, node3, node4'],
    [['-l', 'zone=mars'], 'error: no node matches -l zone=mars'],
    [['--duration', 'soon'], 'error: --duration: "soon" is not a duration'],
    [['-o', 'xml'], 'error: --output: "xml" is not one of'],
    [['-n', 'no-such-namespace'], 'error: namespace no-such-namespace not found'],
    [['--context', 'lab-restricted'], 'error: creating namespace netprobe-'],
  ])('bad input %j: one clear line, exit 1, nothing left', async (args, message) => {
    const run = await lab.netprobe('matrix', ...args);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(message);
    expect(run.stderr).not.toMatch(/\n\s+at /); // no stack trace
    await expectNothingLeft();
  }, 60_000);

  test('a forbidden create names the verb and resource and points at the RBAC manifest', async () => {
    const run = await lab.netprobe('matrix', '--context', 'lab-restricted');
    expect(run.stderr).toMatch(/cannot create resource "namespaces"/);
    expect(run.stderr).toContain('manifests/rbac.yaml');
  });

  test('manifests/rbac.yaml is all the plugin needs, --service included', async () => {
    const role = load(readFileSync(new URL('../../manifests/rbac.yaml', import.meta.url), 'utf8')) as { rules: unknown[] };
    await lab.labApi('/lab/v1/restricted-rules', role.rules, 'PUT');
    try {
      const run = await lab.netprobe('matrix', '--context', 'lab-restricted', '--service', '--nodes', 'node2,node3', '-o', 'json', ...FAST);
      expect(run.stderr).not.toMatch(/^error:/m);
      expect(run.code).toBe(0);
      const measured = JSON.parse(run.stdout) as MatrixReport;
      expect(measured.pairs.some((p) => p.path === 'service' && p.successes > 0)).toBe(true);
      await expectNothingLeft();
    } finally {
      await lab.labApi('/lab/v1/restricted-rules', [{ verbs: ['get', 'list', 'watch'], resources: ['*'] }], 'PUT');
    }
  }, 120_000);

  test('an unreachable API server is one line and exit 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netprobe-kc-'));
    try {
      const kubeconfig = join(dir, 'kubeconfig');
      // A loopback port that was free a moment ago: nothing listens there.
      const server = createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const closedPort = (server.address() as { port: number }).port;
      await new Promise((resolve) => server.close(resolve));
      writeFileSync(kubeconfig, readFileSync(lab.kubeconfig, 'utf8').replace(/server: https:\/\/127\.0\.0\.1:\d+/, `server: https://127.0.0.1:${closedPort}`));
      const run = await exec(process.execPath, [PLUGIN, 'matrix', '--kubeconfig', kubeconfig]);
      expect(run.code).toBe(1);
      expect(run.stderr.trim()).toMatch(/^error: listing nodes: cannot reach the API server \(ECONNREFUSED\)$/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
