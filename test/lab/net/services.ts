// ClusterIP Services as kube-proxy's nftables mode realises them, in every node namespace:
// a verdict map from (ClusterIP, protocol, port) to a per-port chain that DNATs to a random
// ready backend (`numgen random mod N`). Pod traffic is caught in prerouting, hostNetwork
// traffic in output. A ClusterIP with no ready backend is rejected, as kube-proxy does.
import { nsExec } from '../../support/netns.ts';
import type { ServiceRealisation } from '../contracts.ts';
import { SERVICE_CIDR } from '../addresses.ts';

const TABLE = 'ip nplab_services';

/** The static part of a node's service table. */
export function servicesBaseRuleset(podCIDR: string): string {
  return `table ${TABLE} {
  map service_ips { type ipv4_addr . inet_proto . inet_service : verdict; }
  chain prerouting { type nat hook prerouting priority dstnat; ip daddr . meta l4proto . th dport vmap @service_ips; }
  chain output { type nat hook output priority -100; ip daddr . meta l4proto . th dport vmap @service_ips; }
  # A pod reaching a backend on its own node gets the reply straight over the cni0 bridge, where
  # nothing un-DNATs it (real clusters load br_netfilter for this, a host-wide module); SNAT to
  # the gateway instead, so the reply comes back through this namespace's conntrack.
  chain postrouting { type nat hook postrouting priority srcnat; ct status dnat ip saddr ${podCIDR} oifname "cni0" masquerade; }
  # Still addressed to a ClusterIP after DNAT = no ready endpoint: refuse rather than let it time out.
  chain forward { type filter hook forward priority filter; ip daddr ${SERVICE_CIDR} reject; }
  chain reject_output { type filter hook output priority filter; ip daddr ${SERVICE_CIDR} reject; }
}
`;
}

interface PortRule { key: string; chain: string; dnat?: string }

function portRules(svc: ServiceRealisation): PortRule[] {
  return svc.ports.map((p) => {
    const proto = p.protocol.toLowerCase();
    const chain = `svc-${svc.namespace}/${svc.name}/${proto}/${p.port}`;
    const backends = svc.endpoints.map((ip, k) => `${k} : ${ip}`).join(', ');
    return {
      key: `${svc.clusterIP} . ${proto} . ${p.port}`,
      chain,
      dnat: svc.endpoints.length ? `meta l4proto ${proto} dnat to numgen random mod ${svc.endpoints.length} map { ${backends} } : ${p.targetPort}` : undefined,
    };
  });
}

/** One nft transaction that turns `previous` (what is installed, if anything) into `next`. */
export function serviceTransaction(previous: ServiceRealisation | undefined, next: ServiceRealisation | undefined): string {
  const lines: string[] = [];
  const old = previous ? portRules(previous) : [];
  const now = next ? portRules(next) : [];
  for (const r of old.filter((o) => o.dnat)) lines.push(`delete element ${TABLE} service_ips { ${r.key} }`);
  for (const r of now) lines.push(`add chain ${TABLE} ${r.chain}`, `flush chain ${TABLE} ${r.chain}`);
  for (const r of now.filter((n) => n.dnat)) {
    lines.push(`add rule ${TABLE} ${r.chain} ${r.dnat}`, `add element ${TABLE} service_ips { ${r.key} : goto ${r.chain} }`);
  }
  for (const r of old.filter((o) => !now.some((n) => n.chain === o.chain))) lines.push(`flush chain ${TABLE} ${r.chain}`, `delete chain ${TABLE} ${r.chain}`);
  return lines.join('\n') + '\n';
}

export function applyNft(netns: string, ruleset: string): void {
  nsExec(netns, 'nft', ['-f', '-'], ruleset);
}
