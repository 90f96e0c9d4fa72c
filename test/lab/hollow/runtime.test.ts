// The hollow runtime below the kubelet: what each kind of container does when no process runs.
// The agent's plan is read by the agent's own reader, from the container's arguments,
// environment or mounted files; other images stay up or fail to start as in the real lab.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findDocument, parseAgentResult } from '../../../src/collect/parse-agent-result.ts';
import type { AgentResult } from '../../../src/shared/agent-result.ts';
import { PROBE_DEFAULTS } from '../../../src/shared/plan.ts';
import { AGENT_RESULT_KIND } from '../../../src/shared/agent-result.ts';
import type { ContainerExit, ContainerSpec } from '../contracts.ts';
import { FaultBook } from './faults.ts';
import { hollowNodes } from './lab.ts';
import { HollowNetwork } from './network.ts';
import { NetworkModel } from './network-model.ts';
import { HollowRuntime } from './runtime.ts';

/** Stands in for the agent bundle: what the runtime recognises the agent by is its result kind. */
const AGENT_FILE = `/* netprobe agent */ const kind = "${AGENT_RESULT_KIND}";`;

describe('the hollow runtime', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hollow-runtime-'));
  const nodes = hollowNodes(4, 0);
  const network = new HollowNetwork(nodes);
  const runtime = new HollowRuntime({ network, model: new NetworkModel(1), faults: new FaultBook(dir), seed: 1, fixedSeed: true, dir });
  const exits: ContainerExit[] = [];
  runtime.onContainerExit((e) => exits.push(e));
  let pods = 0;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const plan = (extra: object = {}) => JSON.stringify({ planVersion: 1, runToken: 'tok', node: 'node1', protocols: ['tcp', 'udp'], durationMs: 400, ratePerSecond: 10, ...PROBE_DEFAULTS, peers: [], ...extra });
  const agentContainer = (extra: Partial<ContainerSpec> = {}): ContainerSpec => ({
    name: 'agent', image: 'node:22-alpine', command: ['node', '/netprobe/agent.cjs'], env: {},
    mounts: [{ mountPath: '/netprobe', files: { 'agent.cjs': AGENT_FILE } }], ...extra,
  });
  async function run(container: ContainerSpec, options: { hostNetwork?: boolean; node?: number } = {}): Promise<{ uid: string; ip: string; exit: () => Promise<ContainerExit> }> {
    const uid = `pod-${++pods}`;
    const running = await runtime.startPod({ uid, namespace: 'default', name: uid, node: nodes[(options.node ?? 1) - 1], hostNetwork: options.hostNetwork ?? false, containers: [container] });
    const exit = async () => {
      for (let waited = 0; waited < 20_000; waited += 20) {
        const found = exits.find((e) => e.uid === uid);
        if (found) return found;
        await new Promise((r) => setTimeout(r, 20));
      }
      throw new Error(`${uid} did not exit`);
    };
    return { uid, ip: running.podIP, exit };
  }

  test('pods get addresses from their node\'s hollow block; host-network pods the node\'s', async () => {
    const a = await run({ name: 'c', image: 'busybox', command: ['sleep', '3600'], env: {}, mounts: [] }, { node: 2 });
    const b = await run({ name: 'c', image: 'busybox', command: ['sleep', '3600'], env: {}, mounts: [] }, { node: 2, hostNetwork: true });
    expect(nodes[1].podCIDR).toBe('198.19.1.0/24');
    expect(a.ip).toBe('198.19.1.2');
    expect(b.ip).toBe(nodes[1].internalIP);
    await runtime.stopPod(a.uid);
    await runtime.stopPod(b.uid);
  });

  test('an agent reads its plan from NETPROBE_PLAN, prints the result when the real one would, and exits 0', async () => {
    const started = Date.now();
    const { uid, exit } = await run(agentContainer({ env: { NETPROBE_PLAN: plan({ listen: { tcpPort: 7400, udpPort: 7401 }, serveMs: 600 }) } }));
    // The kubelet's readiness probe (a TCP connect) passes once it listens, and only on its port.
    await new Promise((r) => setTimeout(r, 250));
    expect([await runtime.probeTcp(uid, 7400), await runtime.probeTcp(uid, 7402)]).toEqual([true, false]);
    expect(await exit()).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(await runtime.probeTcp(uid, 7400)).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    const log = runtime.logs(uid, 'agent');
    expect(log).toContain('netprobe-agent[node1]: serving tcp :7400 udp :7401');
    const result = parseAgentResult(log, uid, { node: 'node1', runToken: 'tok' });
    expect(result.served).toEqual({ tcpAccepted: 0, udpEchoed: 0, udpIgnored: 0 });
  });

  test('probers find the responders on their addresses: a probe to an address nobody has is unreachable', async () => {
    const responder = await run(agentContainer({ env: { NETPROBE_PLAN: plan({ node: 'node3', listen: { tcpPort: 7400, udpPort: 7401 }, serveMs: 3000 }) } }), { node: 3 });
    const peers = [{ node: 'node3', ip: responder.ip, tcpPort: 7400, udpPort: 7401 }, { node: 'node4', ip: '198.19.3.77', tcpPort: 7400, udpPort: 7401 }];
    const prober = await run(agentContainer({ args: ['--plan', plan({ peers, protocols: ['tcp'] })] }));
    await prober.exit();
    const result = parseAgentResult(runtime.logs(prober.uid, 'agent'), prober.uid, { node: 'node1', runToken: 'tok' });
    expect(result.series.map((s) => [s.destination, s.outcomes])).toEqual([['node3', { ok: expect.any(Number) }], ['node4', { unreachable: expect.any(Number) }]]);
    await responder.exit();
    const served = parseAgentResult(runtime.logs(responder.uid, 'agent'), responder.uid, { node: 'node3', runToken: 'tok' }).served;
    expect(served!.tcpAccepted).toBe(result.series[0].successes);
  });

  test('a plan from a mounted file (--plan-file) goes through the agent\'s reader too, and a window prints interim results', async () => {
    const { uid, exit } = await run(agentContainer({
      args: ['--plan-file', '/netprobe-plan/plan.json'],
      mounts: [{ mountPath: '/netprobe', files: { 'agent.cjs': AGENT_FILE } }, { mountPath: '/netprobe-plan', files: { 'plan.json': plan({ durationMs: 1000, windowMs: 500, protocols: ['tcp'], peers: [{ node: 'node2', ip: nodes[1].internalIP, tcpPort: 22, udpPort: 7401 }] }) } }],
    }));
    expect((await exit()).exitCode).toBe(0);
    const documents = runtime.logs(uid, 'agent').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as AgentResult);
    // Window ends at 0.5 and 1 s, while the loops still run (they close at the first tick past 1 s);
    // the final result twice, as the agent writes it (src/agent/output.ts).
    expect(documents.map((d) => d.final)).toEqual([false, false, true, true]);
    expect(documents.map((d) => d.series[0].windows!.attempts.length)).toEqual([1, 2, 2, 2]);
    expect(findDocument(runtime.logs(uid, 'agent'))).toMatchObject({ final: true });
  });

  test('what the real agent refuses it refuses as the real one does: a bad plan and other modes exit 2 saying why', async () => {
    const bad = await run(agentContainer({ env: { NETPROBE_PLAN: plan({ durationMs: -1 }) } }));
    expect(await bad.exit()).toMatchObject({ exitCode: 2 });
    expect(runtime.logs(bad.uid, 'agent')).toContain('netprobe-agent: durationMs must be a number > 0, got -1');
    const none = await run(agentContainer());
    expect(await none.exit()).toMatchObject({ exitCode: 2 });
    expect(runtime.logs(none.uid, 'agent')).toContain('no plan: pass --plan-file PATH, --plan JSON or NETPROBE_PLAN');
    const inspect = await run(agentContainer({ env: { NETPROBE_PLAN: JSON.stringify({ mode: 'inspect', planVersion: 1, node: 'node1' }) } }));
    expect(await inspect.exit()).toMatchObject({ exitCode: 2 });
    expect(runtime.logs(inspect.uid, 'agent')).toContain('the hollow lab simulates only the agent\'s probe mode (kubectl netprobe matrix), not "inspect"');
  });

  test('other containers stay up saying they run nothing until stopped; unknown images fail to start', async () => {
    const shell = await run({ name: 'c', image: 'busybox', command: ['sh', '-c', 'echo hi'], env: {}, mounts: [] });
    await new Promise((r) => setTimeout(r, 50));
    expect(exits.some((e) => e.uid === shell.uid)).toBe(false);
    expect(runtime.logs(shell.uid, 'c')).toContain('runs no process here');
    await runtime.stopPod(shell.uid);
    expect(await shell.exit()).toMatchObject({ exitCode: 143 });
    const unknown = await run({ name: 'c', image: 'example.com/app:1', env: {}, mounts: [] });
    expect(await unknown.exit()).toMatchObject({ exitCode: 128, reason: expect.stringMatching(/^StartError: image "example.com\/app:1" has no local runtime/) });
  });

  test('a stopped agent reports what it measured and exits 0, as on SIGTERM', async () => {
    const { uid, exit } = await run(agentContainer({ env: { NETPROBE_PLAN: plan({ durationMs: 60_000, peers: [{ node: 'node2', ip: nodes[1].internalIP, tcpPort: 22, udpPort: 7401 }] }) } }));
    await new Promise((r) => setTimeout(r, 700));
    await runtime.stopPod(uid);
    expect(await exit()).toMatchObject({ exitCode: 0 });
    const log = runtime.logs(uid, 'agent');
    expect(log).toContain('SIGTERM: stopping, reporting what was measured');
    const result = parseAgentResult(log, uid, { node: 'node1', runToken: 'tok' });
    // A host that does not listen on the port answers with a reset.
    expect(result.series[0].outcomes.refused).toBeGreaterThan(2);
    expect(result.series[0].attempts).toBeLessThan(20);
  });
});
