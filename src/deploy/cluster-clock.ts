// The cluster's clock, as the CLI reads it. Agents start together at a wall-clock time (startAt)
// that each reads by its node's clock, but the machine running the CLI may be minutes off (a VM
// or WSL after sleep, a laptop without NTP): a startAt from its clock makes the agents wait that
// long, or start at once out of step, and the pods run into their activeDeadlineSeconds. So every
// time the CLI hands to the cluster, or compares with the cluster's, is on the API server's clock:
// its Date header read against this machine's clock before and after the request.
import type { KubeClient } from '../kube/kube-client.ts';
import type { Progress } from './session.ts';

/** One reading: this machine's clock before and after a request, and the server's Date header (epoch ms). */
export interface ClockReading {
  sentAt: number;
  receivedAt: number;
  serverDate: number;
}

/** A Date header counts whole seconds (RFC 9110 §5.6.7): the server's clock read somewhere in [date, date + 1 s). */
const DATE_RESOLUTION_MS = 1000;
/** Below this, a skew is within a Date header's resolution: not worth a line. */
const SAY_SKEW_FROM_MS = 1000;

/**
 * The range the skew (cluster clock − this machine's, ms) must lie in: the server read its clock
 * between our send and receive, and that reading lies within a second above the header's.
 */
export function skewBounds(reading: ClockReading): { low: number; high: number } {
  return { low: reading.serverDate - reading.receivedAt, high: reading.serverDate + DATE_RESOLUTION_MS - reading.sentAt };
}

/**
 * The skew to correct by: 0 when the range holds clocks that agree (the common case, NTP on both:
 * a correction by a one-second header's noise would only add error), else the middle of the range,
 * whose worst-case error is smallest.
 */
export function skewEstimate(reading: ClockReading): number {
  const { low, high } = skewBounds(reading);
  return low <= 0 && high >= 0 ? 0 : Math.round((low + high) / 2);
}

/** The line stderr gets when the skew matters, else null. */
export function describeSkew(skewMs: number): string | null {
  if (Math.abs(skewMs) < SAY_SKEW_FROM_MS) return null;
  const seconds = Math.round(Math.abs(skewMs) / 1000);
  return `this machine's clock is ${seconds} s ${skewMs > 0 ? 'behind' : 'ahead of'} the cluster's (the API server's Date header): `
    + "the run's start, waits and times follow the cluster's clock";
}

export class ClusterClock {
  /** Cluster clock − this machine's clock, ms. */
  readonly skewMs: number;

  constructor(skewMs: number) {
    this.skewMs = skewMs;
  }

  /** Now on the cluster's clock (epoch ms). */
  now(): number {
    return Date.now() + this.skewMs;
  }

  /** A time on the cluster's clock as this machine's clock shows it: for timers and countdowns here. */
  toLocal(clusterMs: number): number {
    return clusterMs - this.skewMs;
  }
}

/** Reads the skew from one request; says it on stderr when it matters. */
export async function readClusterClock(client: KubeClient, progress: Progress): Promise<ClusterClock> {
  const sentAt = Date.now();
  const serverDate = await client.serverDate();
  const receivedAt = Date.now();
  if (serverDate === null) {
    progress.warn("the API server's answer has no Date header: the run is timed by this machine's clock, which must then agree with the cluster's");
    return new ClusterClock(0);
  }
  const clock = new ClusterClock(skewEstimate({ sentAt, receivedAt, serverDate }));
  const said = describeSkew(clock.skewMs);
  if (said) progress.warn(said);
  return clock;
}
