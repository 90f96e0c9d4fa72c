// No probe gets through (the lab's overlay broken on every node; the lab never enforces policies):
// `kubectl netprobe matrix`, as a user with exactly manifests/rbac.yaml's rules, says that first and
// names the NetworkPolicy of its namespace and the cluster-wide policy the API serves.
import { readFileSync, writeFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { load } from 'js-yaml';
import type { MatrixReport } from '../../src/shared/report.ts';
import { LabSession } from '../support/lab-session.ts';
import { describeAsRoot } from '../support/netns.ts';

const NAMESPACE = 'shop';
const POLICIES = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: { name: default-deny, namespace: ${NAMESPACE} }
spec: { podSelector: {}, policyTypes: [Ingress, Egress] }
---
apiVersion: crd.projectcalico.org/v1
kind: GlobalNetworkPolicy
metadata: { name: deny-all }
spec: { selector: all(), types: [Ingress, Egress] }
`;

describeAsRoot('kubectl netprobe matrix when no probe gets through', () => {
  const lab = new LabSession();
  beforeAll(() => lab.up('--nodes', '3'), 60_000);
  afterAll(() => lab.down(), 60_000);

  test('said first, with the policies that could deny the probes by name, as the restricted user with rbac.yaml\'s rules', async () => {
    await lab.labApi('/lab/v1/custom-resources', ['globalnetworkpolicies.crd.projectcalico.org'], 'PUT');
    expect((await lab.kubectl('create', 'namespace', NAMESPACE)).code).toBe(0);
    const manifest = `${lab.dir}/policies.yaml`;
    writeFileSync(manifest, POLICIES);
    const applied = await lab.kubectl('apply', '-f', manifest);
    expect(applied.stderr).toBe('');
    // Every node's overlay entries gone: no pod reaches another node's pods.
    for (const node of ['node1', 'node2', 'node3']) await lab.fault('--kind', 'fdb-flush', '--from', node);
    const role = load(readFileSync(new URL('../../manifests/rbac.yaml', import.meta.url), 'utf8')) as { rules: unknown[] };
    await lab.labApi('/lab/v1/restricted-rules', role.rules, 'PUT');
    try {
      const run = await lab.netprobe('matrix', '--context', 'lab-restricted', '-n', NAMESPACE, '--protocols', 'tcp,udp', '--duration', '3s', '--rate', '5', '--timeout', '20s', '-o', 'json');
      expect(run.stderr).not.toMatch(/^error:/m);
      expect(run.code).toBe(0);
      expect(run.stderr).toContain('no probe got through: listing the policies that could deny them');
      const report = JSON.parse(run.stdout) as MatrixReport;
      expect(report.pairs.every((p) => p.attempts > 0 && p.successes === 0)).toBe(true);
      const [first, ...rest] = report.findings;
      expect(first.kind).toBe('every-pair-failed');
      expect(first.message).toMatch(/^No probe got through: all \d+ probes of the 6 node pairs failed \(tcp, udp, pod network: /);
      expect(first.message).toContain(`Policies that could deny them: NetworkPolicy default-deny in namespace ${NAMESPACE}; GlobalNetworkPolicy deny-all. `
        + 'The API serves no AdminNetworkPolicy or CiliumClusterwideNetworkPolicy.');
      // rbac.yaml lets it list every kind it looked for.
      expect(first.evidence.policies!.kinds.map((k) => [k.kind, k.apiVersion, k.names, k.error])).toEqual([
        ['NetworkPolicy', 'networking.k8s.io/v1', ['default-deny'], undefined],
        ['GlobalNetworkPolicy', 'crd.projectcalico.org/v1', ['deny-all'], undefined],
      ]);
      expect(rest.map((f) => f.kind)).not.toContain('every-pair-failed');
      const schema = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'));
      const validate = new Ajv2020({ allErrors: true }).compile(schema);
      expect(validate(report) ? [] : validate.errors).toEqual([]);
      // The namespace was the user's: left as it was, the run's pods gone.
      expect((await lab.kubectl('get', 'pods', '-n', NAMESPACE, '-o', 'name')).stdout.trim()).toBe('');
    } finally {
      await lab.labApi('/lab/v1/restricted-rules', [{ verbs: ['get', 'list', 'watch'], resources: ['*'] }], 'PUT');
      await lab.lab('fault', 'clear');
    }
  }, 120_000);
});
