// A node's /proc and /sys as the kernel prints them (formats copied from a 6.18 host and a lab
// node), written from a few facts, and read back through the agent's own inspectNode: the
// checks' tests start from real text, not from hand-made result objects.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspectNode } from '../../src/agent/inspect/inspect.ts';
import type { NodeInspection } from '../../src/shared/inspection.ts';

export interface NodeFixture {
  /** Node i: 198.18.0.(10+i), pods 198.19.i.0/24. */
  index: number;
  peers: number[];
  overlay?: 'vxlan' | 'routed';
  eth0Mtu?: number;
  flannelMtu?: number;
  /** Peers with a flannel.1 neighbour entry (default: all). */
  vtepNeighbours?: number[];
  /** Peers with a route to their pods (default: all). */
  routedPeers?: number[];
  /** routed: BIRD listening, and the peers it has a session with (default: all). */
  bgpListening?: boolean;
  bgpPeers?: number[];
  /** Only the host's initial namespace has these (null: a node namespace, as in the lab). */
  gcThresh?: [number, number, number] | null;
  arpCache?: { entries: number; tableFulls: number } | null;
  conntrack?: { count: number; max: number; insertFailed: number; drop: number; earlyDrop?: number };
  twRecycle?: number;
  synLinearTimeouts?: number | null;
  /** Files the agent may not read (EACCES), e.g. under a restrictive LSM profile. */
  denied?: string[];
}

export const nodeIP = (i: number) => `198.18.0.${10 + i}`;

/** An IPv4 address as /proc/net/{route,tcp} print it on x86 (little-endian %08X). */
export function procHex(ip: string): string {
  return ip.split('.').reverse().map((o) => Number(o).toString(16).padStart(2, '0').toUpperCase()).join('');
}

const ARP_HEADER = 'IP address       HW type     Flags       HW address            Mask     Device';
const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT';
const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode';
const ARP_CACHE_HEADER = 'entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls';
const CONNTRACK_HEADER = 'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';
const hex8 = (n: number) => n.toString(16).padStart(8, '0');

function route(iface: string, destination: string, gateway: string, prefixLength: number): string {
  const mask = prefixLength === 0 ? 0 : (2 ** 32 - 2 ** (32 - prefixLength));
  return [iface, procHex(destination), procHex(gateway), gateway === '0.0.0.0' ? '0001' : '0003', '0', '0', '0', procHex([24, 16, 8, 0].map((s) => Math.floor(mask / 2 ** s) % 256).join('.')), '0', '0', '0'].join('\t');
}

function tcpLine(i: number, local: string, localPort: number, remote: string, remotePort: number, state: string): string {
  return `   ${i}: ${procHex(local)}:${localPort.toString(16).toUpperCase().padStart(4, '0')} ${procHex(remote)}:${remotePort.toString(16).toUpperCase().padStart(4, '0')} ${state} 00000000:00000000 00:00000000 00000000     0        0 452363 1 00000000ff912251 100 0 0 10 0`;
}

export function procFiles(f: NodeFixture): Record<string, string> {
  const overlay = f.overlay ?? 'vxlan';
  const me = nodeIP(f.index);
  const vteps = f.vtepNeighbours ?? f.peers;
  const routed = f.routedPeers ?? f.peers;
  const bgpPeers = f.bgpPeers ?? f.peers;
  const files: Record<string, string> = {
    '/proc/net/arp': [ARP_HEADER,
      ...(overlay === 'vxlan' ? vteps.map((j) => `198.19.${j}.0       0x1         0x6         02:4e:50:00:00:${j.toString(16).padStart(2, '0')}     *        flannel.1`) : []),
      `198.19.${f.index}.2       0x1         0x2         3e:c8:bc:2e:f2:26     *        cni0`].join('\n') + '\n',
    '/proc/net/route': [ROUTE_HEADER, route('eth0', '198.18.0.0', '0.0.0.0', 24), route('cni0', `198.19.${f.index}.0`, '0.0.0.0', 24),
      ...routed.map((j) => (overlay === 'vxlan' ? route('flannel.1', `198.19.${j}.0`, `198.19.${j}.0`, 24) : route('eth0', `198.19.${j}.0`, nodeIP(j), 24)))].join('\n') + '\n',
    '/proc/net/tcp': [TCP_HEADER, ...(overlay === 'routed' ? [
      ...(f.bgpListening ?? true ? [tcpLine(0, '0.0.0.0', 179, '0.0.0.0', 0, '0A')] : []),
      ...bgpPeers.map((j, k) => tcpLine(k + 1, me, 179, nodeIP(j), 40000 + j, '01')),
    ] : [])].join('\n') + '\n',
    '/proc/net/tcp6': '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n',
    '/proc/sys/net/ipv4/tcp_syn_retries': '6\n',
    '/proc/sys/net/netfilter/nf_conntrack_count': `${f.conntrack?.count ?? 11}\n`,
    '/proc/sys/net/netfilter/nf_conntrack_max': `${f.conntrack?.max ?? 262144}\n`,
    '/proc/net/stat/nf_conntrack': [CONNTRACK_HEADER, ...[0, 1].map((cpu) => [f.conntrack?.count ?? 11, 0, 0, 0, 0, 0, 0, 0, 0, cpu === 0 ? f.conntrack?.insertFailed ?? 0 : 0, cpu === 1 ? f.conntrack?.drop ?? 0 : 0, cpu === 1 ? f.conntrack?.earlyDrop ?? 0 : 0, 0, 0, 0, 0, 0].map(hex8).join(' '))].join('\n') + '\n',
  };
  const linear = f.synLinearTimeouts === undefined ? 4 : f.synLinearTimeouts;
  if (linear !== null) files['/proc/sys/net/ipv4/tcp_syn_linear_timeouts'] = `${linear}\n`;
  if (f.twRecycle !== undefined) files['/proc/sys/net/ipv4/tcp_tw_recycle'] = `${f.twRecycle}\n`;
  const thresholds = f.gcThresh === undefined ? [128, 512, 1024] : f.gcThresh;
  if (thresholds) thresholds.forEach((t, i) => { files[`/proc/sys/net/ipv4/neigh/default/gc_thresh${i + 1}`] = `${t}\n`; });
  const arpCache = f.arpCache === undefined ? { entries: 4, tableFulls: 0 } : f.arpCache;
  if (arpCache) {
    files['/proc/net/stat/arp_cache'] = [ARP_CACHE_HEADER, ...[0, 1].map((cpu) => [arpCache.entries, 0x9be, 0xab4, 4, 0x1dba, 0x802, 0, 0, 0, 0, 0, 0, cpu === 0 ? arpCache.tableFulls : 0].map(hex8).join(' '))].join('\n') + '\n';
  }
  return files;
}

/** Writes /sys/class/net for the fixture into dir. */
export function writeSysNet(dir: string, f: NodeFixture): void {
  const link = (name: string, mtu: number, type: number, uevent: string, flags: string, lower?: string) => {
    mkdirSync(join(dir, name), { recursive: true });
    writeFileSync(join(dir, name, 'mtu'), `${mtu}\n`);
    writeFileSync(join(dir, name, 'type'), `${type}\n`);
    writeFileSync(join(dir, name, 'flags'), `${flags}\n`);
    writeFileSync(join(dir, name, 'uevent'), `${uevent}INTERFACE=${name}\nIFINDEX=2\n`);
    if (lower) writeFileSync(join(dir, name, `lower_${lower}`), '');
  };
  link('lo', 65536, 772, '', '0x9');
  link('eth0', f.eth0Mtu ?? 1500, 1, '', '0x1003');
  const podMtu = (f.overlay ?? 'vxlan') === 'vxlan' ? f.flannelMtu ?? 1450 : 1500;
  link('cni0', podMtu, 1, 'DEVTYPE=bridge\n', '0x1003');
  if ((f.overlay ?? 'vxlan') === 'vxlan') link('flannel.1', f.flannelMtu ?? 1450, 1, 'DEVTYPE=vxlan\n', '0x11043', 'eth0');
}

/** The NodeInspection the agent would print on this node. */
export function inspectFixture(f: NodeFixture, name = `node${f.index}`): NodeInspection {
  const files = procFiles(f);
  const sys = mkdtempSync(join(tmpdir(), 'netprobe-sys-'));
  try {
    writeSysNet(sys, f);
    return inspectNode({ planVersion: 1, mode: 'inspect', runToken: 'run1', node: name }, {
      sysNetDir: sys,
      readFile: (path) => {
        if (f.denied?.includes(path)) throw Object.assign(new Error(`EACCES: ${path}`), { code: 'EACCES' });
        if (!(path in files)) throw Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
        return files[path];
      },
    });
  } finally {
    rmSync(sys, { recursive: true, force: true });
  }
}
