// A pod on one node reaching a pod on another, over each overlay, with plain sockets from
// processes the lab's runtime started; and the runtime's container semantics.
import { existsSync } from 'node:fs';
import { describeAsRoot, run } from '../support/netns.ts';
import { LabFixture } from './support/lab-fixture.ts';
import { isAlive } from './teardown.ts';

for (const overlay of ['vxlan', 'routed'] as const) {
  describeAsRoot(`lab network (${overlay})`, () => {
    let fx: LabFixture;
    beforeAll(async () => { fx = await LabFixture.create(3, overlay); });
    afterAll(async () => { await fx?.dispose(); });

    test('a pod on node1 reaches a pod on node3 over TCP and UDP', async () => {
      const server = await fx.echoServer(fx.node(3), 'server');
      const client = await fx.pod(fx.node(1), 'client', 'busybox', ['sh', '-c', 'echo up; exec sleep 600']);
      expect(server.podIP).toMatch(/^198\.19\.3\./);
      expect(client.podIP).toMatch(/^198\.19\.1\./);
      // 20 KB: many full-size segments, so the overlay's MTU is right, not just its small packets.
      const tcp = await fx.probe(client.netns, 'tcp', server.podIP, 7000, 20000, 3000);
      expect(tcp).toMatchObject({ ok: true, received: 20000 });
      expect(await fx.probe(client.netns, 'udp', server.podIP, 7001, 5, 1000)).toEqual({ received: 5 });
    });

    test('a hostNetwork pod runs in its node namespace with the node IP', async () => {
      const server = await fx.echoServer(fx.node(2), 'server-host');
      const host = await fx.pod(fx.node(1), 'host', 'busybox', ['sh', '-c', 'echo up; exec sleep 600'], { hostNetwork: true });
      expect(host.podIP).toBe(fx.node(1).internalIP);
      expect(await fx.probe(host.netns, 'tcp', server.podIP, 7000, 100, 3000)).toMatchObject({ ok: true });
    });

    test('the overlay is built as Flannel/Calico build it', () => {
      const routes = run('ip', ['-n', fx.node(1).netns, 'route']);
      if (overlay === 'vxlan') {
        expect(routes).toContain('198.19.2.0/24 via 198.19.2.0 dev flannel.1 onlink');
        const link = run('ip', ['-d', '-n', fx.node(1).netns, 'link', 'show', 'flannel.1']);
        expect(link).toMatch(/mtu 1450/);
        expect(link).toMatch(/vxlan id 1 local 198\.18\.0\.11 dev eth0 .*dstport 8472 nolearning/);
        expect(run('bridge', ['-n', fx.node(1).netns, 'fdb', 'show', 'dev', 'flannel.1'])).toContain('dst 198.18.0.13 self permanent');
      } else {
        expect(routes).toContain('198.19.3.0/24 via 198.18.0.13 dev eth0 proto bird');
        // Calico's node-to-node mesh: an established BGP session (TCP 179) to each of the 2 peers.
        const sessions = run('ss', ['-N', fx.node(1).netns, '-Htn', 'state', 'established', '( sport = :179 or dport = :179 )']);
        expect(sessions.trim().split('\n')).toHaveLength(2);
      }
    });
  });
}

describeAsRoot('lab runtime', () => {
  let fx: LabFixture;
  beforeAll(async () => { fx = await LabFixture.create(1, 'vxlan'); });
  afterAll(async () => { await fx?.dispose(); });

  const waitForExit = async (uid: string): Promise<{ exitCode: number; reason: string }> => {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const exit = fx.exits.find((e) => e.uid === uid);
      if (exit) return exit;
      if (Date.now() > deadline) throw new Error(`${uid} did not exit`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  test('env, args, runAsUser, a read-only ConfigMap volume, resolv.conf, logs and exit code', async () => {
    const mountPath = `/nplab-test-${process.pid}/config`;
    const uid = 'runtime-1';
    const lines: string[] = [];
    await fx.lab.runtime.startPod({
      uid, namespace: 'probes', name: 'p', node: fx.node(1), hostNetwork: false, runAsUser: 1000,
      containers: [{
        name: 'c', image: 'node:18-alpine', args: ['-e', `
          const fs = require('fs');
          console.log('user', process.getuid(), 'who', process.env.WHO, 'ip', process.env.MY_IP, 'node', process.version);
          console.log('file', fs.readFileSync('${mountPath}/greeting', 'utf8'));
          try { fs.writeFileSync('${mountPath}/x', 'no'); } catch (e) { console.log('write', e.code); }
          console.error(fs.readFileSync('/etc/resolv.conf', 'utf8'));
          process.exit(3);`],
        env: { WHO: 'lab' }, podIPEnv: ['MY_IP'], mounts: [{ mountPath, files: { greeting: 'hello' } }],
      }],
    });
    fx.lab.runtime.followLogs(uid, 'c', (chunk) => lines.push(chunk), () => lines.push('<end>'));
    expect(await waitForExit(uid)).toMatchObject({ exitCode: 3, reason: 'Error' });
    const logs = fx.lab.runtime.logs(uid, 'c');
    expect(logs).toMatch(/user 1000 who lab ip 198\.19\.1\.\d+ node v22\./);
    expect(logs).toContain('file hello');
    expect(logs).toMatch(/write (EROFS|EACCES)/);
    expect(logs).toContain('nameserver 198.18.64.10\nsearch probes.svc.cluster.local svc.cluster.local cluster.local\noptions ndots:5');
    expect(lines.join('')).toBe(`${logs}<end>`);
    expect(existsSync(mountPath)).toBe(true);
    await fx.lab.runtime.stopPod(uid);
    expect(existsSync(`/nplab-test-${process.pid}`)).toBe(false);
  });

  test('an unknown image ends the container with a StartError', async () => {
    await fx.lab.runtime.startPod({ uid: 'runtime-2', namespace: 'default', name: 'q', node: fx.node(1), hostNetwork: false, containers: [{ name: 'c', image: 'nginx:1.27', env: {}, mounts: [] }] });
    expect(await waitForExit('runtime-2')).toMatchObject({ exitCode: 128, reason: expect.stringMatching(/^StartError: image "nginx:1.27"/) });
    await fx.lab.runtime.stopPod('runtime-2');
  });

  test('stopPod kills the containers and removes the pod namespace', async () => {
    const pod = await fx.pod(fx.node(1), 'sleeper', 'busybox', ['sh', '-c', 'echo up; exec sleep 600']);
    expect(run('ip', ['netns', 'list'])).toContain(pod.netns);
    await fx.lab.runtime.stopPod(pod.uid);
    expect(run('ip', ['netns', 'list'])).not.toContain(pod.netns);
    expect(await waitForExit(pod.uid)).toMatchObject({ exitCode: 143 });
    await fx.lab.runtime.stopPod(pod.uid);
  });

  test('stopPod also ends what a container started, in a hostNetwork pod too', async () => {
    const pod = await fx.pod(fx.node(1), 'parent', 'busybox', ['sh', '-c', 'sleep 600 & echo $!; wait'], { hostNetwork: true });
    const grandchild = Number(fx.lab.runtime.logs(pod.uid, 'main').trim());
    expect(isAlive(grandchild)).toBe(true);
    await fx.lab.runtime.stopPod(pod.uid);
    expect(isAlive(grandchild)).toBe(false);
  });
});
