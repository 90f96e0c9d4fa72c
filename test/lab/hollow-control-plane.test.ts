// The control plane's costs as a client sees them, on a hollow lab with a small budget: past its
// share a client is answered 429 with Retry-After (growing while the overload lasts, as API
// Priority and Fairness does), the scheduler binds at its rate and no faster, and the plugin's
// retries still carry a whole matrix run through.
import { readFileSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { dump, load } from 'js-yaml';
import type { MatrixReport } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';

type Any = Record<string, any>;
const NODES = 20;
const SCHEDULER_QPS = 10;
const API_QPS = 10;
const API_BURST = 10;

interface Answer { code: number; retryAfter?: string; body: Any }

/** Sends `count` GETs at once as the kubeconfig's user, each on its own connection, and collects the answers. */
async function burst(kubeconfig: string, path: string, count: number): Promise<Answer[]> {
  const kc = load(readFileSync(kubeconfig, 'utf8')) as Any;
  const context = kc.contexts.find((c: Any) => c.name === kc['current-context']).context;
  const cluster = kc.clusters.find((c: Any) => c.name === context.cluster).cluster;
  const user = kc.users.find((u: Any) => u.name === context.user).user;
  const url = new URL(cluster.server);
  const agent = new Agent({ ca: Buffer.from(cluster['certificate-authority-data'], 'base64'), maxSockets: count });
  try {
    return await Promise.all(Array.from({ length: count }, () => new Promise<Answer>((resolve, reject) => {
      request({ host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${user.token}` } }, (res) => {
        let text = '';
        res.on('data', (c) => (text += c));
        res.on('end', () => resolve({ code: res.statusCode!, retryAfter: res.headers['retry-after'] as string | undefined, body: JSON.parse(text) }));
      }).on('error', reject).end();
    })));
  } finally {
    agent.destroy();
  }
}

describe('a hollow lab\'s control plane under a small budget', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', String(NODES), '--hollow', '--scheduler-qps', String(SCHEDULER_QPS), '--api-qps', String(API_QPS), '--api-burst', String(API_BURST)), 60_000);
  afterAll(() => lab.down(), 60_000);
  // Each test starts with a fresh budget (setting the costs again forgets what clients had used).
  beforeEach(() => lab.labApi('/lab/v1/costs', { clientQps: API_QPS }, 'PUT'));

  test('a client past its budget is answered 429 with Retry-After, which grows while it keeps pushing', async () => {
    const first = await burst(lab.kubeconfig, '/api/v1/namespaces/default/pods', 3 * API_BURST);
    const ok = first.filter((a) => a.code === 200);
    const refused = first.filter((a) => a.code === 429);
    expect(ok.length).toBeGreaterThanOrEqual(API_BURST);
    expect(ok.length).toBeLessThan(first.length);
    expect(refused.length + ok.length).toBe(first.length);
    for (const a of refused) {
      expect(Number(a.retryAfter)).toBeGreaterThanOrEqual(1);
      expect(a.body).toMatchObject({ kind: 'Status', code: 429, reason: 'TooManyRequests', details: { retryAfterSeconds: Number(a.retryAfter) } });
    }
    // Still over the budget for the next seconds: 3 or more rejections in the last second double it.
    const later: Answer[] = [];
    for (let t = 0; t < 10; t++) {
      await new Promise((r) => setTimeout(r, 250));
      later.push(...await burst(lab.kubeconfig, '/api/v1/namespaces/default/pods', 3 * API_BURST));
    }
    expect(Math.max(...later.filter((a) => a.code === 429).map((a) => Number(a.retryAfter)))).toBeGreaterThanOrEqual(2);
    const throttled = await lab.labApi('/lab/v1/throttled') as Record<string, number>;
    expect(throttled['list pods']).toBe([...first, ...later].filter((a) => a.code === 429).length);
  });

  test('the scheduler binds at its rate: one second\'s worth at once, then no faster', async () => {
    const pods = 5 * SCHEDULER_QPS;
    const file = `${lab.dir}/pods.yaml`;
    const manifest = Array.from({ length: pods }, (_, i) => dump({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `paced-${i}`, labels: { test: 'paced' } }, spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'] }] } })).join('---\n');
    writeFileSync(file, manifest);
    // kubectl meets the 429s too, and retries them as client-go does.
    const created = await lab.kubectl('create', '-f', file);
    expect(created.stderr).toBe('');
    let list: Any[] = [];
    for (let waited = 0; waited < 30_000; waited += 500) {
      const r = await lab.kubectl('get', 'pods', '-l', 'test=paced', '-o', 'json');
      if (r.code === 0) list = JSON.parse(r.stdout).items;
      if (list.length === pods && list.every((p) => p.spec.nodeName)) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(list.filter((p) => p.spec.nodeName)).toHaveLength(pods);
    // When each was bound, to the second (metav1.Time): never more than the burst plus the rate in one second.
    const boundAt = list.map((p) => Date.parse(p.status.conditions.find((c: Any) => c.type === 'PodScheduled').lastTransitionTime) / 1000);
    const perSecond = new Map<number, number>();
    for (const t of boundAt) perSecond.set(t, (perSecond.get(t) ?? 0) + 1);
    expect(Math.max(...perSecond.values())).toBeLessThanOrEqual(2 * SCHEDULER_QPS);
    // 50 pods at 10/s after a burst of 10: at least 4 s from the first binding to the last.
    expect(Math.max(...boundAt) - Math.min(...boundAt)).toBeGreaterThanOrEqual((pods - SCHEDULER_QPS) / SCHEDULER_QPS - 1);
    await lab.kubectl('delete', 'pods', '-l', 'test=paced', '--wait=false');
  }, 90_000);

  test('kubectl netprobe matrix meets 429s on the way and its retries still complete the run', async () => {
    const before = await lab.labApi('/lab/v1/throttled') as Record<string, number>;
    const run = await lab.netprobe('matrix', '-o', 'json', '--duration', '5s', '--timeout', '60s');
    expect(run.stderr).not.toMatch(/^error:/m);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as MatrixReport;
    expect(report.nodes.filter((n) => n.status === 'ok')).toHaveLength(NODES);
    const after = await lab.labApi('/lab/v1/throttled') as Record<string, number>;
    const refused = Object.entries(after).reduce((n, [k, v]) => n + v - (before[k] ?? 0), 0);
    expect(refused).toBeGreaterThan(0);
    const served = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    expect(served['create pods']).toBeGreaterThanOrEqual(2 * NODES);
  }, 180_000);
});
