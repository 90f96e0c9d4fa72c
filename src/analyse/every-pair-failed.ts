// Every pair of the run failed: not one probe got through. A network fails one path, a row or
// a zone; that everything fails at once is rarely the network. Something denies the probes: a
// NetworkPolicy in the run's namespace, a cluster-wide policy, a firewall on every node. So it is
// said first, with the policies that could deny them by name (src/collect/policies.ts lists them).
import { APP, LABEL_APP } from '../deploy/labels.ts';
import { countOf } from '../shared/format.ts';
import { PROTOCOLS, type Protocol } from '../shared/plan.ts';
import { isResolver, type Finding, type PairReport, type PolicyEvidence, type PolicyKindListing } from '../shared/report.ts';
import type { FindingContext } from './finding-context.ts';
import { cellKey } from './pairs.ts';

/** What the verdict reads of a pair, or of an agent's series: the raw results can be judged before the analysis. */
interface Outcome {
  destination: string;
  attempts: number;
  successes: number;
}

/** The pairs "every pair" means: the node pairs when the run has any (DNS may still pass), else the resolver ones (a DNS-only run). */
function pairsMeant<T extends Outcome>(pairs: readonly T[]): T[] {
  const measured = pairs.filter((p) => p.attempts > 0);
  const nodePairs = measured.filter((p) => !isResolver(p.destination));
  return nodePairs.length > 0 ? nodePairs : measured;
}

/** True when something was measured and not one probe of it succeeded. */
export function everyPairFailed(pairs: readonly Outcome[]): boolean {
  const meant = pairsMeant(pairs);
  return meant.length > 0 && meant.every((p) => p.successes === 0);
}

export function everyPairFailedFinding(context: FindingContext): Finding | null {
  // Nearly every run has a node pair that got through: said without listing 165,000 pairs at 5,000 nodes.
  if (context.judged.some(({ report }) => report.successes > 0 && !isResolver(report.destination))) return null;
  const reports = context.judged.map((j) => j.report);
  const pairs = pairsMeant(reports);
  if (!everyPairFailed(pairs)) return null;
  const protocols = PROTOCOLS.filter((protocol) => pairs.some((p) => p.protocol === protocol));
  const paths = [...new Set(pairs.map((p) => p.path))];
  const attempts = pairs.reduce((n, p) => n + p.attempts, 0);
  // Pairs as the heatmap counts them: a cell, whatever its protocols.
  const cells = new Set(pairs.map(cellKey)).size;
  const nodePairs = !isResolver(pairs[0].destination);
  const dns = nodePairs ? reports.filter((p) => isResolver(p.destination) && p.attempts > 0) : [];
  const dnsAnswered = dns.filter((p) => p.successes > 0).length;
  const dnsNote = dns.length === 0 ? '' : dnsAnswered === 0 ? '; DNS lookups failed too' : `; DNS lookups were answered on ${dnsAnswered} of ${countOf(dns.length, 'node')}`;
  const { policies } = context;
  return {
    severity: 'critical',
    kind: 'every-pair-failed',
    pattern: 'all-but-diagonal',
    subject: 'cluster',
    path: paths.length === 1 ? paths[0] : null,
    protocols,
    message: `No probe got through: all ${attempts} probes of the ${countOf(cells, nodePairs ? 'node pair' : 'DNS pair')} failed `
      + `(${protocols.join(', ')}, ${paths.join(' and ')} network${paths.length > 1 ? 's' : ''}: ${outcomeTally(pairs)})${dnsNote}.`
      + (policies ? ` ${policySentences(policies)}` : ''),
    hint: hintFor(pairs, protocols, paths, reports.some((p) => isResolver(p.destination) && p.attempts > 0), policies),
    evidence: { flaggedPairs: cells, measuredPairs: cells, pairs: [], nodes: [], ...(policies && { policies }) },
  };
}

/** "timeout 170, refused 10": how the probes failed, most common first. */
function outcomeTally(pairs: readonly PairReport[]): string {
  const counts = new Map<string, number>();
  for (const pair of pairs) for (const [outcome, n] of Object.entries(pair.errors)) counts.set(outcome, (counts.get(outcome) ?? 0) + n);
  return [...counts].sort(([a, m], [b, n]) => n - m || a.localeCompare(b)).map(([outcome, n]) => `${outcome} ${n}`).join(', ');
}

function policySentences(policies: PolicyEvidence): string {
  const found = policies.kinds.filter((k) => k.names && k.names.length > 0);
  const listedEmpty = policies.kinds.filter((k) => k.names && k.names.length === 0);
  const unlisted = policies.kinds.filter((k) => !k.names);
  const sentences = [
    found.length > 0 ? `Policies that could deny them: ${found.map(describeFound).join('; ')}.` : '',
    listedEmpty.length > 0 ? `There is no ${orList(listedEmpty.map(describeKind))}.` : '',
    ...unlisted.map((k) => `Could not list ${k.kind} (${k.apiVersion}${k.namespace ? `, namespace ${k.namespace}` : ''}): ${k.error}.`),
    policies.notServed.length > 0 ? `The API serves no ${orList(policies.notServed)}.` : '',
    policies.discoveryError ? `Could not ask the API which cluster-wide policy kinds it serves: ${policies.discoveryError}.` : '',
  ];
  return sentences.filter(Boolean).join(' ');
}

/** "NetworkPolicy default-deny, allow-dns in namespace np-test", "GlobalNetworkPolicy deny-all". */
function describeFound(listing: PolicyKindListing): string {
  return `${listing.kind} ${listing.names!.join(', ')}${listing.namespace ? ` in namespace ${listing.namespace}` : ''}`;
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length > 1 ? `${items.slice(0, -1).join(', ')} or ${items.at(-1)}` : items[0];
}

function describeKind(listing: PolicyKindListing): string {
  return `${listing.kind}${listing.namespace ? ` in namespace ${listing.namespace}` : ''}`;
}

function hintFor(pairs: readonly PairReport[], protocols: readonly Protocol[], paths: readonly string[], probedDns: boolean, policies: PolicyEvidence | undefined): string {
  const ports = (['tcp', 'udp'] as const).filter((p) => protocols.includes(p)).map((protocol) => {
    const target = pairs.find((p) => p.protocol === protocol)!.target;
    return `${protocol.toUpperCase()} ${target.slice(target.lastIndexOf(':') + 1)}`;
  });
  const reaches = [ports.length ? `reaching each other on ${ports.join(' and ')}` : '', probedDns ? 'sending DNS queries (UDP and TCP 53) to the resolver' : ''];
  const allow = `pods labelled ${LABEL_APP}=${APP} ${reaches.filter(Boolean).join(', and ')}`;
  const found = policies?.kinds.some((k) => k.names && k.names.length > 0) ?? false;
  const unlisted = policies?.kinds.some((k) => !k.names) || policies?.discoveryError !== undefined;
  const hints = [
    found
      ? `Read the policies named (kubectl get KIND NAME -o yaml): a default deny needs a rule that allows ${allow}; cluster-wide policies apply to every namespace, and an AdminNetworkPolicy's Deny wins over any NetworkPolicy.`
      : `A probe run allows ${allow}; whatever drops all of it is in every path: a policy of a kind netprobe does not list (Calico's namespaced NetworkPolicy, CiliumNetworkPolicy), the nodes' host firewalls (nftables/iptables rules on the pod CIDR or these ports), the CNI on every node (\`kubectl netprobe nodes\`).`,
    unlisted ? 'Grant list on the kinds it could not list (manifests/rbac.yaml) to see them here.' : '',
    paths.includes('host') ? 'Host-network pods are outside NetworkPolicies: there, host firewalls and cluster-wide policies that select nodes (Calico host endpoints, Cilium nodeSelector) apply.' : '',
  ];
  return hints.filter(Boolean).join(' ');
}
