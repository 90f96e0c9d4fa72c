// The agent as a user's pod runs it: exit codes, messages, the bundle on older
// Node versions as non-root with a read-only root filesystem.
import { execFileSync } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmodSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent } from '../../scripts/build.ts';
import { cachedArtefact, hostTarget, nodeBinary, OLDER_NODE_VERSIONS } from '../../scripts/npm-artefacts.ts';
import { readDocuments } from '../../src/collect/documents.ts';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import type { AgentPlan } from '../../src/shared/plan.ts';
import { runAgent, seriesOf } from '../support/agent-process.ts';
import { describeAsRoot } from '../support/netns.ts';

let nextPort = 19000 + (process.pid % 1000) * 10;
const freshPorts = () => ({ tcpPort: nextPort++, udpPort: nextPort++ });

function loopbackPlan(overrides: Partial<AgentPlan> = {}): AgentPlan {
  const ports = freshPorts();
  return {
    planVersion: 1, runToken: 'proc-test', node: 'self', listen: { host: '127.0.0.1', ...ports },
    protocols: ['tcp', 'udp'], durationMs: 1500, ratePerSecond: 10, tcpTimeoutMs: 1000, udpTimeoutMs: 500, tcpPayloadBytes: 4096,
    peers: [{ node: 'self', ip: '127.0.0.1', ...ports, path: 'pod' }], serveMs: 2500, ...overrides,
  };
}

describe('agent process', () => {
  test('probes itself on loopback: the final JSON document on stdout (twice, against a log rotation), progress on stderr, exit 0', async () => {
    const exit = await runAgent(loopbackPlan());
    expect(exit.code).toBe(0);
    const lines = exit.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe(lines[0]);
    expect(exit.result!.final).toBe(true);
    expect(exit.stderr).toMatch(/netprobe-agent\[self\]: probing 1 peer/);
    const tcp = seriesOf(exit.result!, 'tcp', 'self');
    expect(tcp.attempts).toBeGreaterThan(8);
    expect(tcp.successes).toBe(tcp.attempts);
    expect(tcp.tcp!.synRetransmits).toBe(0);
    expect(exit.result!.served!.tcpAccepted).toBe(tcp.attempts);
    expect(exit.result!.self.maxRssBytes).toBeGreaterThan(0);
  });

  test('with windows, a cumulative result at each window\'s end, the last one final', async () => {
    const exit = await runAgent(loopbackPlan({ durationMs: 3000, windowMs: 1000, serveMs: 4000 }));
    const docs = exit.stdout.trim().split('\n').map((line) => JSON.parse(line));
    expect(docs.length).toBeGreaterThanOrEqual(4);
    expect(docs.map((d) => d.final)).toEqual([...new Array(docs.length - 2).fill(false), true, true]);
    const udp = seriesOf(exit.result ?? docs.at(-1), 'udp', 'self');
    expect(udp.windows!.attempts).toHaveLength(3);
    expect(udp.windows!.attempts.reduce((a: number, b: number) => a + b, 0)).toBe(udp.attempts);
    expect(udp.windows!.failures).toEqual([0, 0, 0]);
    // Cumulative: each interim document holds at least what the one before did.
    const attemptsOf = (d: { series: { attempts: number }[] }) => d.series.reduce((n, s) => n + s.attempts, 0);
    for (let i = 1; i < docs.length; i++) expect(attemptsOf(docs[i])).toBeGreaterThanOrEqual(attemptsOf(docs[i - 1]));
  });

  test('with a confirmation plan of 0 ms every series says when the rule decided it, and none is confirmed', async () => {
    // At a 50 % threshold a clean series clears within its first few probes.
    const confirm = { maxMs: 0, ratePerSecond: 10, maxProbesPerSecond: 10, maxProbesPerSeries: 10, rule: { threshold: 0.5, flagAt: 20, clearAt: 4 } };
    const exit = await runAgent(loopbackPlan({ confirm }));
    for (const s of exit.result!.series) {
      expect(s.decidedAfterMs).toBeGreaterThan(0);
      expect(s.decidedAfterMs).toBeLessThan(1500);
      expect(s.confirmation).toBeUndefined();
    }
    expect(exit.stderr).not.toContain('confirming');
    // Without a plan: not judged.
    expect(seriesOf((await runAgent(loopbackPlan())).result!, 'tcp', 'self').decidedAfterMs).toBeUndefined();
  });

  test('a responder without a host answers both families; IPv6 series say so', async () => {
    const ports = freshPorts();
    const plan = loopbackPlan({ listen: ports, peers: [{ node: 'v4', ip: '127.0.0.1', ...ports, path: 'pod' }, { node: 'v6', ip: '::1', ...ports, path: 'pod' }] });
    const exit = await runAgent(plan);
    expect(exit.code).toBe(0);
    for (const [node, family, target] of [['v4', undefined, `127.0.0.1:${ports.tcpPort}`], ['v6', 'ipv6', `[::1]:${ports.tcpPort}`]]) {
      const tcp = seriesOf(exit.result!, 'tcp', node!);
      expect([tcp.family, tcp.target]).toEqual([family, target]);
      expect(tcp.successes).toBe(tcp.attempts);
      const udp = seriesOf(exit.result!, 'udp', node!);
      expect(udp.successes).toBe(udp.attempts);
    }
  });

  test('a refused port is data, not a failure: outcome "refused", exit 0', async () => {
    const closed = freshPorts();
    const exit = await runAgent(loopbackPlan({ listen: undefined, serveMs: undefined, protocols: ['tcp'], peers: [{ node: 'gone', ip: '127.0.0.1', ...closed, path: 'pod' }] }));
    expect(exit.code).toBe(0);
    const tcp = seriesOf(exit.result!, 'tcp', 'gone');
    expect(tcp.outcomes).toEqual({ refused: tcp.attempts });
  });

  test('a port already in use is the agent\'s own failure: exit 2 with a message naming it', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as { port: number }).port;
    try {
      const exit = await runAgent(loopbackPlan({ listen: { host: '127.0.0.1', tcpPort: port, udpPort: freshPorts().udpPort } }));
      expect(exit.code).toBe(2);
      expect(exit.stdout).toBe('');
      expect(exit.stderr).toContain(`TCP port ${port} on 127.0.0.1 is already in use`);
    } finally {
      blocker.close();
    }
  });

  test('a bad plan exits 2 and says what is wrong', async () => {
    const exit = await runAgent('{"planVersion":1,"runToken":"x","node":"n","protocols":["tcp"],"durationMs":"soon"}');
    expect(exit.code).toBe(2);
    expect(exit.stderr).toContain('durationMs must be a number > 0, got "soon"');
  });

  test('the UDP echo answers only datagrams that carry the run token', async () => {
    const plan = loopbackPlan({ protocols: ['udp'], peers: [], serveMs: 1500 });
    let serving!: () => void;
    const listening = new Promise<void>((resolve) => (serving = resolve));
    const running = runAgent(plan, { onStderr: (text) => text.includes('serving') && serving() });
    await listening;
    const socket = createSocket('udp4');
    const answers: string[] = [];
    socket.on('message', (m) => answers.push(m.toString()));
    for (const text of ['wrong-token 1', 'proc-test 2']) socket.send(text, plan.listen!.udpPort, '127.0.0.1');
    const exit = await running;
    socket.close();
    // The echo adds how many of this socket's datagrams the responder has received.
    expect(answers).toEqual(['proc-test 2 1']);
    expect(exit.result!.served).toMatchObject({ udpEchoed: 1, udpIgnored: 1 });
  });

  test('SIGTERM ends the run early and still reports what was measured', async () => {
    const started = Date.now();
    // Time to start (and measure its latency floor), then a second of probing at 10/s.
    const exit = await runAgent(loopbackPlan({ durationMs: 60_000, serveMs: undefined }), { terminateAfterMs: 2500 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(exit.code).toBe(0);
    expect(exit.stderr).toContain('SIGTERM: stopping');
    expect(seriesOf(exit.result!, 'udp', 'self').attempts).toBeGreaterThan(5);
  });
});

describeAsRoot('agent bundle', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bundle-'));
  let bundle: string;
  beforeAll(async () => {
    bundle = await buildAgent(join(dir, 'agent.cjs'));
    chmodSync(dir, 0o755);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // The Node versions the README promises (18 and later), from the npm registry by the set-up
  // step (scripts/npm-artefacts.ts): a user's --image may carry any of them.
  const runtimes = [[process.versions.node, process.execPath], ...OLDER_NODE_VERSIONS.map((version) => [version, join(cachedArtefact(nodeBinary(hostTarget(), version)), 'node')])];

  test.each(runtimes)(
    'runs alone (no node_modules) under Node %s as uid 65534 with a read-only root filesystem',
    async (version, node) => {
      expect(execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()).toBe(`v${version}`);
      // A private mount namespace whose root is remounted read-only, as readOnlyRootFilesystem does.
      const script = `mount --make-rprivate / && mount -o remount,bind,ro / && exec setpriv --reuid=65534 --regid=65534 --clear-groups "$@"`;
      const plan = loopbackPlan();
      const out = execFileSync('unshare', ['--mount', 'sh', '-c', script, 'sh', node, bundle, '--plan', JSON.stringify(plan)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      const result = readDocuments(out).complete.at(-1) as unknown as AgentResult;
      expect(seriesOf(result, 'tcp', 'self').successes).toBeGreaterThan(8);
      expect(seriesOf(result, 'udp', 'self').successes).toBeGreaterThan(8);
    },
  );

  test('fits in a ConfigMap with room to spare', () => {
    expect(statSync(bundle).size).toBeLessThan(256 * 1024);
  });
});
