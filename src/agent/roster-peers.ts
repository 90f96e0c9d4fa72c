// A prober's peers from the run's roster (src/shared/roster.ts) by the plan's rule: its ring
// successors (src/shared/ring.ts, the CLI's own ring), and with a rotation the successors of
// each window. A destination probed in some windows only is one series whose probes fall in
// those windows only.
import { readFileSync } from 'node:fs';
import type { NetworkPath, PeerTarget, RosterPeers } from '../shared/plan.ts';
import { ringOffsets, ringOrder } from '../shared/ring.ts';
import { ROSTER_KIND, ROSTER_VERSION, type Roster } from '../shared/roster.ts';
import { array, nonEmptyString, object, port } from './plan-input.ts';
import { AgentSetupError } from './responder.ts';

const PATHS: readonly NetworkPath[] = ['pod', 'host', 'service'];

/** A peer and the windows it is probed in (null: all of them). */
export interface ScheduledPeer {
  peer: PeerTarget;
  windows: number[] | null;
}

/** The mounted roster, checked: a roster that does not add up is the agent's own failure (exit 2), not a half-planned run. */
export function readRoster(file: string, runToken: string, readFile = (path: string) => readFileSync(path, 'utf8')): Roster {
  let raw: unknown;
  try {
    raw = JSON.parse(readFile(file));
  } catch (err) {
    throw new AgentSetupError(`cannot read the roster ${file}: ${(err as Error).message}`);
  }
  const roster = object(raw, 'roster');
  if (roster.kind !== ROSTER_KIND || roster.rosterVersion !== ROSTER_VERSION) {
    throw new AgentSetupError(`${file} is not a netprobe roster of version ${ROSTER_VERSION}: use the agent that came with this netprobe`);
  }
  if (roster.runToken !== runToken) throw new AgentSetupError(`the roster ${file} belongs to another run (${JSON.stringify(roster.runToken)})`);
  const nodes = array(roster.nodes, 'roster.nodes').map((n, i) => nonEmptyString(n, `roster.nodes[${i}]`));
  if (new Set(nodes).size !== nodes.length) throw new AgentSetupError('roster.nodes names a node twice');
  const addresses = object(roster.addresses, 'roster.addresses');
  for (const [path, lists] of Object.entries(addresses)) {
    if (!PATHS.includes(path as NetworkPath)) throw new AgentSetupError(`roster.addresses.${path}: not one of ${PATHS.join(', ')}`);
    const perNode = array(lists, `roster.addresses.${path}`);
    if (perNode.length !== nodes.length) throw new AgentSetupError(`roster.addresses.${path} has ${perNode.length} entries for ${nodes.length} nodes`);
    perNode.forEach((ips, i) => array(ips, `roster.addresses.${path}[${i}]`).forEach((ip, j) => nonEmptyString(ip, `roster.addresses.${path}[${i}][${j}]`)));
  }
  return {
    kind: ROSTER_KIND, rosterVersion: ROSTER_VERSION, runToken,
    tcpPort: port(roster.tcpPort, 'roster.tcpPort'), udpPort: port(roster.udpPort, 'roster.udpPort'),
    nodes, addresses: addresses as Roster['addresses'],
  };
}

/**
 * The peers `node` probes over `windows` windows (1 without --window): ring offsets 1..k, or with
 * rotation in window w (w·k + j) mod (N-1) + 1; each destination at every address it has on
 * each of the plan's paths (none: nothing answers there, not probed).
 */
export function rosterPeers(roster: Roster, node: string, plan: RosterPeers, windows: number, { ring, placeOf, indexOf } = rosterRing(roster)): ScheduledPeer[] {
  const self = placeOf.get(node);
  if (self === undefined) throw new AgentSetupError(`node ${node} is not in the roster`);
  // Offset along the ring → the windows it is probed in.
  const windowsOf = new Map<number, number[]>();
  for (let w = 0; w < (plan.rule.rotate ? windows : 1); w++) {
    for (const offset of ringOffsets(ring.length, plan.rule.k, w)) {
      const list = windowsOf.get(offset) ?? [];
      list.push(w);
      windowsOf.set(offset, list);
    }
  }
  const scheduled: ScheduledPeer[] = [];
  for (const [offset, active] of [...windowsOf].sort(([a], [b]) => a - b)) {
    const destination = ring[(self + offset) % ring.length];
    const i = indexOf.get(destination)!;
    for (const path of plan.paths) {
      for (const ip of roster.addresses[path]?.[i] ?? []) {
        scheduled.push({
          peer: { node: destination, ip, tcpPort: roster.tcpPort, udpPort: roster.udpPort, path },
          windows: plan.rule.rotate && active.length < windows ? active : null,
        });
      }
    }
  }
  return scheduled;
}

/** The roster's ring and where each node is on it and in the roster: computed once per roster, however many nodes' peers are planned from it. */
export function rosterRing(roster: Roster): { ring: string[]; placeOf: Map<string, number>; indexOf: Map<string, number> } {
  const ring = ringOrder(roster.nodes);
  return { ring, placeOf: new Map(ring.map((name, i) => [name, i])), indexOf: new Map(roster.nodes.map((name, i) => [name, i])) };
}

/** Consecutive windows as [first, last] runs: [0, 1, 2, 5] → [[0, 2], [5, 5]]. */
export function windowRuns(windows: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (const w of windows) {
    const last = runs[runs.length - 1];
    if (last && w === last[1] + 1) last[1] = w;
    else runs.push([w, w]);
  }
  return runs;
}
