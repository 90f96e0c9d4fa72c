// Replicas for a peak query rate, from the measured knee. The kube-dns Service's DNAT
// picks a backend at random per flow, so at the knee each of the R replicas carried
// about knee/R: that share is one replica's capacity. Replicas needed = peak × (1 +
// headroom) / per-replica capacity, rounded up, and at least 2 (the autoscaler's
// preventSinglePointFailure: one replica may be down for a rollout or a node drain).
import type { Knee } from './knee.ts';

/**
 * Spare capacity kept above the peak: 50 %. DNS load is bursty (a rollout or a CronJob
 * starts many pods at once, each resolving its dependencies), and the knee is where
 * answers start to be lost, not a comfortable operating point.
 */
export const DEFAULT_HEADROOM = 0.5;
const MIN_REPLICAS = 2;

export interface Recommendation {
  /** The peak planned for, in DNS queries per second as the DNS server counts them (CoreDNS: coredns_dns_requests_total). */
  peakQps: number;
  /** 'flag': --peak-qps; 'capacity': none given, so the measured capacity itself (today's ceiling, with headroom). */
  peakFrom: 'flag' | 'capacity';
  /** The whole DNS's measured capacity: the knee, or the last step's rate when no knee was reached. */
  capacityQps: number;
  /** True when no knee was reached: the capacity is at least this, so the replica count is at most the answer. */
  capacityIsLowerBound: boolean;
  currentReplicas: number;
  perReplicaQps: number;
  headroom: number;
  replicas: number;
}

/** Null when nothing can be said: no capacity measured, no replica running, or no knee and no peak to plan for. */
export function recommendReplicas(knee: Knee, currentReplicas: number, headroom: number, peakQps?: number): Recommendation | null {
  if (knee.qps === null || currentReplicas === 0) return null;
  // Without a knee the capacity is only a lower bound: planning for it would just restate the headroom.
  if (knee.verdict === 'none-up-to-max' && peakQps === undefined) return null;
  const perReplicaQps = knee.qps / currentReplicas;
  const peak = peakQps ?? knee.qps;
  // The epsilon keeps 180.00000000000003 / 60 from asking for a fourth replica.
  const replicas = Math.max(MIN_REPLICAS, Math.ceil((peak * (1 + headroom)) / perReplicaQps - 1e-9));
  return {
    peakQps: peak,
    peakFrom: peakQps === undefined ? 'capacity' : 'flag',
    capacityQps: knee.qps,
    capacityIsLowerBound: knee.verdict === 'none-up-to-max',
    currentReplicas,
    perReplicaQps,
    headroom,
    replicas,
  };
}
