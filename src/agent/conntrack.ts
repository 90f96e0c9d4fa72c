// Conntrack's own event counters, for the DNS race's direct evidence (issue 9 §6): insert_failed
// (an entry that lost the race to insert: the A/AAAA clash before Linux 5.0), drop and early_drop
// (entries refused or evicted for a full table), from /proc/net/stat/nf_conntrack
// (nf_conntrack_standalone.c ct_cpu_seq_show: one row of %08x per CPU, per network namespace:
// a host-network agent reads the node's). Absent when the conntrack module is not loaded.
import { readFileSync } from 'node:fs';
import type { ConntrackStats } from '../shared/agent-result.ts';
import { parseHexStatTable } from './inspect/hex-stat.ts';

export const CONNTRACK_STAT_FILE = '/proc/net/stat/nf_conntrack';
const COUNTERS: readonly (keyof ConntrackStats)[] = ['insert_failed', 'drop', 'early_drop'];
/** The kernel's per-CPU counters are unsigned int (struct ip_conntrack_stat): they wrap at 2^32. */
const WRAP = 2 ** 32;

/** One reading: each counter per CPU. */
export type ConntrackReading = Record<keyof ConntrackStats, number[]>;

/** The counters now, or null (and a warning saying why) when there are none to read. */
export function readConntrack(warnings: string[], readFile = (path: string) => readFileSync(path, 'utf8')): ConntrackReading | null {
  let text: string;
  try {
    text = readFile(CONNTRACK_STAT_FILE);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    warnings.push(code === 'ENOENT'
      ? `no ${CONNTRACK_STAT_FILE}: the conntrack module is not loaded here, so there are no conntrack statistics (insert_failed, drop, early_drop)`
      : `conntrack statistics unreadable (${CONNTRACK_STAT_FILE}): ${code ?? (err as Error).message}`);
    return null;
  }
  try {
    const table = parseHexStatTable(text);
    const reading = {} as ConntrackReading;
    for (const name of COUNTERS) {
      const values = table.perCpu.get(name);
      if (!values) throw new Error(`no ${name} column`);
      reading[name] = values;
    }
    return reading;
  } catch (err) {
    warnings.push(`conntrack statistics unreadable (${CONNTRACK_STAT_FILE}): ${(err as Error).message}`);
    return null;
  }
}

export function conntrackTotals(reading: ConntrackReading): ConntrackStats {
  const totals = {} as ConntrackStats;
  for (const name of COUNTERS) totals[name] = reading[name].reduce((a, b) => a + b, 0);
  return totals;
}

/** start → end, per CPU modulo 2^32 (a CPU that came online since counts from 0). */
export function conntrackDelta(start: ConntrackReading, end: ConntrackReading): ConntrackStats {
  const delta = {} as ConntrackStats;
  for (const name of COUNTERS) {
    delta[name] = end[name].reduce((sum, value, cpu) => sum + (((value - (start[name][cpu] ?? 0)) % WRAP) + WRAP) % WRAP, 0);
  }
  return delta;
}
