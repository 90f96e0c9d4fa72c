// Shell completion as kubectl (>= 1.26) does it for plugins: the real kubectl finds
// kubectl-netprobe and kubectl_complete-netprobe (as `npm run build` makes them) on PATH and
// asks the latter; node and pod names come from the cluster (the lab API) through the
// user's kubeconfig and context.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { buildCli } from '../../scripts/build.ts';
import { startFixture, type Fixture } from '../lab/api/fixture.ts';
import { kubectlPath } from '../support/kubectl.ts';

let f: Fixture;
const dir = mkdtempSync(join(tmpdir(), 'netprobe-completion-'));
let path: string;

beforeAll(async () => {
  f = await startFixture();
  await f.kubectl(['create', 'namespace', 'shop']);
  await f.kubectl(['create', '-f', f.manifest('pods.yaml', ['web', 'db'].map((name) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}, namespace: shop}
spec:
  containers: [{name: main, image: busybox:1.36, command: [sleep, '30']}]
`).join('---\n'))]);
  const plugin = await buildCli(join(dir, 'bin', 'kubectl-netprobe'));
  // The built plugin runs on node from PATH; the completion script is /bin/sh.
  path = [dirname(plugin), dirname(process.execPath), '/usr/bin', '/bin'].join(':');
}, 60_000);
afterAll(async () => {
  await f?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `kubectl __complete netprobe WORDS…`: the candidates (without descriptions) and the directive. */
async function complete(words: string[], env: NodeJS.ProcessEnv = { KUBECONFIG: f.kubeconfig }): Promise<{ candidates: string[]; directive: number }> {
  const { stdout } = await promisify(execFile)(kubectlPath(), ['__complete', 'netprobe', ...words], { env: { PATH: path, HOME: dir, ...env }, timeout: 30_000 });
  const lines = stdout.trim().split('\n');
  const directive = /^:(\d+)$/.exec(lines.at(-1) ?? '');
  if (!directive) throw new Error(`no directive in kubectl's answer:\n${stdout}`);
  return { candidates: lines.slice(0, -1).map((line) => line.split('\t')[0]), directive: Number(directive[1]) };
}

test('subcommands, then the flags of the one typed', async () => {
  expect(await complete([''])).toEqual({ candidates: ['matrix', 'nodes', 'dns', 'compare', 'cleanup'], directive: 4 });
  expect((await complete(['co'])).candidates).toEqual(['compare']);
  const flags = (await complete(['matrix', '--'])).candidates;
  expect(flags).toEqual(expect.arrayContaining(['--nodes', '--pairs', '--pods', '--output', '--fail-on', '--kubeconfig', '--context', '--version']));
  expect(flags).not.toContain('--max-qps');
  expect((await complete(['dns', '--max'])).candidates).toEqual(['--max-qps']);
});

test('--nodes: the cluster\'s node names, for each item of the list', async () => {
  expect(await complete(['matrix', '--nodes', ''])).toEqual({ candidates: ['lab-1', 'lab-2', 'lab-cp'], directive: 6 });
  expect((await complete(['matrix', '--nodes', 'lab-1,'])).candidates).toEqual(['lab-1,lab-2', 'lab-1,lab-cp']);
  expect((await complete(['nodes', '--nodes=lab-'])).candidates).toEqual(['--nodes=lab-1', '--nodes=lab-2', '--nodes=lab-cp']);
});

test('--pairs: a source node, then a destination', async () => {
  expect((await complete(['matrix', '--pairs', ''])).candidates).toEqual(['lab-1:', 'lab-2:', 'lab-cp:']);
  expect((await complete(['matrix', '--pairs', 'lab-1:'])).candidates).toEqual(['lab-1:lab-2', 'lab-1:lab-cp']);
});

test('--pods: namespace/pod from the cluster', async () => {
  expect((await complete(['matrix', '--pods', 'shop/'])).candidates).toEqual(['shop/db', 'shop/web']);
  expect((await complete(['matrix', '--pods', 'shop/db,'])).candidates).toEqual(['shop/db,shop/web']);
});

test('-o: each command\'s formats', async () => {
  expect((await complete(['matrix', '-o', ''])).candidates).toEqual(['table', 'wide', 'json', 'yaml', 'html', 'junit', 'openmetrics']);
  expect((await complete(['compare', '-o', 'j'])).candidates).toEqual(['json', 'junit']);
  expect((await complete(['nodes', '--output', ''])).candidates).toEqual(['table', 'json', 'yaml', 'junit']);
});

test('the kubeconfig and context typed on the command line, and their contexts', async () => {
  const typed = await complete(['matrix', '--kubeconfig', f.kubeconfig, '--context', 'lab', '--nodes', ''], {});
  expect(typed.candidates).toEqual(['lab-1', 'lab-2', 'lab-cp']);
  expect((await complete(['matrix', '--context', ''])).candidates).toEqual(['lab', 'lab-restricted']);
  // No cluster to ask: no candidates, and no error in the user's command line.
  expect(await complete(['matrix', '--nodes', ''], { KUBECONFIG: join(dir, 'none') })).toEqual({ candidates: [], directive: 4 });
});

test('compare completes file names: the shell\'s own file completion', async () => {
  expect(await complete(['compare', ''])).toEqual({ candidates: [], directive: 0 });
});
