// The real kubectl (v1.32) against the lab API: discovery, server-side tables, create -f with
// server-side validation, logs, delete, RBAC and validation errors as kubectl prints them.
import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { kubectlPath } from '../../support/kubectl.ts';
import { eventually, startFixture, type Fixture } from './fixture.ts';

let f: Fixture;
beforeAll(async () => {
  f = await startFixture();
});
afterEach(() => {
  expect(f.errors).toEqual([]);
});
afterAll(async () => {
  await f?.close();
});

const rows = (out: string) => out.trim().split('\n').map((l) => l.trim().split(/\s{2,}/));

test('get nodes -o wide prints the server-side table columns', async () => {
  const [header, ...nodes] = rows(await f.kubectl(['get', 'nodes', '-o', 'wide']));
  expect(header).toEqual(['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
  expect(nodes.map((n) => [n[0], n[1], n[2], n[5], n[8]])).toEqual([
    ['lab-1', 'Ready', '<none>', '198.18.0.11', '6.1.0-lab'],
    ['lab-2', 'Ready', '<none>', '198.18.0.12', '6.12.0-lab'],
    ['lab-cp', 'Ready', 'control-plane', '198.18.0.10', '6.1.0-lab'],
  ]);
  const node = JSON.parse(await f.kubectl(['get', 'node', 'lab-2', '-o', 'json']));
  expect(node.metadata.labels['kubernetes.io/hostname']).toBe('lab-2');
  expect(node.status.nodeInfo.kernelVersion).toBe('6.12.0-lab');
  expect(node.spec.podCIDR).toBe('198.19.2.0/24');
});

test('create -f a configmap, a pod mounting it and a service; get -A -o wide, logs, delete', async () => {
  const manifest = f.manifest('app.yaml', `
apiVersion: v1
kind: ConfigMap
metadata: {name: script}
data: {run.sh: "echo started on $NODE; sleep 30"}
---
apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  restartPolicy: Never
  containers:
  - name: main
    image: busybox:1.36
    command: [sh, /scripts/run.sh]
    env: [{name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}]
    volumeMounts: [{name: scripts, mountPath: /scripts}]
  volumes: [{name: scripts, configMap: {name: script}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
`);
  // No --validate=false: kubectl finds fieldValidation in the OpenAPI v3 document and lets the server validate.
  expect(await f.kubectl(['create', '-f', manifest])).toBe('configmap/script created\npod/web created\nservice/web created\n');

  const running = await eventually(async () => {
    const out = rows(await f.kubectl(['get', 'pods', '-A', '-o', 'wide']));
    return out.find((r) => r[1] === 'web' && r[3] === 'Running') && out;
  });
  expect(running[0]).toEqual(['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
  const web = running.find((r) => r[1] === 'web')!;
  expect(web[0]).toBe('default');
  expect(web[2]).toBe('1/1');
  expect(web[6]).toBe('127.0.0.1');
  expect(['lab-1', 'lab-2']).toContain(web[7]);

  expect(await eventually(async () => (await f.kubectl(['logs', 'web'])) || undefined)).toBe(`started on ${web[7]}\n`);

  const svc = JSON.parse(await f.kubectl(['get', 'svc', 'web', '-o', 'json']));
  expect(svc.spec.clusterIP).toMatch(/^198\.18\.(12[89]|13\d|14[0-3])\.\d+$/);
  const applied = await eventually(() => f.network.services.get('default/web')?.endpoints.length ? f.network.services.get('default/web') : undefined);
  expect(applied).toEqual({ namespace: 'default', name: 'web', clusterIP: svc.spec.clusterIP, ports: [{ protocol: 'TCP', port: 80, targetPort: 8080 }], endpoints: ['127.0.0.1'] });

  expect(await f.kubectl(['delete', 'pod', 'web'])).toBe('pod "web" deleted\n');
  await expect(f.kubectl(['get', 'pod', 'web'])).rejects.toThrow('Error from server (NotFound): pods "web" not found');
  await eventually(() => (f.network.services.get('default/web')?.endpoints.length === 0 ? true : undefined));
  expect(await f.kubectl(['delete', 'svc', 'web'])).toBe('service "web" deleted\n');
  await eventually(() => (f.network.services.has('default/web') ? undefined : true));
});

test('logs -f follows until the container ends; the pod completes', async () => {
  await f.kubectl(['run', 'counter', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'for i in 1 2 3; do echo $i; sleep 0.2; done']);
  await eventually(async () => (rows(await f.kubectl(['get', 'pod', 'counter']))[1][2] === 'ContainerCreating' ? undefined : true));
  expect(await f.kubectl(['logs', '-f', 'counter'])).toBe('1\n2\n3\n');
  const status = await eventually(async () => {
    const s = rows(await f.kubectl(['get', 'pod', 'counter']))[1][2];
    return s === 'Completed' ? s : undefined;
  });
  expect(status).toBe('Completed');
  const pod = JSON.parse(await f.kubectl(['get', 'pod', 'counter', '-o', 'json']));
  expect(pod.status.phase).toBe('Succeeded');
  expect(pod.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
  await f.kubectl(['delete', 'pod', 'counter']);
});

test('errors come back as kubectl prints the real ones', async () => {
  await expect(f.kubectl(['run', 'denied', '--image=busybox'], 'lab-restricted'))
    .rejects.toThrow('Error from server (Forbidden): pods is forbidden: User "lab-restricted" cannot create resource "pods" in API group "" in the namespace "default"');
  expect(rows(await f.kubectl(['get', 'nodes'], 'lab-restricted'))).toHaveLength(4);

  const bad = f.manifest('bad.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  containers: [{name: main}]\n');
  await expect(f.kubectl(['create', '-f', bad])).rejects.toThrow('The Pod "bad" is invalid: spec.containers[0].image: Required value');

  const twice = f.manifest('twice.yaml', 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: twice}\n');
  await f.kubectl(['create', '-f', twice]);
  await expect(f.kubectl(['create', '-f', twice])).rejects.toThrow(`Error from server (AlreadyExists): error when creating "${twice}": configmaps "twice" already exists`);
  await expect(f.kubectl(['get', 'pod', 'nope', '-n', 'kube-system'])).rejects.toThrow('Error from server (NotFound): pods "nope" not found');
});

test('describe shows the scheduler\'s reason for an unschedulable pod', async () => {
  const pod = f.manifest('pinned.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: pinned}
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms: [{matchFields: [{key: metadata.name, operator: In, values: [lab-cp]}]}]
  containers: [{name: main, image: busybox, command: [sleep, "30"]}]
`);
  await f.kubectl(['create', '-f', pod]);
  const described = await eventually(async () => {
    const out = await f.kubectl(['describe', 'pod', 'pinned']);
    return out.includes('FailedScheduling') ? out : undefined;
  });
  expect(described).toMatch(/Status:\s+Pending/);
  expect(described).toContain('0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, 2 node(s) didn\'t match Pod\'s node affinity/selector.');
  await f.kubectl(['delete', 'pod', 'pinned']);
});

test('Pod Security Admission: enforce refuses a hostNetwork pod, warn makes kubectl print a warning', async () => {
  await f.kubectl(['create', '-f', f.manifest('psa.yaml', `
apiVersion: v1
kind: Namespace
metadata: {name: strict, labels: {pod-security.kubernetes.io/enforce: restricted}}
---
apiVersion: v1
kind: Namespace
metadata: {name: lenient, labels: {pod-security.kubernetes.io/warn: baseline}}
`)]);
  const hostPod = (ns: string) => f.manifest(`host-${ns}.yaml`, `
apiVersion: v1
kind: Pod
metadata: {name: host, namespace: ${ns}}
spec:
  hostNetwork: true
  containers: [{name: agent, image: busybox, command: [sleep, "30"]}]
`);
  await expect(f.kubectl(['create', '-f', hostPod('strict')])).rejects.toThrow(
    'pods "host" is forbidden: violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false (container "agent" must set securityContext.allowPrivilegeEscalation=false), '
    + 'unrestricted capabilities (container "agent" must set securityContext.capabilities.drop=["ALL"]), host namespaces (hostNetwork=true), '
    + 'runAsNonRoot != true (pod or container "agent" must set securityContext.runAsNonRoot=true), '
    + 'seccompProfile (pod or container "agent" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")');
  const { stdout, stderr } = await f.kubectlOutput(['create', '-f', hostPod('lenient')]);
  expect(stdout).toBe('pod/host created\n');
  expect(stderr).toBe('Warning: would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)\n');

  const compliant = f.manifest('compliant.yaml', `
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: strict}
spec:
  securityContext: {runAsNonRoot: true, runAsUser: 1000, seccompProfile: {type: RuntimeDefault}}
  automountServiceAccountToken: false
  containers:
  - name: agent
    image: busybox
    command: [sleep, "30"]
    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
`);
  expect(await f.kubectl(['create', '-f', compliant])).toBe('pod/ok created\n');
  await f.kubectl(['delete', 'ns', 'strict', 'lenient']);
});

test('kubectl create namespace/configmap/service (protobuf request bodies) and get all', async () => {
  expect(await f.kubectl(['create', 'namespace', 'typed'])).toBe('namespace/typed created\n');
  expect(await f.kubectl(['create', 'configmap', 'cfg', '-n', 'typed', '--from-literal=a=1', '--from-literal=b=two'])).toBe('configmap/cfg created\n');
  expect(await f.kubectl(['create', 'service', 'clusterip', 'web', '-n', 'typed', '--tcp=80:8080', '--tcp=443:https'])).toBe('service/web created\n');
  expect(JSON.parse(await f.kubectl(['get', 'cm', 'cfg', '-n', 'typed', '-o', 'json'])).data).toEqual({ a: '1', b: 'two' });
  const svc = JSON.parse(await f.kubectl(['get', 'svc', 'web', '-n', 'typed', '-o', 'json']));
  expect(svc.spec).toMatchObject({ type: 'ClusterIP', selector: { app: 'web' }, ports: [{ name: '80-8080', port: 80, targetPort: 8080, protocol: 'TCP' }, { name: '443-https', port: 443, targetPort: 'https', protocol: 'TCP' }] });
  expect(rows(await f.kubectl(['get', 'all', '-n', 'typed']))[1][0]).toBe('service/web');
  await expect(f.kubectl(['create', 'secret', 'generic', 's', '-n', 'typed', '--from-literal=a=b'])).rejects.toThrow('the server could not find the requested resource');
  expect(await f.kubectl(['delete', 'namespace', 'typed'])).toBe('namespace "typed" deleted\n');
});

test('get -w streams table rows as the pod goes through its phases; wait --for=condition=Ready returns', async () => {
  // HOME in the fixture's directory, as for every kubectl here: its discovery cache goes with it.
  const env = { PATH: process.env.PATH, HOME: dirname(f.kubeconfig) };
  const watcher = spawn(kubectlPath(), ['--kubeconfig', f.kubeconfig, 'get', 'pods', '-w', '-l', 'run=watched'], { stdio: ['ignore', 'pipe', 'pipe'], env });
  try {
    let out = '';
    watcher.stdout.on('data', (chunk: Buffer) => (out += chunk));
    await f.kubectl(['run', 'watched', '--image=busybox', '--restart=Never', '--', 'sleep', '30']);
    expect(await f.kubectl(['wait', '--for=condition=Ready', 'pod/watched', '--timeout=10s'])).toBe('pod/watched condition met\n');
    await eventually(() => (/watched\s+1\/1\s+Running/.test(out) ? true : undefined));
    await f.kubectl(['delete', 'pod', 'watched']);
    await eventually(() => (/watched\s+\S+\s+Terminating/.test(out) ? true : undefined));
    expect(out.split('\n')[0].split(/\s+/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
  } finally {
    watcher.kill();
  }
});

test('a pod the scheduler cannot read is reported, and the server goes on serving', async () => {
  const odd = f.manifest('odd.yaml', 'apiVersion: v1\nkind: Pod\nmetadata: {name: odd}\nspec:\n  affinity: {nodeAffinity: {requiredDuringSchedulingIgnoredDuringExecution: {nodeSelectorTerms: oops}}}\n  containers: [{name: main, image: busybox}]\n');
  await f.kubectl(['create', '-f', odd]);
  await eventually(() => (f.errors.length ? true : undefined));
  expect(f.errors.splice(0).map((e) => e.message)).toEqual([expect.stringMatching(/^default\/odd: TypeError/)]);
  expect(rows(await f.kubectl(['get', 'pod', 'odd']))[1][2]).toBe('Pending');
  await f.kubectl(['delete', 'pod', 'odd']);
});
