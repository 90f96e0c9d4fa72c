// Readiness and EndpointSlices as the real control plane has them: a pod is Ready once its
// readinessProbe (a TCP connect, made for real) passes; its Service's EndpointSlice
// (discovery.k8s.io/v1, found by kubectl through discovery) lists it, ready or not; RBAC
// rules are matched by API group.
import { eventually, startFixture, type Fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture({ serviceDelays: { endpointsDelayMs: 0, proxyDelayMs: 0 } });
});
afterAll(async () => {
  await f?.close();
});

const PORT = 18000 + (process.pid % 1000);

test('a pod becomes Ready when its port answers, and its EndpointSlice follows', async () => {
  // It listens only after two seconds: until then its readiness probe fails.
  await f.kubectl(['apply', '-f', f.manifest('slow.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: slow, labels: {app: slow}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: node:22-alpine
    command: [node, -e, "setTimeout(() => require('net').createServer().listen(${PORT}, '127.0.0.1'), 2000); setTimeout(() => {}, 60000)"]
    readinessProbe: {tcpSocket: {port: ${PORT}}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata: {name: slow, labels: {team: lab}}
spec:
  selector: {app: slow}
  ports: [{name: tcp, port: 80, targetPort: ${PORT}}]
`)]);
  const sliceOf = async () => JSON.parse(await f.kubectl(['get', 'endpointslices', '-l', 'kubernetes.io/service-name=slow', '-o', 'json'])).items[0];
  const notReady = await eventually(async () => {
    const slice = await sliceOf();
    return slice?.endpoints?.length ? slice : undefined;
  });
  expect(notReady.apiVersion).toBe('discovery.k8s.io/v1');
  expect(notReady.addressType).toBe('IPv4');
  expect(notReady.metadata.labels).toMatchObject({ team: 'lab', 'kubernetes.io/service-name': 'slow' });
  expect(notReady.endpoints[0].conditions.ready).toBe(false);
  expect(notReady.ports).toEqual([{ name: 'tcp', port: PORT, protocol: 'TCP' }]);
  const ready = await eventually(async () => ((await sliceOf()).endpoints[0].conditions.ready ? true : undefined), 15_000);
  expect(ready).toBe(true);
  const pod = JSON.parse(await f.kubectl(['get', 'pod', 'slow', '-o', 'json']));
  expect(pod.status.conditions.find((c: { type: string }) => c.type === 'Ready').status).toBe('True');
  // The probe's failures before it listened are events, as the kubelet records them.
  expect(await f.kubectl(['get', 'events', '--field-selector', 'involvedObject.name=slow,reason=Unhealthy', '-o', 'name'])).not.toBe('');
}, 30_000);

test('RBAC on endpointslices names the discovery.k8s.io group, and a rule for it allows the list', async () => {
  f.api.setRestrictedRules([{ verbs: ['list'], resources: ['pods'], apiGroups: [''] }]);
  await expect(f.kubectl(['get', 'endpointslices'], 'lab-restricted'))
    .rejects.toThrow('endpointslices.discovery.k8s.io is forbidden: User "lab-restricted" cannot list resource "endpointslices" in API group "discovery.k8s.io" in the namespace "default"');
  f.api.setRestrictedRules([{ verbs: ['list'], resources: ['endpointslices'], apiGroups: ['discovery.k8s.io'] }]);
  expect(await f.kubectl(['get', 'endpointslices', '-o', 'name'], 'lab-restricted')).toMatch(/^endpointslice.discovery.k8s.io\/slow-/);
  // A core-group rule does not open another group.
  f.api.setRestrictedRules([{ verbs: ['list'], resources: ['endpointslices'], apiGroups: [''] }]);
  await expect(f.kubectl(['get', 'endpointslices'], 'lab-restricted')).rejects.toThrow('forbidden');
});
