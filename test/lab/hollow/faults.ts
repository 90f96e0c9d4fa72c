// The hollow lab's faults: what the real lab writes into nftables, the hollow one keeps in a
// file in the lab's directory, so `npm run lab -- fault add` works from the command line while
// the daemon runs, and the daemon's network model (network-model.ts) reads it back. A fault is
// in effect from the moment it was added until it is cleared, and both times are kept: a probe
// is judged by the faults of its own time, however late its result is printed.
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Fault } from '../net/faults.ts';

export const HOLLOW_FAULT_KINDS = ['syn-drop', 'udp-loss', 'dns-drop', 'blackhole', 'slow'] as const;
export type HollowFaultKind = (typeof HOLLOW_FAULT_KINDS)[number];
/** `--from '*'` / `--to '*'`: every node. */
export const ANY_NODE = '*';

export interface HollowFault {
  kind: HollowFaultKind;
  /** A node name or '*'. */
  from: string;
  /** A node name or '*'; dns-drop without it: queries to any node. */
  to?: string;
  /** syn-drop, udp-loss, dns-drop, blackhole: share of packets dropped (default 100; a blackhole of less is a lossy path). */
  percent?: number;
  /** slow: the rate towards --to in kbit/s (default 1000, as the real lab's HTB class). */
  rateKbit?: number;
  /** Epoch ms. */
  since: number;
  /** Epoch ms of `fault clear`; absent while in effect. */
  until?: number;
}

const NEEDS_TO: HollowFaultKind[] = ['syn-drop', 'udp-loss', 'blackhole', 'slow'];
const DEFAULT_RATE_KBIT = 1000;
/** Cleared faults are kept this long for probes still to be reported, then forgotten. */
const HISTORY_MS = 24 * 3600_000;

export const hollowFaultsFile = (dir: string): string => join(dir, 'hollow-faults.json');

function readFaults(dir: string): HollowFault[] {
  const file = hollowFaultsFile(dir);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as HollowFault[]) : [];
}

function writeFaults(dir: string, faults: HollowFault[], now: number): void {
  const kept = faults.filter((f) => f.until === undefined || f.until > now - HISTORY_MS);
  const file = hollowFaultsFile(dir);
  writeFileSync(`${file}.tmp`, JSON.stringify(kept, null, 2));
  renameSync(`${file}.tmp`, file);
}

function checkNode(name: string, nodes: number, flag: string): void {
  const index = /^node([1-9]\d*)$/.exec(name)?.[1];
  if (name !== ANY_NODE && !(index && Number(index) <= nodes)) throw new Error(`${flag}: unknown node "${name}"; the lab's nodes are node1 … node${nodes}, or '*' for every node`);
}

/** The fault with its defaults, or an error saying what is wrong with it. */
export function validateHollowFault(nodes: number, requested: Fault): Omit<HollowFault, 'since'> {
  const kind = requested.kind as HollowFaultKind;
  if (!HOLLOW_FAULT_KINDS.includes(kind)) {
    throw new Error(`the hollow lab simulates the fault kinds ${HOLLOW_FAULT_KINDS.join(', ')}; "${requested.kind}" needs the real lab (up without --hollow)`);
  }
  const from = requested.from;
  if (from === undefined) throw new Error(`fault ${kind} needs --from NODE (or '*')`);
  checkNode(from, nodes, '--from');
  if (requested.to !== undefined) checkNode(requested.to, nodes, '--to');
  if (requested.to === undefined && NEEDS_TO.includes(kind)) throw new Error(`fault ${kind} needs --to NODE (or '*')`);
  if (requested.to === from && from !== ANY_NODE) throw new Error('--from and --to must be different nodes');
  if (requested.mtu !== undefined || requested.qps !== undefined) throw new Error('--mtu and --qps belong to fault kinds the hollow lab does not simulate');
  if (requested.family !== undefined && requested.family !== 'ipv4') throw new Error('the hollow lab is IPv4 only: no --family ipv6');
  const percent = requested.percent ?? 100;
  if (!Number.isInteger(percent) || percent < 1 || percent > 100) throw new Error(`--percent must be an integer from 1 to 100, not ${requested.percent}`);
  const rateKbit = requested.rateKbit ?? DEFAULT_RATE_KBIT;
  if (!(rateKbit > 0)) throw new Error(`--rate must be a positive number of kbit/s, not ${requested.rateKbit}`);
  const base = { kind, from, ...(requested.to !== undefined && { to: requested.to }) };
  return kind === 'slow' ? { ...base, rateKbit } : { ...base, percent };
}

export function addHollowFault(dir: string, nodes: number, requested: Fault, now = Date.now()): HollowFault {
  const fault: HollowFault = { ...validateHollowFault(nodes, requested), since: now };
  writeFaults(dir, [...readFaults(dir), fault], now);
  return fault;
}

/** Ends every fault in effect; returns how many there were. */
export function clearHollowFaults(dir: string, now = Date.now()): number {
  const faults = readFaults(dir);
  const active = faults.filter((f) => f.until === undefined);
  for (const f of active) f.until = now;
  writeFaults(dir, faults, now);
  return active.length;
}

/** The faults in effect now, as `status` lists them. */
export function activeHollowFaults(dir: string): HollowFault[] {
  return readFaults(dir).filter((f) => f.until === undefined);
}

/** The daemon's view of the fault file, re-read whenever it changed. */
export class FaultBook {
  private readonly dir: string;
  private faults: HollowFault[] = [];
  private version = '';

  constructor(dir: string) {
    this.dir = dir;
  }

  /** Every fault the file knows, cleared ones included (read once per result, not per probe). */
  history(): readonly HollowFault[] {
    this.refresh();
    return this.faults;
  }

  private refresh(): void {
    const file = hollowFaultsFile(this.dir);
    const stat = existsSync(file) ? statSync(file) : undefined;
    const version = stat ? `${stat.mtimeMs}/${stat.size}/${stat.ino}` : '';
    if (version === this.version) return;
    this.version = version;
    this.faults = stat ? readFaults(this.dir) : [];
  }
}

/** The faults of `history` in effect at epoch ms `t`. */
export function faultsAt(history: readonly HollowFault[], t: number): HollowFault[] {
  return history.filter((f) => f.since <= t && (f.until === undefined || t < f.until));
}
