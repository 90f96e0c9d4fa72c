// Faults are what a real broken network does, made inside the lab's node namespaces: nftables
// rules that drop a random share of packets (`numgen random mod 100 < P`, the nftables form of
// iptables' `statistic --mode random`), link changes (MTU) and a queueing rate limit (HTB; this
// kernel has no netem). A probe sees nothing but lost, late or missing packets.
//
// Rules sit in the --from node and match on the packet as its pods and host send it: in
// `forward` for pod traffic (after Service DNAT, so a ClusterIP is judged by its backend),
// in `output` for hostNetwork traffic, before any VXLAN encapsulation. Each rule carries its
// fault as a comment, which is also how `status` lists the faults: the namespaces are the truth.
// `bird-stop` (routed labs) stops a node's BGP daemon, as when calico-node's bird dies;
// `fdb-flush` (vxlan labs) removes a node's flannel.1 FDB and neighbour entries for its peers,
// as when flanneld is not running to program them. `neigh-overflow` lowers the machine's
// neighbour-table limits (neigh-overflow.ts): one kernel table, so every node at once.
import { IS_ROOT, nsExec } from '../../support/netns.ts';
import { activeNeighbourOverflow, lowerNeighbourLimits, restoreNeighbourLimits } from './neigh-overflow.ts';
import type { LabState, Overlay } from '../state.ts';
import { birdPid, startBird, waitForBgpRoutes } from './routed.ts';
import { applyNft } from './services.ts';
import { findNode, labPrefixOf, nodeAddressing, type NodeAddressing } from './topology.ts';
import { UNDERLAY_MTU } from './underlay.ts';
import { bridgeFdbEntries, flushPeerEntries, VXLAN_PORT, writePeerEntries } from './vxlan.ts';

export const FAULT_KINDS = ['syn-drop', 'udp-loss', 'dns-drop', 'blackhole', 'mtu', 'slow', 'bird-stop', 'fdb-flush', 'dns-slow', 'neigh-overflow'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];
/** Which family a packet fault drops (a dual-stack lab's IPv6 in a table of its own). */
export type FaultFamily = 'ipv4' | 'ipv6';
const IPV6_KINDS: readonly FaultKind[] = ['syn-drop', 'udp-loss', 'blackhole'];

export interface Fault {
  kind: FaultKind;
  /** Required except for neigh-overflow (machine-wide: the kernel's one neighbour table), which refuses it. */
  from?: string;
  /** Required except for dns-drop (then: queries to any node), mtu, bird-stop and fdb-flush (properties of --from). */
  to?: string;
  /** syn-drop, udp-loss, dns-drop, blackhole: share of packets dropped (default 100; a blackhole of less is a lossy path). */
  percent?: number;
  /** mtu: the --from node's underlay MTU (default 1400). */
  mtu?: number;
  /** slow: rate towards --to in kbit/s (default 1000). */
  rateKbit?: number;
  /** dns-slow: DNS queries per second the --from node's pods answer at most (required). */
  qps?: number;
  /** syn-drop, udp-loss, blackhole: the IPv6 packets instead (dual-stack labs); default ipv4. */
  family?: FaultFamily;
  /** neigh-overflow, as added and listed: the gc_thresh1/2/3 it set, e.g. "3/12/24", and the machine's before. */
  gcThresh?: string;
  original?: string;
}

/** The lab as faults need it: its nodes, and for BGP its overlay and directory (BIRD's files). */
export interface FaultTarget {
  nodes: NodeAddressing[];
  overlay: Overlay;
  dir: string;
}

const TABLE = 'ip nplab_faults';
const TABLE6 = 'ip6 nplab_faults6';
const baseRuleset = (table: string) => `add table ${table}
add chain ${table} forward { type filter hook forward priority filter - 10; }
add chain ${table} output { type filter hook output priority filter - 10; }
add chain ${table} ingress { type filter hook prerouting priority raw; }
add chain ${table} postrouting { type filter hook postrouting priority filter; }
`;
const BASE = baseRuleset(TABLE);
const NEEDS_TO: FaultKind[] = ['syn-drop', 'udp-loss', 'blackhole', 'slow'];
export const DEFAULT_FAULT_MTU = 1400;
const DEFAULT_RATE_KBIT = 1000;
/** BGP reconverges after BIRD restarts within a few seconds (the peers' error wait + connect retry). */
const BGP_RECONVERGE_TIMEOUT_MS = 20_000;

function requireRoot(): void {
  if (!IS_ROOT) throw new Error('faults need root: they are nftables rules and link changes inside the lab\'s node namespaces (run the lab as root)');
}

/** The fault with its defaults filled in, or an error saying what is wrong with it. */
export function validateFault({ nodes, overlay }: FaultTarget, fault: Fault): Fault {
  if (!FAULT_KINDS.includes(fault.kind)) throw new Error(`unknown fault kind "${fault.kind}"; kinds: ${FAULT_KINDS.join(', ')}`);
  if (fault.kind === 'neigh-overflow') {
    if (fault.from !== undefined || fault.to !== undefined) {
      throw new Error('neigh-overflow takes no --from or --to: the kernel has one neighbour table, and one set of gc_thresh limits, for every namespace on the machine, so it overflows on every node of the lab at once');
    }
    return { kind: fault.kind };
  }
  if (fault.from === undefined) throw new Error(`fault ${fault.kind} needs --from NODE`);
  if (fault.kind === 'bird-stop' && overlay !== 'routed') throw new Error(`bird-stop needs a lab with --overlay routed (BGP); this one is ${overlay}`);
  if (fault.kind === 'fdb-flush' && overlay !== 'vxlan') throw new Error(`fdb-flush needs a lab with --overlay vxlan (Flannel); this one is ${overlay}`);
  findNode(nodes, fault.from);
  if (fault.to !== undefined) findNode(nodes, fault.to);
  if (fault.to === undefined && NEEDS_TO.includes(fault.kind)) throw new Error(`fault ${fault.kind} needs --to NODE`);
  if (fault.to === fault.from) throw new Error('--from and --to must be different nodes');
  const percent = fault.percent ?? 100;
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new Error(`--percent must be an integer from 1 to 100, not ${fault.percent}`);
  const mtu = fault.mtu ?? DEFAULT_FAULT_MTU;
  if (!Number.isInteger(mtu) || mtu < 576 || mtu >= UNDERLAY_MTU) throw new Error(`--mtu must be from 576 to ${UNDERLAY_MTU - 1}, not ${fault.mtu}`);
  const rateKbit = fault.rateKbit ?? DEFAULT_RATE_KBIT;
  if (!(rateKbit > 0)) throw new Error(`--rate must be a positive number of kbit/s, not ${fault.rateKbit}`);
  if (fault.kind === 'dns-slow' && !(Number.isInteger(fault.qps) && fault.qps! > 0)) throw new Error(`dns-slow needs --qps, a whole number of queries per second > 0, not ${fault.qps}`);
  if (fault.family !== undefined && fault.family !== 'ipv4' && fault.family !== 'ipv6') throw new Error(`--family must be ipv4 or ipv6, not ${fault.family}`);
  if (fault.family === 'ipv6') {
    if (!IPV6_KINDS.includes(fault.kind)) throw new Error(`--family ipv6 works with ${IPV6_KINDS.join(', ')}, not ${fault.kind}`);
    if (!nodes[0]?.podCIDR6) throw new Error('--family ipv6 needs a dual-stack lab (up --ipv6)');
    return { kind: fault.kind, from: fault.from, to: fault.to, percent, family: 'ipv6' };
  }
  switch (fault.kind) {
    case 'mtu': return { kind: fault.kind, from: fault.from, mtu };
    case 'slow': return { kind: fault.kind, from: fault.from, to: fault.to, rateKbit };
    case 'bird-stop':
    case 'fdb-flush': return { kind: fault.kind, from: fault.from };
    case 'dns-slow': return { kind: fault.kind, from: fault.from, qps: fault.qps };
    default: return { kind: fault.kind, from: fault.from, to: fault.to, percent };
  }
}

const describe = (f: Fault): string =>
  Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');

/** What faults act on in a real lab: its nodes' addresses, its overlay, and its state directory. */
export function faultTarget(state: LabState, dir: string): FaultTarget {
  return { nodes: nodeAddressing(state.prefix, state.nodes, false, state.ipv6), overlay: state.overlay, dir };
}

/**
 * The fault, or with from '*' one per node, added in one go (a lab command per node takes a
 * second or more to start, so on a 6-node lab the last would land several seconds after the first).
 */
export function addFaults(target: FaultTarget, requested: Fault): Fault[] {
  const froms = requested.from === '*' ? target.nodes.map((node) => node.name) : [requested.from];
  return froms.map((from) => addFault(target, { ...requested, from }));
}

export function addFault(target: FaultTarget, requested: Fault): Fault {
  const fault = validateFault(target, requested);
  if (fault.kind === 'neigh-overflow') {
    const { original, lowered } = lowerNeighbourLimits(target.dir, labPrefixOf(target.nodes[0]), target.nodes.length);
    return { kind: fault.kind, gcThresh: lowered.join('/'), original: original.join('/') };
  }
  requireRoot();
  const from = findNode(target.nodes, fault.from!);
  if (fault.kind === 'bird-stop') {
    const pid = birdPid(from);
    if (pid !== undefined) process.kill(pid, 'SIGTERM');
    return fault;
  }
  if (fault.kind === 'fdb-flush') {
    flushPeerEntries(from);
    return fault;
  }
  const { nodes } = target;
  const to = fault.to === undefined ? undefined : findNode(nodes, fault.to);
  if (fault.family === 'ipv6') return addIpv6Fault(from, to!, fault);
  const toMatch = to ? `ip daddr { ${to.podCIDR}, ${to.internalIP} } ` : '';
  // numgen yields 0..99, so `< 100` is out of range for nft: 100 % is simply unconditional.
  const chance = fault.percent === 100 ? '' : `numgen random mod 100 < ${fault.percent} `;
  const comment = `comment "${describe(fault)}"`;
  const both = (match: string): string[] => [
    `add rule ${TABLE} forward ip saddr ${from.podCIDR} ${toMatch}${match}drop ${comment}`,
    `add rule ${TABLE} output ${toMatch}${match}drop ${comment}`,
  ];
  let rules: string[];
  switch (fault.kind) {
    case 'syn-drop': rules = both(`tcp flags & (syn | ack) == syn ${chance}`); break;
    // The VXLAN packets that carry the node's pod traffic are UDP too: losing them is not this fault.
    case 'udp-loss': rules = both(`udp dport != ${VXLAN_PORT} ${chance}`); break;
    case 'dns-drop': rules = both(`meta l4proto { tcp, udp } th dport 53 ${chance}`); break;
    // A DNS server that answers only so many queries a second: queries to the node's pods
    // (the kube-dns pods there, after the Service's DNAT) beyond the rate are dropped. The
    // burst stands for the server's socket queue, 200 ms of the rate: with nft's default of
    // 5 packets, random arrival bursts well below the rate would already lose queries.
    case 'dns-slow':
      rules = [`add rule ${TABLE} forward ip daddr ${from.podCIDR} udp dport 53 limit rate over ${fault.qps}/second burst ${Math.max(5, Math.ceil(fault.qps! / 5))} packets drop ${comment}`];
      break;
    // All of it, or a share of every TCP and UDP packet (a lossy path), leaving the VXLAN packets
    // that carry the same pod traffic alone as udp-loss does, so the share is not taken twice.
    case 'blackhole': rules = both(fault.percent === 100 ? '' : `meta l4proto { tcp, udp } th dport != ${VXLAN_PORT} ${chance}`); break;
    case 'mtu':
      // veth hands over oversize (GSO) frames whatever the receiver's MTU; a real NIC would not
      // receive them, so drop what no longer fits, as it arrives at the node.
      rules = [`add rule ${TABLE} ingress iifname "eth0" ip length > ${fault.mtu} drop ${comment}`];
      nsExec(from.netns, 'ip', ['link', 'set', 'eth0', 'mtu', String(fault.mtu)]);
      break;
    case 'slow': {
      // HTB picks the class named by skb->priority, so nftables can steer one peer's packets
      // into a rate-limited class; everything else bypasses it. The class queues, then drops.
      const classId = `1:${(0x100 + to!.index).toString(16)}`;
      if (!nsExec(from.netns, 'tc', ['qdisc', 'show', 'dev', 'eth0']).includes('htb 1:')) {
        nsExec(from.netns, 'tc', ['qdisc', 'replace', 'dev', 'eth0', 'root', 'handle', '1:', 'htb']);
      }
      nsExec(from.netns, 'tc', ['class', 'replace', 'dev', 'eth0', 'parent', '1:', 'classid', classId, 'htb', 'rate', `${fault.rateKbit}kbit`]);
      rules = [`add rule ${TABLE} postrouting oifname "eth0" ${toMatch}meta priority set ${classId} ${comment}`];
      break;
    }
  }
  applyNft(from.netns, BASE + rules.join('\n') + '\n');
  return fault;
}

/** A packet fault on the IPv6 twins of the nodes' addresses, in a table of its own (the ip table sees only IPv4). */
function addIpv6Fault(from: NodeAddressing, to: NodeAddressing, fault: Fault): Fault {
  const toMatch = `ip6 daddr { ${to.podCIDR6}, ${to.internalIP6} } `;
  const chance = fault.percent === undefined || fault.percent === 100 ? '' : `numgen random mod 100 < ${fault.percent} `;
  const match = fault.kind === 'syn-drop' ? `tcp flags & (syn | ack) == syn ${chance}` : fault.kind === 'udp-loss' ? `meta l4proto udp ${chance}` : '';
  const comment = `comment "${describe(fault)}"`;
  applyNft(from.netns, `${baseRuleset(TABLE6)}add rule ${TABLE6} forward ip6 saddr ${from.podCIDR6} ${toMatch}${match}drop ${comment}
add rule ${TABLE6} output ${toMatch}${match}drop ${comment}
`);
  return fault;
}

/** Removes every fault from every node: the fault table, the MTU change, the rate limit, a
 *  stopped BIRD (restarted; resolves once BGP has converged again), flushed VXLAN peers. */
export async function clearFaults({ nodes, overlay, dir }: FaultTarget): Promise<void> {
  requireRoot();
  restoreNeighbourLimits(dir);
  if (overlay === 'routed') {
    const stopped = nodes.filter((node) => birdPid(node) === undefined);
    for (const node of stopped) startBird(dir, node);
    if (stopped.length) await waitForBgpRoutes(nodes, BGP_RECONVERGE_TIMEOUT_MS);
  }
  if (overlay === 'vxlan') for (const node of nodes) writePeerEntries(node, nodes.filter((p) => p !== node));
  for (const node of nodes) {
    // Adding the table first makes the delete succeed whether or not a fault was ever added.
    applyNft(node.netns, `${BASE}delete table ${TABLE}\n`);
    if (node.podCIDR6) applyNft(node.netns, `${baseRuleset(TABLE6)}delete table ${TABLE6}\n`);
    nsExec(node.netns, 'ip', ['link', 'set', 'eth0', 'mtu', String(UNDERLAY_MTU)]);
    if (nsExec(node.netns, 'tc', ['qdisc', 'show', 'dev', 'eth0']).includes('htb 1:')) {
      nsExec(node.netns, 'tc', ['qdisc', 'del', 'dev', 'eth0', 'root']);
    }
  }
}

/** The faults in place, read back from the rules' comments (and from BIRD's absence, or missing VXLAN peers). */
export function listFaults({ nodes, overlay, dir }: FaultTarget): Fault[] {
  if (!IS_ROOT) return [];
  const neighbours = activeNeighbourOverflow(dir);
  const stateFaults: Fault[] = neighbours ? [{ kind: 'neigh-overflow', gcThresh: neighbours.lowered.join('/'), original: neighbours.original.join('/') }] : [];
  stateFaults.push(...(overlay === 'routed'
    ? nodes.filter((n) => birdPid(n) === undefined).map((n): Fault => ({ kind: 'bird-stop', from: n.name }))
    : nodes.filter((n) => bridgeFdbEntries(n).length < nodes.length - 1).map((n): Fault => ({ kind: 'fdb-flush', from: n.name }))));
  const seen = new Set<string>();
  for (const node of nodes) {
    const json = JSON.parse(nsExec(node.netns, 'nft', ['-j', 'list', 'tables'])) as { nftables: { table?: { name: string } }[] };
    for (const table of [TABLE, TABLE6]) {
      if (!json.nftables.some((e) => e.table?.name === table.split(' ')[1])) continue;
      const rules = JSON.parse(nsExec(node.netns, 'nft', ['-j', 'list', 'table', ...table.split(' ')])) as { nftables: { rule?: { comment?: string } }[] };
      for (const e of rules.nftables) if (e.rule?.comment) seen.add(e.rule.comment);
    }
  }
  return [...stateFaults, ...[...seen].map((comment): Fault => {
    const fields = Object.fromEntries(comment.split(' ').map((kv) => kv.split('=') as [string, string]));
    const num = (k: string): number | undefined => (fields[k] === undefined ? undefined : Number(fields[k]));
    return {
      kind: fields.kind as FaultKind, from: fields.from, to: fields.to, percent: num('percent'), mtu: num('mtu'), rateKbit: num('rateKbit'), qps: num('qps'),
      ...(fields.family && { family: fields.family as FaultFamily }),
    };
  })];
}
