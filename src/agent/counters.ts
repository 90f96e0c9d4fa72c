// Kernel counters of this network namespace. /proc/net/{netstat,snmp} are per
// namespace: a pod reads its own, a hostNetwork pod the node's. Each file holds
// pairs of lines: "TcpExt: Name1 Name2 …" then "TcpExt: 1 2 …".
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

/** Reads the counters; a counter this kernel lacks is 0 and named in warnings. */
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
  return counters;
}

export function counterDelta(start: NetCounters, end: NetCounters): NetCounters {
  const delta = {} as NetCounters;
  for (const name of NET_COUNTER_NAMES) delta[name] = end[name] - start[name];
  return delta;
}
