// The roster: every node of a run and where its responders answer, per path and family. The
// CLI writes it into a ConfigMap once the responders have IPs; the probers mount it and pick
// their peers by the plan's rule (plan.ts RosterPeers), so a plan, which travels in one
// environment variable (Linux caps one at 128 KiB), stays the same size at 5 or 5,000 nodes.
// Plain JSON, written by the CLI, read by the agent; versioned like the plan.
import type { NetworkPath } from './plan.ts';

export const ROSTER_KIND = 'netprobe-roster';
export const ROSTER_VERSION = 1;

export interface Roster {
  kind: typeof ROSTER_KIND;
  rosterVersion: typeof ROSTER_VERSION;
  /** The run it belongs to: an agent refuses another run's roster. */
  runToken: string;
  /** Ports every responder listens on (and every Service forwards to). */
  tcpPort: number;
  udpPort: number;
  /**
   * Every node of the run, probers and destinations alike: the ring (ring.ts) is computed over
   * these names, so the agent's pairs are the CLI's. Order does not matter.
   */
  nodes: string[];
  /**
   * addresses[path][i]: where node i (of `nodes`) answers on that path, one address per family
   * (a dual-stack pod has two; each is probed as a series of its own); a Service path has the
   * node's ClusterIP. [] (or a path absent): nothing answers there, so it is not probed (a
   * no-data destination, which the CLI reports). Every list present has nodes.length entries.
   */
  addresses: Partial<Record<NetworkPath, string[][]>>;
}
