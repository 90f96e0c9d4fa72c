// MTU: each tunnel's MTU plus its encapsulation must fit the underlay's (./tunnels.ts), and
// the MTUs must agree between nodes: a mismatch passes small packets (handshakes, DNS) and
// drops full-size ones (field notes). A node whose underlay or tunnel MTU differs from most
// nodes' is the one flagged; the others pass with a note.
import type { NodeInspection } from '../../shared/inspection.ts';
import { tunnelOf, underlayOf } from '../tunnels.ts';
import { checkResult, peersOf, type Check, type CheckContext } from './check.ts';

interface MtuView {
  underlay: { name: string; mtu: number } | undefined;
  tunnels: { name: string; kind: string; mtu: number; overhead: number; lower: { name: string; mtu: number } | undefined }[];
}

function mtuView(inspection: NodeInspection, peerIPs: string[]): MtuView {
  const tunnels = inspection.interfaces.map(tunnelOf).filter((t) => t !== null);
  return {
    underlay: underlayOf(inspection, peerIPs),
    tunnels: tunnels.map((t) => ({ name: t.iface.name, kind: t.kind, mtu: t.iface.mtu, overhead: t.overhead, lower: underlayOf(inspection, peerIPs, t) })),
  };
}

/** The value most nodes have, when one value has a strict majority over each other. */
function mostCommon(values: number[]): number | undefined {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  return sorted.length && (sorted.length === 1 || sorted[0][1] > sorted[1][1]) ? sorted[0][0] : undefined;
}

export const mtuCheck: Check = (ctx: CheckContext) => {
  const peerIPs = (inspectionNode: string) => ctx.cluster.nodes.filter((n) => n.name !== inspectionNode && n.internalIP).map((n) => n.internalIP!);
  const mine = mtuView(ctx.inspection, peerIPs(ctx.node.name));
  const others = [...ctx.inspections].filter(([name]) => name !== ctx.node.name).map(([name, i]) => ({ name, view: mtuView(i, peerIPs(name)) }));
  const all = [mine, ...others.map((o) => o.view)];
  const evidence = [
    mine.underlay ? `underlay ${mine.underlay.name} ${mine.underlay.mtu}` : 'underlay device not found (no route to the peers)',
    ...mine.tunnels.map((t) => `${t.name} (${t.kind}) ${t.mtu} + ${t.overhead} = ${t.mtu + t.overhead}${t.lower ? ` on ${t.lower.name} ${t.lower.mtu}` : ''}`),
  ];
  if (mine.tunnels.length === 0) evidence.push('no tunnel interface: pod packets cross the underlay unencapsulated');
  const failures: string[] = [];
  for (const t of mine.tunnels) {
    if (t.lower && t.mtu + t.overhead > t.lower.mtu) failures.push(`${t.name} ${t.mtu} + ${t.overhead} (${t.kind}) > ${t.lower.name} ${t.lower.mtu}`);
  }
  const commonUnderlay = mostCommon(all.flatMap((v) => (v.underlay ? [v.underlay.mtu] : [])));
  if (mine.underlay && commonUnderlay !== undefined && mine.underlay.mtu !== commonUnderlay) {
    failures.push(`underlay ${mine.underlay.name} ${mine.underlay.mtu}, most nodes ${commonUnderlay}: full-size packets from them are dropped here`);
  }
  const warnings: string[] = [];
  for (const t of mine.tunnels) {
    const common = mostCommon(all.flatMap((v) => v.tunnels.filter((o) => o.name === t.name).map((o) => o.mtu)));
    if (common !== undefined && t.mtu !== common) warnings.push(`${t.name} ${t.mtu}, most nodes ${common}`);
    else if (common === undefined && others.some((o) => o.view.tunnels.some((x) => x.name === t.name && x.mtu !== t.mtu))) warnings.push(`${t.name} MTU differs between nodes`);
  }
  const oddPeers = others.filter((o) => o.view.underlay && commonUnderlay !== undefined && o.view.underlay.mtu !== commonUnderlay);
  if (oddPeers.length) evidence.push(`underlay differs on ${oddPeers.map((o) => `${o.name} (${o.view.underlay!.mtu})`).join(', ')}: see there`);
  const fix = 'set the CNI MTU to the underlay MTU minus the encapsulation (Flannel: the underlay interface MTU; Calico: veth_mtu / FELIX_*MTU), and one underlay MTU on every node';
  if (failures.length) return checkResult('mtu', 'fail', failures[0], { evidence: [...evidence, ...failures.slice(1)], fix });
  if (warnings.length) return checkResult('mtu', 'warn', warnings.join('; '), { evidence, fix });
  const headline = mine.tunnels.map((t) => `${t.name} ${t.mtu}`).join(', ') || 'no tunnel';
  return checkResult('mtu', 'pass', `${headline}${mine.underlay ? ` on ${mine.underlay.name} ${mine.underlay.mtu}` : ''}`, {
    evidence, unseen: peersOf(ctx).length && !mine.underlay ? ['the underlay device (no route to the other nodes\' IPs in /proc/net/route)'] : [],
  });
};
