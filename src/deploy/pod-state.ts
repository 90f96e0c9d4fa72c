// What a pod's status means for a run: ready to be probed, finished, or failed
// for a reason worth showing at once (not after the whole timeout).
import type { V1Pod } from '@kubernetes/client-node';

export type PodVerdict =
  | { state: 'pending'; /** Its image cannot be pulled right now: the waiting reason and message. */ imagePull?: string }
  | {
    state: 'running';
    podIP: string;
    /** Every address the pod has, one per family on a dual-stack cluster (status.podIPs), podIP first. */
    podIPs: string[];
    /** Its Ready condition: every container passes its readiness probe (a responder listens). */
    ready: boolean;
  }
  | { state: 'succeeded' }
  | { state: 'failed'; reason: string };

/** Waiting reasons a pod does not recover from by itself within a probe run. */
const STUCK_WAITING = new Set(['InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff', 'RunContainerError']);
/**
 * Waiting reasons the kubelet retries: a registry hiccup or rate limit passes. It pulls again
 * after a back-off of 10 s, doubling up to 5 min (pkg/kubelet/kubelet.go: backOffPeriod,
 * MaxContainerBackOff), showing ImagePullBackOff in between.
 */
const PULL_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff']);
/**
 * Failing pulls count as final once they have failed for this long: the kubelet's pulls at
 * 0, 10 and 30 s (its back-off) and 5 s for the third to answer. A typo'd image fails them all;
 * a passing hiccup does not. The start timeout still bounds it.
 */
export const IMAGE_PULL_PATIENCE_MS = 35_000;

export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status;
  const unschedulable = status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  if (unschedulable) return { state: 'failed', reason: `unschedulable: ${unschedulable.message ?? 'no reason given'}` };
  const container = status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  const waitingText = waiting?.reason && `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}`;
  if (waiting?.reason && STUCK_WAITING.has(waiting.reason)) return { state: 'failed', reason: waitingText! };
  if (waiting?.reason && PULL_WAITING.has(waiting.reason)) return { state: 'pending', imagePull: waitingText! };
  switch (status?.phase) {
    case 'Succeeded':
      return { state: 'succeeded' };
    case 'Failed': {
      const terminated = container?.state?.terminated;
      const why = status.reason ?? terminated?.reason ?? 'Failed';
      const detail = status.message ?? (terminated ? `exit code ${terminated.exitCode}` : undefined);
      return { state: 'failed', reason: detail ? `${why}: ${detail}` : why };
    }
    case 'Running': {
      const ready = status.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
      if (!status.podIP) return { state: 'pending' };
      const podIPs = [status.podIP, ...(status.podIPs ?? []).map((p) => p.ip).filter((ip) => ip && ip !== status.podIP)];
      return { state: 'running', podIP: status.podIP, podIPs, ready };
    }
    default:
      return { state: 'pending' };
  }
}

/** Since when each pod's image pulls have been failing: a pull failing past the patience is final. */
export class ImagePullPatience {
  private readonly failingSince = new Map<string, number>();
  readonly patienceMs: number;

  constructor(patienceMs = IMAGE_PULL_PATIENCE_MS) {
    this.patienceMs = patienceMs;
  }

  /** `verdict` as it stands at `now` (epoch ms): a pull failing for the whole patience fails the pod. */
  judge(pod: string, verdict: PodVerdict, now: number): PodVerdict {
    if (verdict.state !== 'pending' || verdict.imagePull === undefined) {
      this.failingSince.delete(pod);
      return verdict;
    }
    const since = this.failingSince.get(pod) ?? now;
    this.failingSince.set(pod, since);
    if (now - since < this.patienceMs) return verdict;
    this.failingSince.delete(pod);
    return { state: 'failed', reason: `${verdict.imagePull} (pulls failing for ${Math.round((now - since) / 1000)}s)` };
  }

  /** The pods whose pulls are failing now. */
  failing(): string[] {
    return [...this.failingSince.keys()];
  }

  /** When the next pod runs out of patience (epoch ms), if any pull is failing. */
  nextGiveUp(): number | undefined {
    const since = Math.min(...this.failingSince.values());
    return Number.isFinite(since) ? since + this.patienceMs : undefined;
  }
}

/** When the pod's container ended, if it has (epoch ms). */
export function finishedAt(pod: V1Pod): number | undefined {
  const at = pod.status?.containerStatuses?.[0]?.state?.terminated?.finishedAt;
  return at === undefined ? undefined : new Date(at).getTime();
}
