// What could deny every probe, listed through the real client-node against the lab API as the
// restricted user: NetworkPolicies of the namespace, cluster-wide kinds only where discovery says
// they are served, and a kind the user may not list said (the API's 403 message), not fatal.
import { listPoliciesThatCouldDeny } from '../../src/collect/policies.ts';
import { createKubeClient, loadKubeConfig } from '../../src/kube/client-node.ts';
import type { KubeClient } from '../../src/kube/kube-client.ts';
import { startFixture, type Fixture } from '../lab/api/fixture.ts';

let f: Fixture;
let restricted: KubeClient;

beforeAll(async () => {
  f = await startFixture();
  restricted = createKubeClient(loadKubeConfig({ kubeconfig: f.kubeconfig, context: 'lab-restricted' }));
  f.api.seed([
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'shop' } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'default-deny', namespace: 'shop' }, spec: { podSelector: {}, policyTypes: ['Ingress'] } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'allow-web', namespace: 'shop' }, spec: { podSelector: { matchLabels: { app: 'web' } } } },
    { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'elsewhere', namespace: 'default' }, spec: { podSelector: {} } },
  ]);
});
afterAll(() => f?.close());

test('NetworkPolicies of the namespace only; cluster-wide kinds the API does not serve are not listed, and said so', async () => {
  expect(await listPoliciesThatCouldDeny(restricted, 'shop')).toEqual({
    namespace: 'shop',
    kinds: [{ kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', names: ['allow-web', 'default-deny'] }],
    notServed: ['AdminNetworkPolicy', 'GlobalNetworkPolicy', 'CiliumClusterwideNetworkPolicy'],
  });
});

test('served cluster-wide kinds are listed at their served version; one the user may not list is the API\'s 403, and the rest stands', async () => {
  f.api.installCustomResources(['adminnetworkpolicies.policy.networking.k8s.io', 'globalnetworkpolicies.crd.projectcalico.org']);
  f.api.seed([
    { apiVersion: 'crd.projectcalico.org/v1', kind: 'GlobalNetworkPolicy', metadata: { name: 'deny-all' }, spec: { selector: 'all()', types: ['Ingress', 'Egress'] } },
    { apiVersion: 'policy.networking.k8s.io/v1alpha1', kind: 'AdminNetworkPolicy', metadata: { name: 'tenants' }, spec: { priority: 10, subject: { namespaces: {} } } },
  ]);
  f.api.setRestrictedRules([
    { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['list'] },
    { apiGroups: ['crd.projectcalico.org'], resources: ['globalnetworkpolicies'], verbs: ['list'] },
  ]);
  try {
    const policies = await listPoliciesThatCouldDeny(restricted, 'shop');
    expect(policies.kinds).toEqual([
      { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', names: ['allow-web', 'default-deny'] },
      {
        kind: 'AdminNetworkPolicy', apiVersion: 'policy.networking.k8s.io/v1alpha1', names: null,
        error: 'adminnetworkpolicies.policy.networking.k8s.io is forbidden: User "lab-restricted" cannot list resource "adminnetworkpolicies" in API group "policy.networking.k8s.io" at the cluster scope',
      },
      { kind: 'GlobalNetworkPolicy', apiVersion: 'crd.projectcalico.org/v1', names: ['deny-all'] },
    ]);
    expect(policies.notServed).toEqual(['CiliumClusterwideNetworkPolicy']);
  } finally {
    f.api.setRestrictedRules([{ verbs: ['get', 'list', 'watch'], resources: ['*'] }]);
    f.api.installCustomResources([]);
  }
});

test('a custom resource no longer served is gone from discovery, and so are its objects', async () => {
  f.api.installCustomResources(['ciliumclusterwidenetworkpolicies.cilium.io']);
  f.api.seed([{ apiVersion: 'cilium.io/v2', kind: 'CiliumClusterwideNetworkPolicy', metadata: { name: 'lockdown' }, spec: {} }]);
  expect((await listPoliciesThatCouldDeny(restricted, 'shop')).kinds.at(-1)).toEqual({ kind: 'CiliumClusterwideNetworkPolicy', apiVersion: 'cilium.io/v2', names: ['lockdown'] });
  f.api.installCustomResources([]);
  expect(await restricted.listApiGroups()).toEqual([{ name: 'discovery.k8s.io', versions: ['v1'] }, { name: 'networking.k8s.io', versions: ['v1'] }]);
  await expect(f.kubectl(['get', 'ciliumclusterwidenetworkpolicies'])).rejects.toThrow('the server doesn\'t have a resource type "ciliumclusterwidenetworkpolicies"');
  f.api.installCustomResources(['ciliumclusterwidenetworkpolicies.cilium.io']);
  try {
    expect(await restricted.listClusterObjects('cilium.io', 'v2', 'ciliumclusterwidenetworkpolicies')).toEqual([]);
  } finally {
    f.api.installCustomResources([]);
  }
});

test("the API server's clock: its Date header, in whole seconds, as the server read it during the request", async () => {
  const before = Date.now();
  const date = await restricted.serverDate();
  const after = Date.now();
  expect(date! % 1000).toBe(0);
  expect(date).toBeGreaterThan(before - 1000);
  expect(date).toBeLessThanOrEqual(after);
});
