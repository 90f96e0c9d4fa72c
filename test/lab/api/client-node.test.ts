// @kubernetes/client-node 2.x against the lab API: watch semantics (ADDED/MODIFIED/DELETED,
// bookmarks, 410 after compaction, dropped connections), scheduling, activeDeadlineSeconds,
// ownerReference garbage collection, namespaces, missing ConfigMaps and injected 429/500.
import { ApiException, CoreV1Api, KubeConfig, Watch, type V1Pod } from '@kubernetes/client-node';
import { request } from 'node:https';
import { READ_ONLY } from './auth.ts';
import { eventually, startFixture, type Fixture } from './fixture.ts';

let f: Fixture;
let kc: KubeConfig;
let core: CoreV1Api;
const aborts: AbortController[] = [];

beforeAll(async () => {
  f = await startFixture({ bookmarkIntervalMs: 200 });
  kc = new KubeConfig();
  kc.loadFromFile(f.kubeconfig);
  core = kc.makeApiClient(CoreV1Api);
});
afterEach(() => {
  expect(f.errors).toEqual([]);
});
afterAll(async () => {
  aborts.forEach((a) => a.abort());
  await f?.close();
});

function pod(name: string, command: string[], extra: Partial<V1Pod['spec']> = {}, labels: Record<string, string> = {}): V1Pod {
  return { metadata: { name, labels }, spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox', command }], ...extra } };
}

const phaseOf = async (name: string, namespace = 'default') => (await core.readNamespacedPod({ name, namespace })).status?.phase;

interface Seen { type: string; object: { kind?: string; metadata?: { name?: string; resourceVersion?: string }; status?: { phase?: string }; code?: number; reason?: string } }

async function watchPods(query: Record<string, string | number | boolean | undefined>, done: (err: unknown) => void = () => {}): Promise<Seen[]> {
  const seen: Seen[] = [];
  aborts.push(await new Watch(kc).watch('/api/v1/namespaces/default/pods', query, (type, object) => seen.push({ type, object }), done));
  return seen;
}

async function errorOf(call: Promise<unknown>): Promise<ApiException<string>> {
  try {
    await call;
  } catch (err) {
    if (err instanceof ApiException) return err as ApiException<string>;
    throw err;
  }
  throw new Error('the call succeeded');
}

test('a watch sees a pod ADDED, MODIFIED through its phases and DELETED; bookmarks keep it alive', async () => {
  const seen = await watchPods({ labelSelector: 'watch=me', allowWatchBookmarks: true });
  await core.createNamespacedPod({ namespace: 'default', body: pod('watched', ['sleep', '30'], {}, { watch: 'me' }) });
  await eventually(() => seen.find((e) => e.object.status?.phase === 'Running'));
  await core.deleteNamespacedPod({ name: 'watched', namespace: 'default' });
  await eventually(() => seen.find((e) => e.type === 'DELETED'));
  const types = seen.filter((e) => e.type !== 'BOOKMARK').map((e) => e.type);
  expect(types[0]).toBe('ADDED');
  expect(types.at(-1)).toBe('DELETED');
  expect(types.slice(1, -1).every((t) => t === 'MODIFIED')).toBe(true);
  const bookmark = await eventually(() => seen.find((e) => e.type === 'BOOKMARK'));
  expect(bookmark.object).toMatchObject({ kind: 'Pod', metadata: { resourceVersion: expect.stringMatching(/^\d+$/) } });
});

test('a watch resumes from a resourceVersion, and gets 410 Expired once history is compacted', async () => {
  const list = await core.listNamespacedPod({ namespace: 'default' });
  const from = list.metadata!.resourceVersion!;
  await core.createNamespacedPod({ namespace: 'default', body: pod('resumed', ['sleep', '30']) });
  const seen = await watchPods({ resourceVersion: from, fieldSelector: 'metadata.name=resumed' });
  await eventually(() => seen.find((e) => e.type === 'ADDED' && e.object.metadata?.name === 'resumed'));

  f.api.compact();
  let ended: unknown = 'not yet';
  const expired = await watchPods({ resourceVersion: from }, (err) => { ended = err; });
  await eventually(() => (ended === 'not yet' ? undefined : true));
  expect(expired).toEqual([{ type: 'ERROR', object: expect.objectContaining({ kind: 'Status', code: 410, reason: 'Expired' }) }]);
  await core.deleteNamespacedPod({ name: 'resumed', namespace: 'default', gracePeriodSeconds: 0 });
});

test('dropping watches ends them; a field selector turns leaving the filter into DELETED', async () => {
  let ended: unknown = 'not yet';
  const seen = await watchPods({ fieldSelector: 'status.phase=Running' }, (err) => { ended = err; });
  await core.createNamespacedPod({ namespace: 'default', body: pod('brief', ['sleep', '0.3']) });
  await eventually(() => seen.find((e) => e.type === 'DELETED' && e.object.metadata?.name === 'brief'));
  expect(seen.filter((e) => e.object.metadata?.name === 'brief').map((e) => e.type)).toEqual(['ADDED', 'DELETED']);
  expect(await phaseOf('brief')).toBe('Succeeded');
  expect(f.api.dropWatches()).toBeGreaterThan(0);
  await eventually(() => (ended === 'not yet' ? undefined : true));
  await core.deleteNamespacedPod({ name: 'brief', namespace: 'default' });
});

test('scheduling honours taints, tolerations, nodeSelector and affinity on metadata.name', async () => {
  const onName = (node: string) => ({ nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } });
  await core.createNamespacedPod({ namespace: 'default', body: pod('on-2', ['sleep', '30'], { affinity: onName('lab-2') }) });
  await core.createNamespacedPod({ namespace: 'default', body: pod('on-cp', ['sleep', '30'], { affinity: onName('lab-cp'), tolerations: [{ operator: 'Exists' }] }) });
  await core.createNamespacedPod({ namespace: 'default', body: pod('zone-a', ['sleep', '30'], { nodeSelector: { zone: 'a' } }) });
  await core.createNamespacedPod({ namespace: 'default', body: pod('nowhere', ['sleep', '30'], { nodeSelector: { zone: 'mars' } }) });
  const nodeOf = (name: string) => eventually(async () => (await core.readNamespacedPod({ name, namespace: 'default' })).spec?.nodeName);
  expect(await nodeOf('on-2')).toBe('lab-2');
  expect(await nodeOf('on-cp')).toBe('lab-cp');
  expect(await nodeOf('zone-a')).toBe('lab-1');

  const message = '0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn\'t match Pod\'s node affinity/selector. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.';
  const condition = await eventually(async () => (await core.readNamespacedPod({ name: 'nowhere', namespace: 'default' })).status?.conditions?.find((c) => c.type === 'PodScheduled'));
  expect(condition).toMatchObject({ status: 'False', reason: 'Unschedulable', message });
  const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=nowhere,reason=FailedScheduling' });
  expect(events.items.map((e) => [e.type, e.message, e.source?.component])).toEqual([['Warning', message, 'default-scheduler']]);
  expect(await phaseOf('nowhere')).toBe('Pending');

  const onNode2 = await core.listPodForAllNamespaces({ fieldSelector: 'spec.nodeName=lab-2' });
  expect(onNode2.items.map((p) => p.metadata?.name)).toEqual(['on-2']);
  await core.deleteCollectionNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name!=nothing' });
  await eventually(async () => ((await core.listNamespacedPod({ namespace: 'default' })).items.length ? undefined : true));
});

test('activeDeadlineSeconds kills the pod: Failed, DeadlineExceeded', async () => {
  await core.createNamespacedPod({ namespace: 'default', body: pod('deadline', ['sleep', '30'], { activeDeadlineSeconds: 1 }) });
  await eventually(async () => ((await phaseOf('deadline')) === 'Running' ? true : undefined));
  const failed = await eventually(async () => {
    const p = await core.readNamespacedPod({ name: 'deadline', namespace: 'default' });
    return p.status?.containerStatuses?.[0].state?.terminated ? p : undefined;
  }, 5000);
  expect(failed.status).toMatchObject({ phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' });
  expect(failed.status!.containerStatuses![0].state!.terminated!.exitCode).toBe(137);
  const events = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=deadline' });
  expect(events.items.map((e) => e.reason)).toEqual(expect.arrayContaining(['DeadlineExceeded', 'Killing']));
  await core.deleteNamespacedPod({ name: 'deadline', namespace: 'default' });
});

test('deleting an owner removes its dependents (background and foreground)', async () => {
  for (const policy of ['Background', 'Foreground']) {
    const owner = await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { generateName: 'run-' }, data: { policy } } });
    expect(owner.metadata!.name).toMatch(/^run-[a-z0-9]{5}$/);
    const ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: owner.metadata!.name!, uid: owner.metadata!.uid! }];
    for (const name of ['child-a', 'child-b']) {
      const body = pod(name, ['sleep', '30'], {}, { run: owner.metadata!.name! });
      body.metadata!.ownerReferences = ownerReferences;
      await core.createNamespacedPod({ namespace: 'default', body });
    }
    await eventually(async () => ((await phaseOf('child-b')) === 'Running' ? true : undefined));
    await core.deleteNamespacedConfigMap({ name: owner.metadata!.name!, namespace: 'default', propagationPolicy: policy });
    await eventually(async () => ((await core.listNamespacedPod({ namespace: 'default', labelSelector: `run=${owner.metadata!.name}` })).items.length ? undefined : true));
    await eventually(async () => ((await core.listNamespacedConfigMap({ namespace: 'default' })).items.some((c) => c.metadata?.name === owner.metadata!.name) ? undefined : true));
  }
  // A dependent whose owner does not exist is collected too.
  const stray = pod('stray', ['sleep', '30']);
  stray.metadata!.ownerReferences = [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'gone', uid: '00000000-0000-0000-0000-000000000000' }];
  await core.createNamespacedPod({ namespace: 'default', body: stray });
  await eventually(async () => ((await core.listNamespacedPod({ namespace: 'default', fieldSelector: 'metadata.name=stray' })).items.length ? undefined : true));
});

test('a pod waits in ContainerCreating for its ConfigMap, then starts', async () => {
  const body = pod('needs-cm', ['sh', '/cfg/x.sh'], { volumes: [{ name: 'cfg', configMap: { name: 'later' } }] });
  body.spec!.containers[0].volumeMounts = [{ name: 'cfg', mountPath: '/cfg' }];
  await core.createNamespacedPod({ namespace: 'default', body });
  const event = await eventually(async () => (await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.name=needs-cm,reason=FailedMount' })).items[0]);
  expect(event.message).toBe('MountVolume.SetUp failed for volume "cfg" : configmap "later" not found');
  const waiting = await core.readNamespacedPod({ name: 'needs-cm', namespace: 'default' });
  expect(waiting.status?.containerStatuses?.[0].state?.waiting?.reason).toBe('ContainerCreating');
  await core.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'later' }, data: { 'x.sh': 'echo mounted' } } });
  await eventually(async () => ((await phaseOf('needs-cm')) === 'Succeeded' ? true : undefined));
  expect(await core.readNamespacedPodLog({ name: 'needs-cm', namespace: 'default' })).toBe('mounted\n');
  await core.deleteNamespacedPod({ name: 'needs-cm', namespace: 'default' });
});

test('a terminating namespace refuses new content and goes once empty', async () => {
  await core.createNamespace({ body: { metadata: { name: 'doomed' } } });
  await core.createNamespacedPod({ namespace: 'doomed', body: pod('p', ['sleep', '30']) });
  // A finalizer holds the namespace in Terminating until the test lets go.
  await core.createNamespacedConfigMap({ namespace: 'doomed', body: { metadata: { name: 'held', finalizers: ['example.com/hold'] } } });
  await eventually(async () => ((await phaseOf('p', 'doomed')) === 'Running' ? true : undefined));
  await core.deleteNamespace({ name: 'doomed' });
  expect((await core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Terminating');
  const err = await errorOf(core.createNamespacedPod({ namespace: 'doomed', body: pod('late', ['true']) }));
  expect(err.code).toBe(403);
  expect(JSON.parse(err.body)).toMatchObject({ reason: 'Forbidden', message: 'pods "late" is forbidden: unable to create new content in namespace doomed because it is being terminated' });
  await eventually(async () => ((await core.listNamespacedPod({ namespace: 'doomed' })).items.length ? undefined : true));
  expect((await core.readNamespace({ name: 'doomed' })).status?.phase).toBe('Terminating');
  await core.patchNamespacedConfigMap({ name: 'held', namespace: 'doomed', body: [{ op: 'remove', path: '/metadata/finalizers' }] });
  await eventually(async () => ((await core.listNamespace()).items.some((n) => n.metadata?.name === 'doomed') ? undefined : true));
  const gone = await errorOf(core.createNamespacedPod({ namespace: 'doomed', body: pod('late', ['true']) }));
  expect([gone.code, JSON.parse(gone.body).message]).toEqual([404, 'namespaces "doomed" not found']);
});

test('injected 429 and 500 answers, then normal service', async () => {
  f.api.injectErrors({ code: 429, count: 1, verb: 'list', resource: 'pods', retryAfterSeconds: 2 });
  f.api.injectErrors({ code: 500, count: 1, verb: 'list', resource: 'pods' });
  const throttled = await errorOf(core.listNamespacedPod({ namespace: 'default' }));
  expect(throttled.code).toBe(429);
  expect(throttled.headers['retry-after']).toBe('2');
  expect(JSON.parse(throttled.body)).toMatchObject({ reason: 'TooManyRequests', details: { retryAfterSeconds: 2 } });
  const failed = await errorOf(core.listNamespacedPod({ namespace: 'default' }));
  expect([failed.code, JSON.parse(failed.body).reason]).toEqual([500, 'InternalError']);
  await core.listNamespacedPod({ namespace: 'default' });
  expect(f.api.requestCounts()['list pods']).toBeGreaterThanOrEqual(3);
});

test('the restricted user gets 403 Forbidden with the RBAC message', async () => {
  const restricted = new KubeConfig();
  restricted.loadFromFile(f.kubeconfig);
  restricted.setCurrentContext('lab-restricted');
  const api = restricted.makeApiClient(CoreV1Api);
  await api.listNode();
  const err = await errorOf(api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'x' } } }));
  expect(err.code).toBe(403);
  expect(JSON.parse(err.body)).toMatchObject({
    reason: 'Forbidden',
    message: 'configmaps is forbidden: User "lab-restricted" cannot create resource "configmaps" in API group "" in the namespace "default"',
    details: { kind: 'configmaps' },
  });
});

test('the admin-only /lab/v1 endpoints over HTTPS: faults, dropped watches, request counts, restricted rules', async () => {
  const call = (method: string, path: string, user: string, body?: object) => new Promise<{ code: number; body: string }>((resolve, reject) => {
    const token = kc.getUsers().find((u) => u.name === user)!.token!;
    const req = request(`${f.api.url}${path}`, { method, ca: f.api.caPem, headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ code: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body) : undefined);
  });
  expect((await call('POST', '/lab/v1/faults', 'lab-restricted', { code: 500, count: 1 })).code).toBe(403);
  expect((await call('POST', '/lab/v1/faults', 'lab-admin', { code: 503, count: 1 })).code).toBe(400);
  expect((await call('POST', '/lab/v1/faults', 'lab-admin', { code: 500, count: 1, verb: 'get', resource: 'nodes' })).code).toBe(201);
  expect((await errorOf(core.readNode({ name: 'lab-1' }))).code).toBe(500);
  await core.readNode({ name: 'lab-1' });
  await watchPods({});
  expect(JSON.parse((await call('POST', '/lab/v1/drop-watches', 'lab-admin')).body).dropped).toBeGreaterThan(0);
  expect(JSON.parse((await call('GET', '/lab/v1/requests', 'lab-admin')).body)['get nodes']).toBeGreaterThanOrEqual(2);

  // A ClusterRole's rules, as they are, become what lab-restricted may do.
  const rules = [{ apiGroups: [''], resources: ['configmaps'], verbs: ['create', 'delete'] }, { apiGroups: ['apps'], resources: ['pods'], verbs: ['*'] }];
  expect((await call('PUT', '/lab/v1/restricted-rules', 'lab-admin', rules)).code).toBe(200);
  const restricted = new KubeConfig();
  restricted.loadFromFile(f.kubeconfig);
  restricted.setCurrentContext('lab-restricted');
  const api = restricted.makeApiClient(CoreV1Api);
  await api.createNamespacedConfigMap({ namespace: 'default', body: { metadata: { name: 'allowed' } } });
  await api.deleteNamespacedConfigMap({ namespace: 'default', name: 'allowed' });
  expect((await errorOf(api.listNamespacedConfigMap({ namespace: 'default' }))).code).toBe(403);
  expect((await errorOf(api.createNamespacedPod({ namespace: 'default', body: pod('p', ['true']) }))).code).toBe(403);
  f.api.setRestrictedRules(READ_ONLY);
});
