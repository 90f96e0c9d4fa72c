// The `neigh-overflow` fault: the talk's "neighbor table overflow", made the way it happens,
// by a neighbour (ARP) table too small for the neighbours in use. The kernel has one IPv4
// neighbour table (arp_tbl) for every network namespace, and its limits
// net.ipv4.neigh.default.gc_thresh1/2/3 exist only in the initial namespace
// (Documentation/networking/ip-sysctl.rst, neigh/default/*): so the fault lowers the
// machine's limits, and every node of the lab (every namespace on the machine) overflows
// together. It cannot be put on one node, as a real cluster's nodes each have a kernel of their own.
//
// The machine's values are written to the lab's directory BEFORE they are changed, so that
// `fault clear`, `down`, and `down` after the daemon was SIGKILLed put them back.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IS_ROOT, run } from '../../support/netns.ts';

export type GcThresh = [number, number, number];

const SYSCTL_DIR = '/proc/sys/net/ipv4/neigh/default';
const sysctlFile = (i: number) => join(SYSCTL_DIR, `gc_thresh${i}`);
export const neighOverflowFile = (dir: string): string => join(dir, 'neigh-overflow.json');

export interface NeighbourOverflowRecord {
  /** The machine's gc_thresh1/2/3 before the fault. */
  original: GcThresh;
  /** What the fault set. */
  lowered: GcThresh;
}

export function readGcThresh(): GcThresh {
  return [1, 2, 3].map((i) => Number(readFileSync(sysctlFile(i), 'utf8').trim())) as GcThresh;
}

/** Writes gc_thresh1/2/3. Order matters only for readers: the kernel does not enforce 1 <= 2 <= 3. */
function writeGcThresh(values: GcThresh): void {
  values.forEach((v, i) => writeFileSync(sysctlFile(i + 1), `${v}\n`));
}

/**
 * The limits for a lab of `nodes` nodes, with `othersInUse` entries in use outside it. A
 * `matrix --network both` there needs, as dynamic (garbage-collected) entries: each node one
 * per peer on the underlay, N(N-1), shared by host probes and the VXLAN packets; each
 * pod-network pod one for its gateway and its node one for it; the DNS pods' as many again:
 * about N(N-1) + 5N + 4 (measured on 4 nodes: 33 at the peak; flannel.1's entries are
 * permanent and not counted, nor is loopback). The lab gets half of that: it alone overflows
 * the table, yet entries still come and go (forced GC evicts those older than 5 s,
 * net/core/neighbour.c neigh_forced_gc), so the host network's loss is intermittent, the
 * signature. Other labs' entries in use are left room for (tried here with 53 of them: leaving
 * none, every path died, as an ARP request is answered only if the answerer can add an entry
 * for the asker, arp_process; leaving room for their idle entries too, nothing overflowed).
 * gc_thresh1/2 keep the kernel defaults' ratios to gc_thresh3, 1/8 and 1/2 (128/512/1024).
 */
export function overflowThresholds(nodes: number, othersInUse: number): GcThresh {
  const needed = nodes * (nodes - 1) + 5 * nodes + 4;
  const thresh3 = othersInUse + Math.round(needed / 2);
  return [Math.max(1, Math.round(thresh3 / 8)), Math.round(thresh3 / 2), thresh3];
}

/** IPv4 neighbour entries in use (being confirmed or resolved: REACHABLE, DELAY, PROBE, INCOMPLETE) in this namespace and every named one but the lab's. */
function entriesInUseOutside(labPrefix: string): number {
  const dynamic = (args: string[]) => run('ip', [...args, '-4', 'neigh', 'show', 'nud', 'all']).split('\n').filter((l) => /\b(REACHABLE|DELAY|PROBE|INCOMPLETE)$/.test(l.trim())).length;
  const others = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((ns) => ns && !ns.startsWith(`${labPrefix}-`));
  return dynamic([]) + others.reduce((sum, ns) => {
    try {
      return sum + dynamic(['-n', ns]);
    } catch {
      return sum; // gone meanwhile
    }
  }, 0);
}

function requireRoot(): void {
  if (!IS_ROOT) {
    throw new Error('neigh-overflow needs root: it lowers the machine\'s net.ipv4.neigh.default.gc_thresh1/2/3, which only root may write, in the initial network namespace');
  }
}

const readRecord = (dir: string): NeighbourOverflowRecord | undefined =>
  (existsSync(neighOverflowFile(dir)) ? (JSON.parse(readFileSync(neighOverflowFile(dir), 'utf8')) as NeighbourOverflowRecord) : undefined);

/** Lowers the machine's limits for this lab; a second add keeps the first one's record of the machine's values. */
export function lowerNeighbourLimits(dir: string, labPrefix: string, nodes: number): NeighbourOverflowRecord {
  requireRoot();
  const record = readRecord(dir) ?? { original: readGcThresh(), lowered: overflowThresholds(nodes, entriesInUseOutside(labPrefix)) };
  const file = neighOverflowFile(dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(record));
  renameSync(`${file}.tmp`, file);
  writeGcThresh(record.lowered);
  return record;
}

/** Puts the machine's values back, if this lab lowered them; returns them (undefined: nothing to restore). */
export function restoreNeighbourLimits(dir: string): GcThresh | undefined {
  const record = readRecord(dir);
  if (!record) return undefined;
  requireRoot();
  writeGcThresh(record.original);
  rmSync(neighOverflowFile(dir), { force: true });
  return record.original;
}

/** The fault in effect in this lab, if any. */
export function activeNeighbourOverflow(dir: string): NeighbourOverflowRecord | undefined {
  return readRecord(dir);
}
