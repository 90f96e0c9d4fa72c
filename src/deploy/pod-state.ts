// What a pod's status means for a run: ready to be probed, finished, or failed
// for a reason worth showing at once (not after the whole timeout).
import type { V1Pod } from '@kubernetes/client-node';

export type PodVerdict =
  | { state: 'pending' }
  | { state: 'running'; podIP: string }
  | { state: 'succeeded' }
  | { state: 'failed'; reason: string };

/** Waiting reasons a pod does not recover from by itself within a probe run. */
const STUCK_WAITING = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'CreateContainerConfigError', 'CreateContainerError', 'CrashLoopBackOff', 'RunContainerError']);

export function podVerdict(pod: V1Pod): PodVerdict {
  const status = pod.status;
  const unschedulable = status?.conditions?.find((c) => c.type === 'PodScheduled' && c.status === 'False' && c.reason === 'Unschedulable');
  if (unschedulable) return { state: 'failed', reason: `unschedulable: ${unschedulable.message ?? 'no reason given'}` };
  const container = status?.containerStatuses?.[0];
  const waiting = container?.state?.waiting;
  if (waiting?.reason && STUCK_WAITING.has(waiting.reason)) return { state: 'failed', reason: `${waiting.reason}${waiting.message ? `: ${waiting.message}` : ''}` };
  switch (status?.phase) {
    case 'Succeeded':
      return { state: 'succeeded' };
    case 'Failed': {
      const terminated = container?.state?.terminated;
      const why = status.reason ?? terminated?.reason ?? 'Failed';
      const detail = status.message ?? (terminated ? `exit code ${terminated.exitCode}` : undefined);
      return { state: 'failed', reason: detail ? `${why}: ${detail}` : why };
    }
    case 'Running':
      return status.podIP ? { state: 'running', podIP: status.podIP } : { state: 'pending' };
    default:
      return { state: 'pending' };
  }
}
