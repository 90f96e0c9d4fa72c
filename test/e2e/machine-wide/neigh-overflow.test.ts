// The talk's neighbour-table overflow, for real: `npm run lab -- fault add --kind neigh-overflow`
// lowers the machine's net.ipv4.neigh.default.gc_thresh1/2/3 below what the lab's nodes need,
// and `kubectl netprobe matrix --network both` must name neighbour-table overflow on the nodes
// whose kernel really failed sends (the test reads each node's Udp SndbufErrors itself), with
// the fix from the talk; a run after `fault clear` names nothing. `fault clear`, `down`, and
// `down` after the daemon was SIGKILLed put back the values the machine had; without root the
// fault is refused.
//
// MACHINE-WIDE: the kernel has one neighbour table for every namespace, so while the fault is
// on every lab on this machine (other test files' too) shares the lowered limits and loses
// packets. This file therefore lives in test/e2e/machine-wide/, which the main jest run ignores
// (jest.config.js), and `npm test` runs it afterwards in a serial pass of its own, when no other
// test runs: `jest --runInBand test/e2e/machine-wide --testPathIgnorePatterns=/node_modules/`
// (the path first: the option takes every word after it). That is simpler than a machine-wide
// lock every lab start would have to take, and as sure within the suite. afterAll puts the
// machine's values back whatever failed.
import { readFileSync, chmodSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MatrixReport } from '../../../src/shared/report.ts';
import type { NodesReport } from '../../../src/shared/nodes-report.ts';
import { neighOverflowFile, readGcThresh, type GcThresh } from '../../lab/net/neigh-overflow.ts';
import { podNamespace } from '../../lab/net/topology.ts';
import type { LabState } from '../../lab/state.ts';
import { LabSession } from '../../support/lab-session.ts';
import { describeAsRoot, nsExec, run } from '../../support/netns.ts';

const NODES = 4;
const NOBODY = 65534;

/** /proc/net/stat/arp_cache's table_fulls, summed over the CPU rows (visible in the initial namespace only). */
function tableFulls(): number {
  const [header, ...rows] = readFileSync('/proc/net/stat/arp_cache', 'utf8').trim().split('\n').map((l) => l.trim().split(/\s+/));
  const column = header.indexOf('table_fulls');
  return rows.reduce((sum, row) => sum + parseInt(row[column], 16), 0);
}

/** Udp SndbufErrors in a namespace: the sends the kernel could not make (FIELD-NOTES: no ENOBUFS without IP_RECVERR). */
function udpSndbufErrors(netns: string): number {
  const lines = nsExec(netns, 'cat', ['/proc/net/snmp']).split('\n').filter((l) => l.startsWith('Udp:'));
  const [names, values] = lines.map((l) => l.split(/\s+/).slice(1));
  return Number(values[names.indexOf('SndbufErrors')]);
}

/** The kernel log as [timestamp, line]s: lines are told apart by timestamp, as a count would not do (the ring buffer wraps). */
const kernelLog = (): [number, string][] => run('dmesg', []).split('\n').filter(Boolean).map((l) => [Number(/^\[\s*(\d+\.\d+)\]/.exec(l)?.[1] ?? 0), l]);
const kernelLogEnd = (): number => Math.max(0, ...kernelLog().map(([t]) => t));

describeAsRoot('neigh-overflow on the lab (machine-wide: run alone)', () => {
  const lab = new LabSession();
  let machine: GcThresh;
  const state = (): LabState => JSON.parse(readFileSync(join(lab.dir, 'state', 'state.json'), 'utf8')) as LabState;
  const nodeNetns = (node: string): string => `${state().prefix}-${node}`;
  /** Each node's failed UDP sends since `before`: its own namespace's (host network) and its pods' (new namespaces, from 0). */
  const failedSendsPerNode = (before: number[], runNamespace: string): Map<string, number> => {
    const lab = state();
    const namespaces = new Set(run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]));
    return new Map(names.map((node, i) => {
      const pods = lab.pods.filter((p) => p.namespace === runNamespace && p.node === node).map((p) => podNamespace(lab.prefix, p.uid)).filter((ns) => namespaces.has(ns));
      return [node, udpSndbufErrors(nodeNetns(node)) - before[i] + pods.reduce((sum, ns) => sum + udpSndbufErrors(ns), 0)];
    }));
  };
  const names = Array.from({ length: NODES }, (_, i) => `node${i + 1}`);

  /** Adds the fault; checks that the machine now has the lower values it says it set, and the machine's before; returns them. */
  const addOverflow = async (): Promise<GcThresh> => {
    const added = await lab.lab('fault', 'add', '--kind', 'neigh-overflow');
    expect(added.stderr).toBe('');
    const [, lowered, original] = /^fault added: kind=neigh-overflow gcThresh=(\d+\/\d+\/\d+) original=(\d+\/\d+\/\d+)$/m.exec(added.stdout)!;
    expect(original).toBe(machine.join('/'));
    expect(readGcThresh().join('/')).toBe(lowered);
    expect(readGcThresh()[2]).toBeLessThan(machine[2]);
    return readGcThresh();
  };

  beforeAll(async () => {
    machine = readGcThresh();
    await lab.up('--nodes', String(NODES));
  }, 60_000);
  afterAll(async () => {
    try {
      await lab.down();
    } finally {
      // Whatever failed above, the machine gets its values back (and the test says it had to).
      const now = readGcThresh();
      if (now.join('/') !== machine.join('/')) {
        machine.forEach((v, i) => writeFileSync(`/proc/sys/net/ipv4/neigh/default/gc_thresh${i + 1}`, `${v}\n`));
        throw new Error(`gc_thresh was left at ${now.join('/')}; put back ${machine.join('/')}`);
      }
    }
  }, 60_000);

  test('without root the fault is refused, saying why, and nothing changes', async () => {
    chmodSync(lab.dir, 0o755);
    try {
      const refused = await lab.labAsUser(NOBODY, 'fault', 'add', '--kind', 'neigh-overflow');
      expect(refused.code).toBe(1);
      expect(refused.stderr.trim()).toBe('lab: neigh-overflow needs root: it lowers the machine\'s net.ipv4.neigh.default.gc_thresh1/2/3, which only root may write, in the initial network namespace');
    } finally {
      chmodSync(lab.dir, 0o700);
    }
    expect(readGcThresh()).toEqual(machine);
    expect(existsSync(neighOverflowFile(join(lab.dir, 'state')))).toBe(false);
  });

  test('matrix --network both names the overflow on the nodes whose kernel failed sends, with the fix; nodes says what it can see; clear restores, and a clean run names nothing', async () => {
    const fullsBefore = tableFulls();
    const logSince = kernelLogEnd();
    const sndbufBefore = names.map((n) => udpSndbufErrors(nodeNetns(n)));
    let report: MatrixReport;
    let nodes: NodesReport;
    const lowered = await addOverflow();
    try {
      expect((await lab.lab('status')).stdout).toContain(`kind=neigh-overflow gcThresh=${lowered.join('/')} original=${machine.join('/')}`);
      // --keep: the pods' namespaces stay, so that their kernel counters can be read below.
      const matrix = await lab.netprobe('matrix', '-o', 'json', '--network', 'both', '--duration', '8s', '--rate', '10', '--timeout', '30s', '--keep');
      expect(matrix.stderr).not.toMatch(/^error:/m);
      report = JSON.parse(matrix.stdout) as MatrixReport;
      const inspected = await lab.netprobe('nodes', '-o', 'json', '--timeout', '30s');
      nodes = JSON.parse(inspected.stdout) as NodesReport;
    } finally {
      const cleared = await lab.lab('fault', 'clear');
      expect(cleared.code).toBe(0);
    }
    expect(readGcThresh()).toEqual(machine);
    expect(existsSync(neighOverflowFile(join(lab.dir, 'state')))).toBe(false);

    // What the kernel did, read by the test itself: the table was full, the log says so, and
    // some nodes' UDP sends failed silently (SndbufErrors).
    expect(tableFulls()).toBeGreaterThan(fullsBefore);
    expect(kernelLog().filter(([t]) => t > logSince).map(([, l]) => l)).toContainEqual(expect.stringContaining('neighbour: arp_cache: neighbor table overflow!'));
    const failedSends = failedSendsPerNode(sndbufBefore, report.run.settings.namespace as string);
    expect((await lab.netprobe('cleanup', '--run', report.run.id)).code).toBe(0);

    const overflow = report.findings.filter((f) => f.kind === 'neighbour-table-overflow');
    expect(overflow).toHaveLength(1);
    const named = overflow[0].subject.split(', ');
    expect(named.length).toBeGreaterThan(0);
    // Named only where the node's kernel counted failed sends (its own or its pods'); a node without any is not named.
    expect(named.filter((node) => !(failedSends.get(node)! > 0))).toEqual([]);
    expect(overflow[0].message).toMatch(/lost or retransmitted towards 3 of 3 destinations, intermittently .* while its kernel counted SndbufErrors \+\d+/);
    expect(overflow[0].hint).toMatch(/raise gc_thresh1\/2\/3 in the host network namespace/);
    expect(overflow[0].hint).toMatch(/keep pods per node .* below gc_thresh2/);
    // The generic "no buffer space" finding leaves the overflow's nodes to it.
    for (const f of report.findings.filter((f) => f.kind === 'enobufs')) for (const node of named) expect(f.subject.split(', ')).not.toContain(node);

    // nodes: the table against gc_thresh and table_fulls where it can read them, and plainly
    // where not. The lab's node namespaces are not the machine's initial one, where alone
    // gc_thresh and /proc/net/stat/arp_cache live (a real node's host network is): it says so.
    expect(nodes.nodes.map((n) => n.name)).toEqual(names);
    for (const node of nodes.nodes) {
      const check = node.checks.find((c) => c.check === 'neighbours')!;
      expect(check.evidence.join('\n')).toMatch(/^entries \d+ \(this namespace\); gc_thresh 128\/512\/1024 \(defaults\)$/m);
      expect(check.unseen.join('\n')).toContain('gc_thresh1/2/3 not readable here (they exist only in the host\'s initial network namespace)');
      expect(check.unseen.join('\n')).toContain('table_fulls unknown');
    }

    // The same lab without the fault: no overflow, no failed sends named.
    const clean = await lab.netprobe('matrix', '-o', 'json', '--network', 'both', '--duration', '8s', '--rate', '10', '--timeout', '30s');
    const cleanReport = JSON.parse(clean.stdout) as MatrixReport;
    expect(cleanReport.findings.filter((f) => f.kind === 'neighbour-table-overflow' || f.kind === 'enobufs')).toEqual([]);
  }, 180_000);

  test('down with the fault on restores the machine\'s values; so does down after the daemon was SIGKILLed', async () => {
    await addOverflow();
    expect((await lab.lab('down')).code).toBe(0);
    expect(readGcThresh()).toEqual(machine);

    await lab.up('--nodes', String(NODES));
    await addOverflow();
    process.kill(state().daemonPid, 'SIGKILL');
    expect((await lab.lab('down')).code).toBe(0);
    expect(readGcThresh()).toEqual(machine);
  }, 60_000);
});
