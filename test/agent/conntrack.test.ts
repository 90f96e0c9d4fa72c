// Conntrack's statistics (issue 9 §6): read per CPU from /proc/net/stat/nf_conntrack, summed,
// with deltas that survive a 32-bit counter wrapping; a host-network agent reports them at start
// and end, agreeing with conntrack(8); a missing module is a warning; `nodes` reads early_drop too.
import { execFileSync } from 'node:child_process';
import { conntrackDelta, conntrackTotals, readConntrack } from '../../src/agent/conntrack.ts';
import { runAgent } from '../support/agent-process.ts';
import { describeAsRoot, TestNet } from '../support/netns.ts';
import { inspectFixture } from '../support/node-fixture.ts';

const HEADER = 'entries  clashres found new invalid ignore delete chainlength insert insert_failed drop early_drop icmp_error  expect_new expect_create expect_delete search_restart';
/** The file as the kernel prints it: one %08x row per CPU. */
const statFile = (rows: { insertFailed: number; drop: number; earlyDrop: number }[]) => [HEADER, ...rows.map((r) =>
  [7, 0, 3, 9, 0, 0, 2, 0, 9, r.insertFailed, r.drop, r.earlyDrop, 0, 0, 0, 0, 1].map((n) => n.toString(16).padStart(8, '0')).join(' '))].join('\n') + '\n';

describe('conntrack statistics', () => {
  test('each counter summed over the CPUs\' rows', () => {
    const warnings: string[] = [];
    const reading = readConntrack(warnings, () => statFile([{ insertFailed: 3, drop: 0, earlyDrop: 1 }, { insertFailed: 0x1a, drop: 2, earlyDrop: 0 }]))!;
    expect(conntrackTotals(reading)).toEqual({ insert_failed: 29, drop: 2, early_drop: 1 });
    expect(warnings).toEqual([]);
  });

  test('deltas per CPU modulo 2^32: a counter that wrapped still counts what happened', () => {
    const start = readConntrack([], () => statFile([{ insertFailed: 0xfffffff0, drop: 5, earlyDrop: 0 }, { insertFailed: 1, drop: 0, earlyDrop: 0xffffffff }]))!;
    const end = readConntrack([], () => statFile([{ insertFailed: 0x10, drop: 5, earlyDrop: 0 }, { insertFailed: 1, drop: 4, earlyDrop: 2 }]))!;
    expect(conntrackDelta(start, end)).toEqual({ insert_failed: 32, drop: 4, early_drop: 3 });
    // A CPU that came online since the start counts from 0.
    const more = readConntrack([], () => statFile([{ insertFailed: 0x10, drop: 5, earlyDrop: 0 }, { insertFailed: 1, drop: 4, earlyDrop: 2 }, { insertFailed: 6, drop: 0, earlyDrop: 0 }]))!;
    expect(conntrackDelta(start, more).insert_failed).toBe(38);
  });

  test('no conntrack module: a warning that says so, and no statistics', () => {
    const warnings: string[] = [];
    expect(readConntrack(warnings, () => { throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' }); })).toBeNull();
    expect(warnings).toEqual(['no /proc/net/stat/nf_conntrack: the conntrack module is not loaded here, so there are no conntrack statistics (insert_failed, drop, early_drop)']);
    const unreadable: string[] = [];
    expect(readConntrack(unreadable, () => HEADER.replace('early_drop', 'other') + '\n00000000 '.repeat(1) + '0 '.repeat(16) + '\n')).toBeNull();
    expect(unreadable[0]).toMatch(/^conntrack statistics unreadable \(\/proc\/net\/stat\/nf_conntrack\): /);
  });

  test('the nodes inspection reads insert_failed, drop and early_drop', () => {
    const inspection = inspectFixture({ index: 1, peers: [2], conntrack: { count: 11, max: 262144, insertFailed: 4, drop: 2, earlyDrop: 9 } });
    expect(inspection.conntrack).toEqual({ count: 11, max: 262144, insertFailed: 4, drop: 2, earlyDrop: 9 });
  });
});

describeAsRoot('a host-network agent\'s conntrack statistics', () => {
  const net = new TestNet();
  afterAll(() => net.dispose());

  test('at start and end, summed over CPUs, as conntrack -S counts them; a pod-network agent reports none', async () => {
    const ns = net.namespace('host');
    // A rule that needs conntrack, so the namespace has a table of its own to count.
    net.nft(ns, 'table ip nptest_ct {\n  chain output {\n    type filter hook output priority 0;\n    ct state new accept\n  }\n}\n');
    const plan = {
      planVersion: 1 as const, runToken: 'ct', node: 'n', listen: { host: '127.0.0.1', tcpPort: 9500, udpPort: 9501 }, protocols: ['tcp' as const, 'udp' as const],
      durationMs: 1000, ratePerSecond: 5, tcpTimeoutMs: 1000, udpTimeoutMs: 500, tcpPayloadBytes: 64, serveMs: 1500,
      peers: [{ node: 'n', ip: '127.0.0.1', tcpPort: 9500, udpPort: 9501, path: 'host' as const }],
    };
    const host = (await runAgent({ ...plan, network: 'host' }, { net, ns })).result!;
    // conntrack(8) reads the same counters over netlink: one "cpu=N … insert_failed=… drop=… early_drop=…" line per CPU.
    const counted = { insert_failed: 0, drop: 0, early_drop: 0 };
    for (const line of net.exec(ns, 'conntrack', ['-S']).split('\n')) {
      for (const key of Object.keys(counted) as (keyof typeof counted)[]) counted[key] += Number(new RegExp(`\\b${key}=(\\d+)`).exec(line)?.[1] ?? 0);
    }
    expect(host.conntrack!.end).toEqual(counted);
    expect(host.conntrack!.delta).toEqual({ insert_failed: host.conntrack!.end.insert_failed - host.conntrack!.start.insert_failed, drop: host.conntrack!.end.drop - host.conntrack!.start.drop, early_drop: host.conntrack!.end.early_drop - host.conntrack!.start.early_drop });
    expect(host.warnings.filter((w) => w.includes('conntrack'))).toEqual([]);
    expect(execFileSync('ip', ['netns', 'exec', ns, 'cat', '/proc/net/stat/nf_conntrack'], { encoding: 'utf8' })).toContain('early_drop');
    const pod = (await runAgent({ ...plan, network: 'pod', listen: { ...plan.listen, tcpPort: 9502, udpPort: 9503 }, peers: [{ ...plan.peers[0], tcpPort: 9502, udpPort: 9503 }] }, { net, ns })).result!;
    expect(pod.conntrack).toBeUndefined();
  }, 30_000);
});
