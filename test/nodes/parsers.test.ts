// The agent's /proc parsers on text as the kernel prints it (a 6.18 host, a lab node).
import { parseHexStatTable } from '../../src/agent/inspect/hex-stat.ts';
import { hexMaskToPrefixLength, hexToAddress } from '../../src/agent/inspect/hex-address.ts';
import { parseProcNetArp } from '../../src/agent/inspect/proc-arp.ts';
import { parseProcNetRoute } from '../../src/agent/inspect/proc-route.ts';
import { parseBgpSockets } from '../../src/agent/inspect/proc-tcp.ts';

const ROUTE = `Iface	Destination	Gateway 	Flags	RefCnt	Use	Metric	Mask		MTU	Window	IRTT                                                       
eth0	000012C6	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                               
eth0	004012C6	00000000	0001	0	0	0	00C0FFFF	0	0	0                                                                               
cni0	000113C6	00000000	0001	0	0	0	00FFFFFF	0	0	0                                                                               
flannel.1	000213C6	000213C6	0003	0	0	0	00FFFFFF	0	0	0                                                                          
eth0	00000000	010200C0	0003	0	0	0	00000000	0	0	0                                                                               
`;

const ARP = `IP address       HW type     Flags       HW address            Mask     Device
198.19.3.0       0x1         0x6         02:4e:50:00:00:03     *        flannel.1
198.19.1.2       0x1         0x2         3e:c8:bc:2e:f2:26     *        cni0
198.18.0.14      0x1         0x0         00:00:00:00:00:00     *        eth0
`;

const ARP_CACHE = `entries  allocs   destroys hash_grows lookups  hits     res_failed rcv_probes_mcast rcv_probes_ucast periodic_gc_runs forced_gc_runs unresolved_discards table_fulls
00000003 000009be 00000ab4 00000004   00001dba 00000802 00000000   00000000         00000000         00000000         00000000       00000000            0000000a
00000003 000006eb 000005f2 00000003   0000171c 00000580 00000001   00000000         00000000         000000b3         00000000       00000000            00000001
`;

const TCP = `  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     
   0: 00000000:00B3 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 452363 1 00000000ff912251 100 0 0 10 0                    
   1: 0C0012C6:00B3 0B0012C6:B983 01 00000000:00000000 00:00000000 00000000     0        0 452812 1 000000009600f2ea 20 4 27 14 -1                   
   2: 0C0012C6:AB49 0D0012C6:00B3 01 00000000:00000000 00:00000000 00000000     0        0 452874 1 0000000092c513cb 20 4 28 14 -1                   
   3: 0C0012C6:1CE8 0D0012C6:1CE9 01 00000000:00000000 00:00000000 00000000     0        0 452875 1 0000000092c513cb 20 4 28 14 -1                   
`;
const TCP6 = `  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0000000000000000FFFF00000C0012C6:00B3 0000000000000000FFFF00000E0012C6:C001 01 00000000:00000000 00:00000000 00000000     0        0 1 1 0 20 4 28 14 -1
   1: 00000000000000000000000000000000:00B3 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
`;

describe('/proc parsers', () => {
  test('addresses and masks are host-order hex words (x86: little-endian)', () => {
    expect(hexToAddress('000113C6')).toBe('198.19.1.0');
    expect(hexToAddress('0000000000000000FFFF00000C0012C6')).toBe('198.18.0.12');
    expect(hexToAddress('00000000000000000000000001000000')).toBe('0:0:0:0:0:0:0:1');
    expect(hexMaskToPrefixLength('00FFFFFF')).toBe(24);
    expect(hexMaskToPrefixLength('00C0FFFF')).toBe(18);
    expect(hexMaskToPrefixLength('00000000')).toBe(0);
  });

  test('/proc/net/route: interface, destination/prefix, gateway', () => {
    expect(parseProcNetRoute(ROUTE)).toEqual([
      { iface: 'eth0', destination: '198.18.0.0', prefixLength: 24, gateway: '0.0.0.0' },
      { iface: 'eth0', destination: '198.18.64.0', prefixLength: 18, gateway: '0.0.0.0' },
      { iface: 'cni0', destination: '198.19.1.0', prefixLength: 24, gateway: '0.0.0.0' },
      { iface: 'flannel.1', destination: '198.19.2.0', prefixLength: 24, gateway: '198.19.2.0' },
      { iface: 'eth0', destination: '0.0.0.0', prefixLength: 0, gateway: '192.0.2.1' },
    ]);
  });

  test('/proc/net/arp: flags are hex (0x6 permanent and complete, 0x0 incomplete)', () => {
    expect(parseProcNetArp(ARP)).toEqual([
      { ip: '198.19.3.0', flags: 6, mac: '02:4e:50:00:00:03', device: 'flannel.1' },
      { ip: '198.19.1.2', flags: 2, mac: '3e:c8:bc:2e:f2:26', device: 'cni0' },
      { ip: '198.18.0.14', flags: 0, mac: '00:00:00:00:00:00', device: 'eth0' },
    ]);
  });

  test('/proc/net/stat tables: entries is the table size (any row), event counters sum over the CPU rows', () => {
    const table = parseHexStatTable(ARP_CACHE);
    expect(table.current.get('entries')).toBe(3);
    expect(table.total.get('table_fulls')).toBe(11);
    expect(table.total.get('periodic_gc_runs')).toBe(0xb3);
    expect(() => parseHexStatTable('entries table_fulls\nzz 1\n')).toThrow(/hex counters/);
    expect(() => parseHexStatTable('')).toThrow(/hex counters/);
  });

  test('/proc/net/tcp{,6}: only port-179 sockets, listening or established, v4-mapped read as IPv4', () => {
    expect(parseBgpSockets(TCP)).toEqual([
      { state: 'listen', localAddress: '0.0.0.0', remoteAddress: '0.0.0.0' },
      { state: 'established', localAddress: '198.18.0.12', remoteAddress: '198.18.0.11' },
      { state: 'established', localAddress: '198.18.0.12', remoteAddress: '198.18.0.13' },
    ]);
    expect(parseBgpSockets(TCP6)).toEqual([
      { state: 'established', localAddress: '198.18.0.12', remoteAddress: '198.18.0.14' },
      { state: 'listen', localAddress: '0:0:0:0:0:0:0:0', remoteAddress: '0:0:0:0:0:0:0:0' },
    ]);
  });
});
