// Kernel counters of this network namespace. /proc/net/{netstat,snmp} are per
// namespace: a pod reads its own, a hostNetwork pod the node's. Each file holds
// pairs of lines: "TcpExt: Name1 Name2 …" then "TcpExt: 1 2 …". TCP's counters count both
// families; UDP's IPv6 twins are in /proc/net/snmp6 ("Udp6InErrors 0", one a line), added in.
import { readFileSync } from 'node:fs';
import { NET_COUNTER_NAMES, type NetCounters } from '../shared/agent-result.ts';

const SOURCES: Record<keyof NetCounters, [file: string, section: string]> = {
  TCPSynRetrans: ['/proc/net/netstat', 'TcpExt'],
  ListenDrops: ['/proc/net/netstat', 'TcpExt'],
  ListenOverflows: ['/proc/net/netstat', 'TcpExt'],
  RetransSegs: ['/proc/net/snmp', 'Tcp'],
  AttemptFails: ['/proc/net/snmp', 'Tcp'],
  InErrors: ['/proc/net/snmp', 'Udp'],
  RcvbufErrors: ['/proc/net/snmp', 'Udp'],
  SndbufErrors: ['/proc/net/snmp', 'Udp'],
};

/** Parses the header/value line pairs of /proc/net/netstat or /proc/net/snmp. */
export function parseProcNetTable(text: string): Map<string, Map<string, number>> {
  const sections = new Map<string, Map<string, number>>();
  const lines = text.split('\n').filter((l) => l.includes(':'));
  for (let i = 0; i + 1 < lines.length; i += 2) {
    const [section, headerRest] = splitSection(lines[i]);
    const [valueSection, valueRest] = splitSection(lines[i + 1]);
    if (section !== valueSection) throw new Error(`unexpected line pair ${section}/${valueSection}`);
    const names = headerRest.split(/\s+/).filter(Boolean);
    const values = valueRest.split(/\s+/).filter(Boolean).map(Number);
    sections.set(section, new Map(names.map((name, j) => [name, values[j]])));
  }
  return sections;
}

function splitSection(line: string): [string, string] {
  const colon = line.indexOf(':');
  return [line.slice(0, colon), line.slice(colon + 1)];
}

/** The UDP counters whose IPv6 twins ("Udp6" + name) /proc/net/snmp6 holds. */
const UDP6_TWINS: readonly (keyof NetCounters)[] = ['InErrors', 'RcvbufErrors', 'SndbufErrors'];

/** Parses /proc/net/snmp6: one "Name value" a line. */
export function parseSnmp6(text: string): Map<string, number> {
  return new Map(text.split('\n').map((line) => line.trim().split(/\s+/)).filter((f) => f.length === 2).map(([name, value]) => [name, Number(value)]));
}

/** Reads the counters; a counter this kernel lacks is 0 and named in warnings (IPv6's are simply absent without IPv6). */
export function readNetCounters(warnings: string[], readFile = (path: string) => readFileSync(path, 'utf8')): NetCounters {
  const tables = new Map<string, Map<string, Map<string, number>>>();
  const counters = {} as NetCounters;
  for (const name of NET_COUNTER_NAMES) {
    const [file, section] = SOURCES[name];
    try {
      if (!tables.has(file)) tables.set(file, parseProcNetTable(readFile(file)));
      const value = tables.get(file)!.get(section)?.get(name);
      if (value === undefined || Number.isNaN(value)) throw new Error(`no ${section} ${name}`);
      counters[name] = value;
    } catch (err) {
      counters[name] = 0;
      warnings.push(`counter ${name} unreadable (${file}): ${(err as Error).message}`);
    }
  }
  let snmp6: Map<string, number> | undefined;
  try {
    snmp6 = parseSnmp6(readFile('/proc/net/snmp6'));
  } catch {
    // No IPv6 in this kernel or namespace: nothing to add.
  }
  for (const name of UDP6_TWINS) counters[name] += snmp6?.get(`Udp6${name}`) ?? 0;
  return counters;
}

export function counterDelta(start: NetCounters, end: NetCounters): NetCounters {
  const delta = {} as NetCounters;
  for (const name of NET_COUNTER_NAMES) delta[name] = end[name] - start[name];
  return delta;
}
