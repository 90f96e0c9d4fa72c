// No probe got through: said first, with how the probes failed and the policies that could deny
// them by name; never when a single probe of the pairs meant got an answer.
import { analyse } from '../../src/analyse/analyse.ts';
import { everyPairFailed } from '../../src/analyse/every-pair-failed.ts';
import type { Protocol } from '../../src/shared/plan.ts';
import type { PolicyEvidence } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RESOLVER, RUN, type PairSpecOf } from '../support/agent-results.ts';

const nodes = nodeNames(3);
const report = (spec: PairSpecOf, policies?: PolicyEvidence, protocols: Protocol[] = ['tcp', 'udp']) =>
  analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, protocols, spec), policies });
const allLost: PairSpecOf = () => ({ attempts: 30, lost: 30 });

const POLICIES: PolicyEvidence = {
  namespace: 'shop',
  kinds: [
    { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'shop', names: ['allow-web', 'default-deny'] },
    { kind: 'GlobalNetworkPolicy', apiVersion: 'crd.projectcalico.org/v1', names: ['deny-all'] },
  ],
  notServed: ['AdminNetworkPolicy', 'CiliumClusterwideNetworkPolicy'],
};

test('every probe lost: said first, how they failed, the policies by name and what to allow', () => {
  const { findings } = report((s, _d, p) => ({ attempts: 30, lost: 30, lostAs: p === 'tcp' && s === 'node-1' ? 'refused' : 'timeout' }), POLICIES);
  expect(findings.map((f) => [f.kind, f.pattern, f.subject])).toEqual([['every-pair-failed', 'all-but-diagonal', 'cluster'], ['loss', 'all-but-diagonal', 'cluster']]);
  const [first] = findings;
  expect(first.severity).toBe('critical');
  expect(first.message).toBe('No probe got through: all 360 probes of the 6 node pairs failed (tcp, udp, pod network: timeout 300, refused 60). '
    + 'Policies that could deny them: NetworkPolicy allow-web, default-deny in namespace shop; GlobalNetworkPolicy deny-all. '
    + 'The API serves no AdminNetworkPolicy or CiliumClusterwideNetworkPolicy.');
  expect(first.hint).toBe('Read the policies named (kubectl get KIND NAME -o yaml): a default deny needs a rule that allows pods labelled '
    + 'app.kubernetes.io/name=netprobe reaching each other on TCP 7000 and UDP 7000; cluster-wide policies apply to every namespace, '
    + "and an AdminNetworkPolicy's Deny wins over any NetworkPolicy.");
  expect(first.evidence).toEqual({ flaggedPairs: 6, measuredPairs: 6, pairs: [], nodes: [], policies: POLICIES });
});

test('one answered probe among the pairs meant: no such finding, from the raw series as from the pairs', () => {
  const spec: PairSpecOf = (s, d, p) => ({ attempts: 30, lost: s === 'node-2' && d === 'node-3' && p === 'udp' ? 29 : 30 });
  expect(report(spec).findings.map((f) => f.kind)).not.toContain('every-pair-failed');
  expect(everyPairFailed(matrixResults(nodes, ['tcp', 'udp'], spec).flatMap((r) => r.series))).toBe(false);
  expect(everyPairFailed(matrixResults(nodes, ['tcp', 'udp'], allLost).flatMap((r) => r.series))).toBe(true);
  // Nothing measured is not "every pair failed".
  expect(everyPairFailed([])).toBe(false);
  expect(everyPairFailed([{ destination: 'node-2', attempts: 0, successes: 0 }])).toBe(false);
});

test('DNS answering does not stop it (the node pairs are meant) and is said; in a DNS-only run the lookups are the pairs', () => {
  const nodePairsLost: PairSpecOf = (s, d) => ({ attempts: 30, lost: d === RESOLVER && s === 'node-2' ? 0 : 30 });
  const [withDns] = report(nodePairsLost, undefined, ['tcp', 'dns']).findings;
  expect(withDns.message).toBe('No probe got through: all 180 probes of the 6 node pairs failed (tcp, pod network: timeout 180); DNS lookups were answered on 1 of 3 nodes.');
  expect(withDns.hint).toContain('on TCP 7000, and sending DNS queries (UDP and TCP 53) to the resolver');
  expect(report(allLost, undefined, ['tcp', 'dns']).findings[0].message).toContain('; DNS lookups failed too.');
  const [dnsOnly] = report(allLost, undefined, ['dns']).findings;
  expect(dnsOnly.message).toBe('No probe got through: all 90 probes of the 3 DNS pairs failed (dns, service network: timeout 90).');
  expect(dnsOnly.hint).toMatch(/^A probe run allows pods labelled app\.kubernetes\.io\/name=netprobe sending DNS queries \(UDP and TCP 53\) to the resolver; /);
  expect(report(nodePairsLost, undefined, ['dns']).findings.map((f) => f.kind)).not.toContain('every-pair-failed');
});

test('kinds that could not be listed are said with the API\'s words; none found points past policies', () => {
  const policies: PolicyEvidence = {
    namespace: 'netprobe-1a2b3c',
    kinds: [
      { kind: 'NetworkPolicy', apiVersion: 'networking.k8s.io/v1', namespace: 'netprobe-1a2b3c', names: [] },
      { kind: 'AdminNetworkPolicy', apiVersion: 'policy.networking.k8s.io/v1alpha1', names: [] },
      { kind: 'GlobalNetworkPolicy', apiVersion: 'crd.projectcalico.org/v1', names: null, error: 'globalnetworkpolicies.crd.projectcalico.org is forbidden: User "ci" cannot list resource "globalnetworkpolicies"' },
    ],
    notServed: ['CiliumClusterwideNetworkPolicy'],
  };
  const [first] = report(allLost, policies).findings;
  expect(first.message).toBe('No probe got through: all 360 probes of the 6 node pairs failed (tcp, udp, pod network: timeout 360). '
    + 'There is no NetworkPolicy in namespace netprobe-1a2b3c or AdminNetworkPolicy. '
    + 'Could not list GlobalNetworkPolicy (crd.projectcalico.org/v1): globalnetworkpolicies.crd.projectcalico.org is forbidden: User "ci" cannot list resource "globalnetworkpolicies". '
    + 'The API serves no CiliumClusterwideNetworkPolicy.');
  expect(first.hint).toBe('A probe run allows pods labelled app.kubernetes.io/name=netprobe reaching each other on TCP 7000 and UDP 7000; whatever drops all of it is in every path: '
    + "a policy of a kind netprobe does not list (Calico's namespaced NetworkPolicy, CiliumNetworkPolicy), the nodes' host firewalls (nftables/iptables rules on the pod CIDR or these ports), "
    + 'the CNI on every node (`kubectl netprobe nodes`). Grant list on the kinds it could not list (manifests/rbac.yaml) to see them here.');
  const discoveryFailed = report(allLost, { namespace: 'x', kinds: [], notServed: [], discoveryError: 'cannot reach the API server (ECONNRESET)' }).findings[0];
  expect(discoveryFailed.message).toMatch(/\. Could not ask the API which cluster-wide policy kinds it serves: cannot reach the API server \(ECONNRESET\)\.$/);
});

test('on the host network too: NetworkPolicies do not apply there, and the hint says what does', () => {
  const results = matrixResults(nodes, ['tcp'], allLost, () => ({}), ['pod', 'host']);
  const [first] = analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results }).findings;
  expect(first.kind).toBe('every-pair-failed');
  expect(first.path).toBeNull();
  expect(first.message).toBe('No probe got through: all 360 probes of the 12 node pairs failed (tcp, pod and host networks: timeout 360).');
  expect(first.hint).toMatch(/ Host-network pods are outside NetworkPolicies: there, host firewalls and cluster-wide policies that select nodes \(Calico host endpoints, Cilium nodeSelector\) apply\.$/);
});
