// `npm run lab` end to end: a 10-node lab up within 10 s, the real kubectl against it (get,
// create -f, logs, delete) with pods talking over the real network and DNS, faults from the
// command line, and `down` leaving nothing behind, also after the daemon was SIGKILLed.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dump } from 'js-yaml';
import { describeAsRoot, run } from '../support/netns.ts';
import { kubectlPath } from '../support/kubectl.ts';
import { NODE_BIN_DIR } from './runtime/images.ts';
import { readState, type LabState } from './state.ts';
import { isAlive } from './teardown.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

interface Result { code: number; stdout: string; stderr: string }

/** Runs a command (as `user`, if given) and resolves with its outcome, never rejects. */
function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, user?: number): Promise<Result> {
  if (user !== undefined) [cmd, args] = ['setpriv', [`--reuid=${user}`, `--regid=${user}`, '--clear-groups', cmd, ...args]];
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

/** Everything of a lab that must be gone after `down`. */
function leftovers(state: LabState, dir: string): string[] {
  const namespaces = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${state.prefix}-`));
  const processes = [state.daemonPid, ...state.pids].filter(isAlive).map((p) => `pid ${p}`);
  const files = [dir, state.kubeconfig, ...state.paths, ...state.namespaces.map((ns) => `/etc/netns/${ns}`)].filter((p) => existsSync(p));
  return [...namespaces, ...processes, ...files];
}

describeAsRoot('npm run lab', () => {
  let dir: string;
  let kubeconfig: string;
  let rootTablesBefore: string;
  let state: LabState;
  const lab = (...args: string[]): Promise<Result> => exec(join(NODE_BIN_DIR, 'node'), [CLI, ...args], { NETPROBE_LAB_DIR: dir });
  const kubectl = (...args: string[]): Promise<Result> => exec(kubectlPath(), ['--kubeconfig', kubeconfig, ...args]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nplab-cli-'));
    kubeconfig = join(dir, 'kubeconfig');
    rootTablesBefore = run('nft', ['list', 'tables']);
  });
  afterAll(async () => {
    await lab('down');
    rmSync(dir, { recursive: true, force: true });
  });

  test('up: 10 nodes ready within 10 s; a second up says so, a different size is refused', async () => {
    const started = Date.now();
    const up = await lab('up', '--nodes', '10', '--tainted', '1');
    const seconds = (Date.now() - started) / 1000;
    expect(up).toMatchObject({ code: 0, stdout: expect.stringContaining(`kubeconfig: ${kubeconfig}`) });
    expect(seconds).toBeLessThan(10);
    process.stdout.write(`lab up with 10 nodes took ${seconds.toFixed(2)} s\n`);
    state = readState(dir)!;
    expect(await lab('up', '--nodes', '10', '--tainted', '1')).toMatchObject({ code: 0, stdout: expect.stringContaining('the lab is already up (10 nodes, vxlan)') });
    expect(await lab('up', '--nodes', '3')).toMatchObject({ code: 1, stderr: expect.stringContaining('a lab with 10 nodes (vxlan, 1 tainted) is already up; run `npm run lab -- down` first') });
  });

  test('kubectl get nodes -o wide and get pods -A show the lab', async () => {
    const nodes = await kubectl('get', 'nodes', '-o', 'wide');
    expect(nodes.code).toBe(0);
    expect(nodes.stdout).toMatch(/node1\s+Ready\s+control-plane\s+.*198\.18\.0\.11/);
    expect(nodes.stdout).toMatch(/node10\s+Ready\s+<none>\s+.*198\.18\.0\.20/);
    const pods = await kubectl('get', 'pods', '-A', '-o', 'wide');
    expect(pods.stdout).toMatch(/kube-system\s+kube-dns-0\s+1\/1\s+Running/);
  });

  test('kubectl create -f: a Service with a ConfigMap-scripted backend, reached by name from a pod on another node; logs; delete', async () => {
    const mountPath = `/nplab-cli-${process.pid}-scripts`;
    const manifest = join(dir, 'app.yaml');
    const onNode = (node: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } });
    writeFileSync(manifest, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'greeter' }, data: { 'server.js': "require('http').createServer((q, r) => r.end('hi from ' + process.env.HOSTNAME)).listen(8080, () => console.log('listening'));" } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'greeter', labels: { app: 'greeter' } }, spec: { affinity: onNode('node3'), containers: [{ name: 'main', image: 'node:22-alpine', command: ['node', `${mountPath}/server.js`], volumeMounts: [{ name: 'scripts', mountPath }] }], volumes: [{ name: 'scripts', configMap: { name: 'greeter' } }] } },
      { apiVersion: 'v1', kind: 'Service', metadata: { name: 'greeter' }, spec: { selector: { app: 'greeter' }, ports: [{ port: 80, targetPort: 8080 }] } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'client' }, spec: { restartPolicy: 'Never', affinity: onNode('node2'), containers: [{ name: 'main', image: 'node:22-alpine', command: ['node', '-e', "const go = () => fetch('http://greeter/').then((r) => r.text()).then(console.log, () => setTimeout(go, 200)); go();"] }] } },
    ].map((o) => dump(o)).join('---\n'));
    expect(await kubectl('create', '-f', manifest)).toMatchObject({ code: 0, stderr: '' });
    let phase = '';
    for (let i = 0; i < 100 && phase !== 'Succeeded' && phase !== 'Failed'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      phase = (await kubectl('get', 'pod', 'client', '-o', 'jsonpath={.status.phase}')).stdout;
    }
    expect(phase).toBe('Succeeded');
    expect((await kubectl('logs', 'client')).stdout).toBe('hi from greeter\n');
    expect((await kubectl('logs', 'greeter')).stdout).toBe('listening\n');
    expect(await kubectl('delete', '-f', manifest, '--wait=true')).toMatchObject({ code: 0 });
    // Only the lab's own kube-system pods (DNS, CNI agents) are left.
    expect(readState(dir)!.pods.filter((p) => p.namespace !== 'kube-system')).toEqual([]);
    expect(existsSync(mountPath)).toBe(false);
  });

  test('fault add / status / clear from the command line; bad input is refused', async () => {
    expect(await lab('fault', 'add', '--kind', 'syn-drop', '--from', 'node2', '--to', 'node3', '--percent', '25')).toMatchObject({ code: 0 });
    expect((await lab('status')).stdout).toContain('kind=syn-drop from=node2 to=node3 percent=25');
    expect(await lab('fault', 'add', '--kind', 'blackhole', '--from', 'node2', '--to', 'node42')).toMatchObject({ code: 1, stderr: expect.stringContaining('unknown node "node42"') });
    expect(await lab('fault', 'clear')).toMatchObject({ code: 0 });
    expect((await lab('status')).stdout).toContain('faults (0):');
  });

  test('down after the daemon was SIGKILLed leaves no namespace, process, nftables table or file; down again succeeds', async () => {
    process.kill(state.daemonPid, 'SIGKILL');
    const latest = readState(dir)!;
    expect(await lab('down')).toMatchObject({ code: 0, stdout: `lab ${state.prefix} removed\n` });
    expect(leftovers(latest, dir)).toEqual([]);
    expect(run('nft', ['list', 'tables'])).toBe(rootTablesBefore);
    expect(await lab('down')).toMatchObject({ code: 0, stdout: 'no lab was up\n' });
  });
});

describeAsRoot('npm run lab without root', () => {
  const NOBODY = 65534;
  let dir: string;
  let mountPath: string;
  const lab = (...args: string[]): Promise<Result> => exec(join(NODE_BIN_DIR, 'node'), [CLI, ...args], { NETPROBE_LAB_DIR: dir, HOME: '/tmp' }, NOBODY);
  const kubectl = (...args: string[]): Promise<Result> => exec(kubectlPath(), ['--kubeconfig', join(dir, 'kubeconfig'), ...args]);

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'nplab-rootless-'));
    chownSync(dir, NOBODY, NOBODY);
    mountPath = `${dir}-scripts`;
  });
  afterAll(async () => {
    await lab('down');
    rmSync(dir, { recursive: true, force: true });
  });

  test('comes up with pods as processes on 127.0.0.0/8 that reach each other; faults are refused; down leaves nothing', async () => {
    expect(await lab('up', '--nodes', '2')).toMatchObject({ code: 0, stdout: expect.stringContaining('without root: pods are plain processes on 127.0.0.0/8 addresses') });
    const state = readState(dir)!;
    const manifest = join(dir, 'app.yaml');
    writeFileSync(manifest, [
      { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'srv' }, data: { 'server.js': "require('http').createServer((q, r) => r.end('hi')).listen(8080, process.env.POD_IP, () => console.log('listening on ' + process.env.POD_IP));" } },
      { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'srv' }, spec: { containers: [{ name: 'main', image: 'node:22-alpine', command: ['node', `${mountPath}/server.js`], env: [{ name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }], volumeMounts: [{ name: 's', mountPath }] }], volumes: [{ name: 's', configMap: { name: 'srv' } }] } },
    ].map((o) => dump(o)).join('---\n'));
    expect(await kubectl('create', '-f', manifest)).toMatchObject({ code: 0, stderr: '' });
    let podIP = '';
    for (let i = 0; i < 100 && !(await kubectl('logs', 'srv')).stdout; i++) await new Promise((r) => setTimeout(r, 100));
    podIP = (await kubectl('get', 'pod', 'srv', '-o', 'jsonpath={.status.podIP}')).stdout;
    expect(podIP).toMatch(/^127\.19\.[12]\.\d+$/);
    expect((await kubectl('logs', 'srv')).stdout).toBe(`listening on ${podIP}\n`);
    expect(await kubectl('run', 'client', '--image=node:22-alpine', '--restart=Never', '--', 'node', '-e', `fetch('http://${podIP}:8080').then((r) => r.text()).then(console.log)`)).toMatchObject({ code: 0 });
    let logs = '';
    for (let i = 0; i < 100 && !logs; i++) {
      await new Promise((r) => setTimeout(r, 100));
      logs = (await kubectl('logs', 'client')).stdout;
    }
    expect(logs).toBe('hi\n');
    expect(await lab('fault', 'add', '--kind', 'blackhole', '--from', 'node1', '--to', 'node2')).toMatchObject({ code: 1, stderr: expect.stringContaining('faults need a lab started as root') });
    const latest = readState(dir)!;
    expect(await lab('down')).toMatchObject({ code: 0, stdout: `lab ${state.prefix} removed\n` });
    expect(leftovers(latest, dir)).toEqual([]);
    expect(existsSync(mountPath)).toBe(false);
  });
});
