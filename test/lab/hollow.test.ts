// `npm run lab -- up --hollow` as a user meets it, without root: hundreds of simulated nodes
// that the real kubectl lists, pods that go through their whole life (scheduled, Running with
// an IP, logs, Succeeded, a deadline, deletion, garbage collection), and faults kept in a file.
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import { agentCode } from '../../src/deploy/agent-code.ts';
import { parseAgentResult } from '../../src/collect/parse-agent-result.ts';
import { PROBE_DEFAULTS } from '../../src/shared/plan.ts';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import { exec, LabSession } from '../support/lab-session.ts';
import { IS_ROOT } from '../support/netns.ts';
import { hollowPodCIDR, ipToInt, SERVICE_CIDR } from './addresses.ts';
import { readState } from './state.ts';
import { isAlive } from './teardown.ts';

type Any = Record<string, any>;
const NODES = 300;

const inCidr = (ip: string, cidr: string): boolean => {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipToInt(ip) / size) === Math.floor(ipToInt(base) / size);
};

describe('a hollow lab (no root, no processes)', () => {
  const lab = new LabSession();
  const files = mkdtempSync(join(tmpdir(), 'hollow-test-'));
  const kubectlJson = async (...args: string[]): Promise<Any> => {
    const r = await lab.kubectl(...args, '-o', 'json');
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Any;
  };
  const kubectlOk = async (...args: string[]): Promise<string> => {
    const r = await lab.kubectl(...args);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };
  const create = (name: string, ...objects: object[]) => {
    const file = join(files, `${name}.yaml`);
    writeFileSync(file, objects.map((o) => dump(o)).join('---\n'));
    return kubectlOk('create', '-f', file);
  };

  beforeAll(async () => {
    const started = Date.now();
    await lab.up('--nodes', String(NODES), '--hollow', '--seed', '42');
    process.stdout.write(`hollow lab up with ${NODES} nodes took ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  }, 120_000);
  afterAll(async () => {
    await lab.down();
    rmSync(files, { recursive: true, force: true });
  }, 60_000);

  test(`kubectl lists ${NODES} Ready nodes: hollow addresses, zones, a kernel, capacity; status says it is a simulation`, async () => {
    const nodes = (await kubectlJson('get', 'nodes')).items as Any[];
    expect(nodes).toHaveLength(NODES);
    const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
    for (let i = 1; i <= NODES; i++) {
      const n = byName.get(`node${i}`)!;
      const ip = n.status.addresses.find((a: Any) => a.type === 'InternalIP').address;
      expect([inCidr(ip, '198.18.0.0/15'), inCidr(ip, SERVICE_CIDR)]).toEqual([true, false]);
      expect(n.spec.podCIDR).toBe(hollowPodCIDR(i, NODES));
      expect(n.metadata.labels).toMatchObject({
        'topology.kubernetes.io/zone': i % 2 ? 'zone-a' : 'zone-b', 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64', 'kubernetes.io/hostname': `node${i}`,
      });
      expect(n.status.conditions.find((c: Any) => c.type === 'Ready').status).toBe('True');
      expect(n.status.capacity.pods).toBe('110');
      expect(n.status.nodeInfo).toMatchObject({ kernelVersion: expect.stringMatching(/^\d+\.\d+/), containerRuntimeVersion: 'hollow://netprobe-lab-simulation', kubeletVersion: expect.stringMatching(/-hollow$/) });
    }
    expect(new Set(nodes.map((n) => n.status.addresses[0].address)).size).toBe(NODES);
    const wide = await kubectlOk('get', 'nodes', '-o', 'wide');
    expect(wide).toMatch(/node300\s+Ready\s+<none>\s+\S+\s+v1\.32\.0-hollow\s+198\.18\.1\.54\s/);
    // The cluster DNS (ceil(300 / 16) replicas) and a CNI agent per node run from the start.
    const system = (await kubectlJson('get', 'pods', '-n', 'kube-system')).items as Any[];
    expect(system.filter((p) => p.metadata.name.startsWith('kube-dns-') && p.status.phase === 'Running')).toHaveLength(19);
    expect(system.filter((p) => p.metadata.name.startsWith('kube-flannel-ds-') && p.status.phase === 'Running')).toHaveLength(NODES);
    const status = await lab.lab('status');
    expect(status.stdout).toContain(`${NODES} hollow nodes, daemon running`);
    expect(status.stdout).toContain('hollow: a simulation of the control plane and the network');
    expect(status.stdout).toContain('seed 42 (fixed: every run draws the same)');
    expect(status.stdout).toContain('control plane: scheduler 100 pods/s, 100 requests/s per client (burst 200), then 429, 5 ms per request');
  });

  test('a pod\'s life through kubectl: scheduled, Running with an IP, logs, Succeeded; a deadline; deletion; garbage collection', async () => {
    const agentFile = join(files, 'agent.cjs');
    writeFileSync(agentFile, await agentCode());
    await kubectlOk('create', 'configmap', 'agent', `--from-file=agent.cjs=${agentFile}`);
    const owner = (await kubectlJson('get', 'configmap', 'agent')).metadata;
    const agentPod = (name: string, node: string, plan: object) => ({
      apiVersion: 'v1', kind: 'Pod',
      metadata: { name, ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'agent', uid: owner.uid }] },
      spec: {
        restartPolicy: 'Never', nodeSelector: { 'kubernetes.io/hostname': node },
        containers: [{ name: 'agent', image: 'node:22-alpine', command: ['node', '/netprobe/agent.cjs'], env: [{ name: 'NETPROBE_PLAN', value: JSON.stringify(plan) }], volumeMounts: [{ name: 'agent', mountPath: '/netprobe' }] }],
        volumes: [{ name: 'agent', configMap: { name: 'agent' } }],
      },
    });
    const plan = { planVersion: 1, runToken: 'life', protocols: ['tcp', 'udp'], ratePerSecond: 5, ...PROBE_DEFAULTS };
    await create('responder', agentPod('responder', 'node7', { ...plan, node: 'node7', durationMs: 3000, listen: { tcpPort: 7400, udpPort: 7401 }, serveMs: 8000, peers: [] }));
    await kubectlOk('wait', '--for=condition=Ready', 'pod/responder', '--timeout=30s');
    const responder = await kubectlJson('get', 'pod', 'responder');
    expect(responder.spec.nodeName).toBe('node7');
    expect(inCidr(responder.status.podIP, hollowPodCIDR(7, NODES))).toBe(true);

    const peers = [{ node: 'node7', ip: responder.status.podIP, tcpPort: 7400, udpPort: 7401, path: 'pod' }];
    await create('prober', agentPod('prober', 'node8', { ...plan, node: 'node8', durationMs: 3000, windowMs: 1000, peers }));
    await kubectlOk('wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/prober', '--timeout=60s');
    const log = await kubectlOk('logs', 'prober');
    const documents = log.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as AgentResult);
    expect(documents.map((d) => d.final)).toEqual([false, false, false, true, true]);
    const result = parseAgentResult(log, 'pod prober', { node: 'node8', runToken: 'life' });
    expect(result.series.map((s) => [s.protocol, s.destination, s.attempts > 10, s.successes === s.attempts])).toEqual([['tcp', 'node7', true, true], ['udp', 'node7', true, true]]);
    expect(log).toMatch(/^netprobe-agent\[node8\]: probing 1 peer\(s\), tcp\/udp at 5\/s for 3s \(2 series\)$/m);

    await kubectlOk('wait', '--for=jsonpath={.status.phase}=Succeeded', 'pod/responder', '--timeout=60s');
    const served = parseAgentResult(await kubectlOk('logs', 'responder'), 'pod responder', { node: 'node7', runToken: 'life' }).served!;
    expect(served).toEqual({ tcpAccepted: result.series[0].successes, udpEchoed: result.series[1].successes, udpIgnored: 0 });

    await create('sleeper', {
      apiVersion: 'v1', kind: 'Pod', metadata: { name: 'sleeper', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'agent', uid: owner.uid }] },
      spec: { restartPolicy: 'Never', activeDeadlineSeconds: 2, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] },
    });
    await kubectlOk('wait', '--for=jsonpath={.status.reason}=DeadlineExceeded', 'pod/sleeper', '--timeout=30s');
    expect((await kubectlJson('get', 'pod', 'sleeper')).status.phase).toBe('Failed');
    expect(await kubectlOk('logs', 'sleeper')).toContain('runs no process here');

    await kubectlOk('delete', 'pod', 'prober', '--wait=true');
    expect((await lab.kubectl('get', 'pod', 'prober')).stderr).toContain('pods "prober" not found');
    // The owner goes: its dependents go with it.
    await kubectlOk('delete', 'configmap', 'agent');
    await kubectlOk('wait', '--for=delete', 'pod/responder', 'pod/sleeper', '--timeout=30s');
  });

  test('faults from the command line: kept in the lab\'s directory, listed by status, refused when the hollow lab cannot simulate them', async () => {
    const state = readState(join(lab.dir, 'state'))!;
    expect(await lab.lab('fault', 'add', '--kind', 'udp-loss', '--from', '*', '--to', 'node9', '--percent', '30')).toMatchObject({ code: 0, stdout: expect.stringContaining('fault added: kind=udp-loss from=* to=node9 percent=30') });
    expect(await lab.lab('fault', 'add', '--kind', 'mtu', '--from', 'node2')).toMatchObject({ code: 1, stderr: expect.stringContaining('the hollow lab simulates the fault kinds syn-drop, udp-loss, dns-drop, blackhole, slow; "mtu" needs the real lab') });
    expect(await lab.lab('fault', 'add', '--kind', 'syn-drop', '--from', 'node1', '--to', `node${NODES + 1}`)).toMatchObject({ code: 1, stderr: expect.stringContaining(`unknown node "node${NODES + 1}"; the lab's nodes are node1 … node${NODES}, or '*'`) });
    expect((await lab.lab('status')).stdout).toMatch(/faults \(1\):\n {2}kind=udp-loss from=\* to=node9 percent=30 since=/);
    expect(JSON.parse(readFileSync(join(lab.dir, 'state', 'hollow-faults.json'), 'utf8'))).toHaveLength(1);
    expect(await lab.lab('fault', 'clear')).toMatchObject({ code: 0 });
    expect((await lab.lab('status')).stdout).toContain('faults (0):');
    expect(isAlive(state.daemonPid)).toBe(true);
  });

  test('down removes it all', async () => {
    const state = readState(join(lab.dir, 'state'))!;
    expect(await lab.lab('down')).toMatchObject({ code: 0, stdout: `lab ${state.prefix} removed\n` });
    expect([isAlive(state.daemonPid), existsSync(join(lab.dir, 'state')), existsSync(lab.kubeconfig)]).toEqual([false, false, false]);
    expect(await lab.lab('status')).toMatchObject({ stdout: 'no lab is up\n' });
  });
});

test('a hollow lab needs no root: as an ordinary user it comes up, takes faults and goes', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'hollow-user-'));
  chmodSync(dir, 0o777);
  // As root, drop to nobody; without root the test already runs as an ordinary user.
  const asUser = (args: string[]) => exec(IS_ROOT ? 'setpriv' : process.execPath, [...(IS_ROOT ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath] : []), fileURLToPath(new URL('./cli.ts', import.meta.url)), ...args], { NETPROBE_LAB_DIR: join(dir, 'state'), HOME: dir });
  try {
    expect(await asUser(['up', '--nodes', '20', '--hollow', '--kubeconfig', join(dir, 'kubeconfig')])).toMatchObject({ code: 0, stdout: expect.stringContaining('lab up: 20 hollow nodes') });
    expect(await asUser(['fault', 'add', '--kind', 'blackhole', '--from', 'node1', '--to', 'node2'])).toMatchObject({ code: 0 });
    expect((await asUser(['status'])).stdout).toContain('kind=blackhole from=node1 to=node2');
    expect(await asUser(['down'])).toMatchObject({ code: 0, stdout: expect.stringMatching(/^lab hollow-\w+ removed\n$/) });
  } finally {
    await asUser(['down']);
    rmSync(dir, { recursive: true, force: true });
  }
});
