// The 'inspect' mode: one read of the node's network state from /proc and /sys, printed as
// a NodeInspection. Read-only, unprivileged (uid 65534), no binaries: what cannot be read is
// listed in `unreadable` with the reason, and the CLI says what that leaves unseen.
import { readFileSync } from 'node:fs';
import { release } from 'node:os';
import { INSPECT_PLAN_VERSION, INSPECTION_KIND, INSPECTION_SCHEMA_VERSION, type InspectPlan, type NodeInspection } from '../../shared/inspection.ts';
import type { ModeRun } from '../mode.ts';
import { AgentSetupError } from '../responder.ts';
import { parseHexStatTable } from './hex-stat.ts';
import { readInterfaces } from './interfaces.ts';
import { parseProcNetArp } from './proc-arp.ts';
import { parseProcNetRoute } from './proc-route.ts';
import { parseBgpSockets } from './proc-tcp.ts';

export interface InspectSources {
  readFile: (path: string) => string;
  sysNetDir: string;
}

const HOST_SOURCES: InspectSources = { readFile: (path) => readFileSync(path, 'utf8'), sysNetDir: '/sys/class/net' };

export function parseInspectPlan(text: string): InspectPlan {
  const plan = JSON.parse(text) as Partial<InspectPlan>;
  if (plan.planVersion !== INSPECT_PLAN_VERSION) throw new AgentSetupError(`inspect plan version ${String(plan.planVersion)} is not ${INSPECT_PLAN_VERSION}: use the agent that came with this netprobe`);
  for (const field of ['runToken', 'node'] as const) {
    if (typeof plan[field] !== 'string' || plan[field] === '') throw new AgentSetupError(`${field} must be a non-empty string`);
  }
  return plan as InspectPlan;
}

export function inspectNode(plan: InspectPlan, sources: InspectSources = HOST_SOURCES): NodeInspection {
  const unreadable: string[] = [];
  /** The parsed file, or null (and a note) when it cannot be read or parsed. */
  const read = <T>(path: string, parse: (text: string) => T): T | null => {
    try {
      return parse(sources.readFile(path));
    } catch (err) {
      unreadable.push(`${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      return null;
    }
  };
  const sysctl = (name: string) => read(`/proc/sys/net/${name}`, (text) => Number(text.trim()));
  // Absent (not unreadable) on kernels that never had or no longer have them.
  const optionalSysctl = (name: string) => {
    try {
      return Number(sources.readFile(`/proc/sys/net/${name}`).trim());
    } catch {
      return null;
    }
  };
  const thresholds = [1, 2, 3].map((i) => sysctl(`ipv4/neigh/default/gc_thresh${i}`));
  const arpCache = read('/proc/net/stat/arp_cache', parseHexStatTable);
  const conntrackStat = read('/proc/net/stat/nf_conntrack', parseHexStatTable);
  return {
    kind: INSPECTION_KIND,
    schemaVersion: INSPECTION_SCHEMA_VERSION,
    node: plan.node,
    runToken: plan.runToken,
    takenAt: new Date().toISOString(),
    kernel: {
      release: release(),
      synLinearTimeouts: optionalSysctl('ipv4/tcp_syn_linear_timeouts'),
      synRetries: sysctl('ipv4/tcp_syn_retries'),
      twRecycle: optionalSysctl('ipv4/tcp_tw_recycle'),
    },
    neighbours: {
      entries: read('/proc/net/arp', parseProcNetArp) ?? [],
      gcThresh: thresholds.every((t) => t !== null) ? thresholds as [number, number, number] : null,
      kernelTable: arpCache && { entries: arpCache.current.get('entries') ?? 0, tableFulls: arpCache.total.get('table_fulls') ?? 0 },
    },
    conntrack: {
      count: sysctl('netfilter/nf_conntrack_count'),
      max: sysctl('netfilter/nf_conntrack_max'),
      insertFailed: conntrackStat?.total.get('insert_failed') ?? null,
      drop: conntrackStat?.total.get('drop') ?? null,
      earlyDrop: conntrackStat?.total.get('early_drop') ?? null,
    },
    interfaces: readInterfaces(sources.sysNetDir, unreadable),
    routes: read('/proc/net/route', parseProcNetRoute) ?? [],
    bgpSockets: ['/proc/net/tcp', '/proc/net/tcp6'].flatMap((path) => read(path, parseBgpSockets) ?? []),
    unreadable,
  };
}

/** The agent's MODES entry: the inspection is one synchronous read, so there is nothing to stop. */
export function runInspectMode(text: string): ModeRun {
  const plan = parseInspectPlan(text);
  return { node: plan.node, result: Promise.resolve(inspectNode(plan)), stop: () => {} };
}
