import type { V1Pod } from '@kubernetes/client-node';
import { podVerdict } from '../../src/deploy/pod-state.ts';

describe('pod verdicts', () => {
  test('an unschedulable pod fails at once with the scheduler\'s message', () => {
    const pod: V1Pod = { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) had untolerated taint' }] } };
    expect(podVerdict(pod)).toEqual({ state: 'failed', reason: 'unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint' });
  });

  test('an image that cannot be pulled fails at once; a pending pod just waits', () => {
    expect(podVerdict({ status: { phase: 'Pending', containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason: 'ImagePullBackOff', message: 'no such image' } } }] } }))
      .toEqual({ state: 'failed', reason: 'ImagePullBackOff: no such image' });
    expect(podVerdict({ status: { phase: 'Pending' } })).toEqual({ state: 'pending' });
  });

  test('running needs an IP; finished pods say how they ended', () => {
    expect(podVerdict({ status: { phase: 'Running' } })).toEqual({ state: 'pending' });
    expect(podVerdict({ status: { phase: 'Running', podIP: '198.19.1.5' } })).toEqual({ state: 'running', podIP: '198.19.1.5' });
    expect(podVerdict({ status: { phase: 'Succeeded' } })).toEqual({ state: 'succeeded' });
    expect(podVerdict({ status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } }))
      .toEqual({ state: 'failed', reason: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline' });
  });
});
