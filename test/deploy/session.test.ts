// A run's footprint against the lab's API (its stand-in kube-apiserver, scheduler and kubelets,
// pods as plain processes): each waiter hears only of its own pods; creation under a 429 storm
// slows down and completes; cleanup is a constant number of requests, however many pods.
import { createKubeClient, loadKubeConfig } from '../../src/kube/client-node.ts';
import type { KubeClient } from '../../src/kube/kube-client.ts';
import { runSelector } from '../../src/deploy/labels.ts';
import { PodTracker } from '../../src/deploy/pod-tracker.ts';
import { ProbeSession, type Progress } from '../../src/deploy/session.ts';
import { startFixture, type Fixture } from '../lab/api/fixture.ts';

/** The "agent": a process that stays up a while (the runtime runs the host's node on it). */
const IDLE_AGENT = 'setTimeout(() => {}, 60_000);';

let f: Fixture;
const lines: string[] = [];
const slowdowns: number[] = [];
let client: KubeClient;

beforeAll(async () => {
  f = await startFixture();
  client = createKubeClient(loadKubeConfig({ kubeconfig: f.kubeconfig }), { onSlowdown: (rate) => slowdowns.push(rate) });
});
afterAll(async () => {
  await f?.close();
});

const progress: Progress = { phase: (t) => lines.push(t), status: () => {}, warn: (t) => lines.push(`warning: ${t}`) };

async function openSession(runId: string): Promise<ProbeSession> {
  return ProbeSession.open(client, {
    runId, namespace: `netprobe-${runId}`, ownNamespace: true, namespaceLabels: {}, hostNetwork: false, image: 'node:22-alpine',
    tolerations: [], activeDeadlineSeconds: 120, keep: false,
  }, IDLE_AGENT, progress);
}

const plans = (n: number) => Array.from({ length: n }, (_, i) => ({ node: i % 2 ? 'lab-1' : 'lab-2', plan: { planVersion: 1, node: i % 2 ? 'lab-1' : 'lab-2', index: i } }));

const delta = (before: Record<string, number>, after: Record<string, number>) =>
  Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => (n as number) > 0));

test('a waiter hears only of its own pods, once per change: no pod is looked at again when another changes', async () => {
  const session = await openSession('aa0001');
  const tracker = new PodTracker(client, 'netprobe-aa0001', runSelector('aa0001'));
  await tracker.start();
  try {
    const { tracked } = await session.createPods('prober', 'pod', plans(24), undefined);
    const mine = new Set(tracked.slice(0, 8).map((p) => p.name));
    const heard: string[] = [];
    const stop = tracker.follow(mine, (name) => heard.push(name));
    const verdicts = await session.waitFor(tracked, 'running', 30_000, new AbortController().signal);
    stop();
    expect([...verdicts.values()].filter((v) => v.state === 'running')).toHaveLength(24);
    expect(heard.every((name) => mine.has(name))).toBe(true);
    expect(new Set(heard)).toEqual(mine);
    // A pod changes a few times on its way to Running (scheduled, started, its IP); re-checking
    // every pod on every event would have made this 24 × as many.
    expect(heard.length).toBeLessThanOrEqual(8 * 6);
  } finally {
    tracker.stop();
    await session.close();
  }
}, 60_000);

test('a 429 storm while pods are created: the client slows down, waits as told, and every pod is created', async () => {
  const before = f.api.requestCounts();
  slowdowns.length = 0;
  const session = await openSession('aa0002');
  try {
    f.api.injectErrors({ code: 429, count: 60, verb: 'create', resource: 'pods', retryAfterSeconds: 1 });
    const throttledBefore = client.requestStats().throttled;
    const started = Date.now();
    const { tracked } = await session.createPods('responder', 'pod', plans(40), undefined);
    expect(tracked).toHaveLength(40);
    expect((await client.listPods('netprobe-aa0002', runSelector('aa0002'))).items).toHaveLength(40);
    expect(client.requestStats().throttled - throttledBefore).toBe(60);
    // Slower: the rate halved at least once, and every request waited out the Retry-After.
    expect(slowdowns.length).toBeGreaterThan(0);
    expect(Math.min(...slowdowns)).toBeLessThan(50);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  } finally {
    f.api.clearErrors();
    await session.close();
  }
  const requests = delta(before, f.api.requestCounts());
  expect(requests['create pods']).toBe(100);
}, 120_000);

test('cleanup deletes the run\'s pods in one request, whatever their number', async () => {
  const session = await openSession('aa0003');
  await session.createPods('prober', 'pod', plans(30), undefined);
  const before = f.api.requestCounts();
  await session.close();
  const requests = delta(before, f.api.requestCounts());
  expect(requests['deletecollection pods']).toBe(1);
  expect(requests['delete pods']).toBeUndefined();
  expect((await client.listPods('netprobe-aa0003', runSelector('aa0003'))).items.filter((p) => !p.metadata?.deletionTimestamp)).toEqual([]);
}, 60_000);
