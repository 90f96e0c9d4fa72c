// The network the hollow agents measure, as numbers: per directed node pair a base round trip
// (same node, same zone, across zones) and a rare background loss, both drawn once per pair from
// the lab seed; per packet some jitter; and the lab's faults (faults.ts), each acting on the
// packets the real fault's nftables rule matches (net/faults.ts), so that the agent's view of
// it — slow connects, one-way loss, DNS answers at the resolver's marks — is the real one's.
import type { LabNode } from '../contracts.ts';
import { ANY_NODE, type HollowFault } from './faults.ts';
import { hashOf, Random } from './random.ts';

/**
 * What crosses the wire, as the fault rules tell packets apart: `syn` a TCP SYN (syn-drop matches
 * `tcp flags & (syn | ack) == syn`), `tcp` any other segment, `udp` a datagram (probe, echo,
 * DNS answer), `dns-query` a datagram to port 53 (udp-loss and dns-drop both match it).
 */
export type Packet = 'syn' | 'tcp' | 'udp' | 'dns-query';

export interface Crossing {
  lost: boolean;
  /** Waiting in a rate-limited queue (the slow fault), on top of the path's delay. */
  queueMs: number;
}

/** The offered load of one prober's TCP probes: what fills a slow fault's queue. */
export interface ProbeLoad {
  ratePerSecond: number;
  payloadBytes: number;
}

const ZONE_LABEL = 'topology.kubernetes.io/zone';
// Round trips inside a cloud region: a few hundred µs within a zone, about a millisecond
// across zones (Pingmesh, SIGCOMM 2015 §5: P50 ≈ 0.2-0.3 ms inside a data centre); a veth and
// a bridge on each end of a pod path add a few tens of µs; a pod talking to its own node's
// pods never leaves the bridge.
const RTT_SAME_NODE_MS = 0.05;
const RTT_SAME_ZONE_MS = 0.3;
const RTT_CROSS_ZONE_MS = 1.0;
const POD_PATH_EXTRA_MS = 0.04;
/** How much pairs of one kind differ (log-normal σ), and probes of one pair. */
const PAIR_SPREAD = 0.25;
const PROBE_JITTER = 0.15;
/** A rare hiccup (softirq, a descheduled vCPU): this share of packets waits a further ~0.5 ms. */
const HICCUP_SHARE = 0.002;
const HICCUP_MEAN_MS = 0.5;
// Healthy data-centre networks lose 1e-5 … 1e-4 of packets (Pingmesh §5); each directed pair
// draws its own rate, log-uniform over that range and a little beyond.
const BACKGROUND_LOSS_LOG10 = [-5, -3.7] as const;

/** Whether a fault's --from/--to cover the packet's way; a node's traffic to itself never meets one. */
function covers(fault: HollowFault, from: LabNode, to: LabNode): boolean {
  return from.name !== to.name
    && (fault.from === ANY_NODE || fault.from === from.name)
    && (fault.to === undefined || fault.to === ANY_NODE || fault.to === to.name);
}

export class NetworkModel {
  private readonly seed: number;

  constructor(seed: number) {
    this.seed = seed;
  }

  /** The pair's typical round trip, in ms (host path without the pod path's veths). */
  baseRttMs(from: LabNode, to: LabNode, podPath: boolean): number {
    if (from.name === to.name) return RTT_SAME_NODE_MS;
    const sameZone = from.labels[ZONE_LABEL] === to.labels[ZONE_LABEL];
    const pair = new Random(hashOf(this.seed, 'rtt', from.name, to.name));
    return (sameZone ? RTT_SAME_ZONE_MS : RTT_CROSS_ZONE_MS) * Math.exp(PAIR_SPREAD * pair.normal()) + (podPath ? POD_PATH_EXTRA_MS : 0);
  }

  /** The pair's background loss per packet, one direction. */
  backgroundLoss(from: LabNode, to: LabNode): number {
    if (from.name === to.name) return 0;
    const [low, high] = BACKGROUND_LOSS_LOG10;
    return 10 ** (low + (high - low) * new Random(hashOf(this.seed, 'loss', from.name, to.name)).next());
  }

  /** One round trip of a probe on a pair whose base is `baseMs`. */
  sampleRttMs(baseMs: number, rng: Random): number {
    return baseMs * Math.exp(PROBE_JITTER * rng.normal()) + (rng.chance(HICCUP_SHARE) ? rng.exponential(HICCUP_MEAN_MS) : 0);
  }

  /** One packet from → to, under `faults` (those in effect at the time) and the pair's background loss. */
  cross(from: LabNode, to: LabNode, packet: Packet, faults: readonly HollowFault[], backgroundLoss: number, load: ProbeLoad, rng: Random): Crossing {
    let lost = rng.chance(backgroundLoss);
    let queueMs = 0;
    for (const fault of faults) {
      if (!covers(fault, from, to)) continue;
      const p = (fault.percent ?? 100) / 100;
      switch (fault.kind) {
        case 'blackhole': lost ||= rng.chance(p); break;
        case 'syn-drop': if (packet === 'syn') lost ||= rng.chance(p); break;
        case 'udp-loss': if (packet === 'udp' || packet === 'dns-query') lost ||= rng.chance(p); break;
        case 'dns-drop': if (packet === 'dns-query') lost ||= rng.chance(p); break;
        case 'slow': {
          const queue = slowQueue(fault.rateKbit!, load, rng);
          lost ||= queue.lost;
          queueMs += queue.queueMs;
          break;
        }
      }
    }
    return { lost, queueMs };
  }

  /** How long a probe's TCP payload takes through the faults on from → to, beyond the path's own time. */
  transferMs(from: LabNode, to: LabNode, faults: readonly HollowFault[], payloadBytes: number): number {
    let ms = 0;
    for (const fault of faults) if (fault.kind === 'slow' && covers(fault, from, to)) ms += serialisationMs(payloadBytes, fault.rateKbit!);
    return ms;
  }
}

const serialisationMs = (bytes: number, rateKbit: number): number => (bytes * 8) / rateKbit;

/**
 * The slow fault is an HTB class of `rateKbit` in front of a queue. The probes' payloads keep it
 * busy a share u = rate × payload time of the time: a small packet finds one in the way that
 * often and waits for part of it. Past u = 1 more arrives than the class can send: the excess,
 * 1 − 1/u, is lost (dropped, or stuck until its probe gives up, which is what keeps the load at
 * the rate: a connect that times out sends no payload), and the rest waits behind a standing
 * queue of about u payloads.
 */
function slowQueue(rateKbit: number, load: ProbeLoad, rng: Random): Crossing {
  const payloadMs = serialisationMs(load.payloadBytes, rateKbit);
  const busy = (load.ratePerSecond * payloadMs) / 1000;
  if (busy < 1) return { lost: false, queueMs: rng.chance(busy) ? payloadMs * rng.next() : 0 };
  return { lost: rng.chance(1 - 1 / busy), queueMs: busy * payloadMs * rng.next() };
}
