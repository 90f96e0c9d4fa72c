import type { V1Pod } from '@kubernetes/client-node';
import { IMAGE_PULL_PATIENCE_MS, ImagePullPatience, podVerdict } from '../../src/deploy/pod-state.ts';

const waiting = (reason: string, message: string): V1Pod => ({
  status: { phase: 'Pending', containerStatuses: [{ name: 'agent', image: 'x', imageID: '', ready: false, restartCount: 0, state: { waiting: { reason, message } } }] },
});

describe('pod verdicts', () => {
  test('an unschedulable pod fails at once with the scheduler\'s message', () => {
    const pod: V1Pod = { status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'Unschedulable', message: '0/3 nodes are available: 1 node(s) had untolerated taint' }] } };
    expect(podVerdict(pod)).toEqual({ state: 'failed', reason: 'unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint' });
  });

  test('an image that cannot be pulled is still pending (the kubelet retries); a bad image name fails at once', () => {
    expect(podVerdict(waiting('ErrImagePull', '429 Too Many Requests'))).toEqual({ state: 'pending', imagePull: 'ErrImagePull: 429 Too Many Requests' });
    expect(podVerdict(waiting('ImagePullBackOff', 'Back-off pulling image "x"'))).toEqual({ state: 'pending', imagePull: 'ImagePullBackOff: Back-off pulling image "x"' });
    expect(podVerdict(waiting('InvalidImageName', 'couldn\'t parse image name'))).toEqual({ state: 'failed', reason: 'InvalidImageName: couldn\'t parse image name' });
    expect(podVerdict({ status: { phase: 'Pending' } })).toEqual({ state: 'pending' });
  });

  test('running needs an IP; finished pods say how they ended', () => {
    expect(podVerdict({ status: { phase: 'Running' } })).toEqual({ state: 'pending' });
    expect(podVerdict({ status: { phase: 'Running', podIP: '198.19.1.5' } })).toEqual({ state: 'running', podIP: '198.19.1.5', podIPs: ['198.19.1.5'], ready: false });
    expect(podVerdict({ status: { phase: 'Running', podIP: '198.19.1.5', podIPs: [{ ip: '198.19.1.5' }, { ip: '2001:db8:1:1::5' }], conditions: [{ type: 'Ready', status: 'True' }] } }))
      .toEqual({ state: 'running', podIP: '198.19.1.5', podIPs: ['198.19.1.5', '2001:db8:1:1::5'], ready: true });
    expect(podVerdict({ status: { phase: 'Succeeded' } })).toEqual({ state: 'succeeded' });
    expect(podVerdict({ status: { phase: 'Failed', reason: 'DeadlineExceeded', message: 'Pod was active on the node longer than the specified deadline' } }))
      .toEqual({ state: 'failed', reason: 'DeadlineExceeded: Pod was active on the node longer than the specified deadline' });
  });
});

describe('image pull patience', () => {
  const errPull = podVerdict(waiting('ErrImagePull', 'toomanyrequests'));
  const backOff = podVerdict(waiting('ImagePullBackOff', 'Back-off pulling image "node:22-alpine"'));

  test('pulls failing through the kubelet\'s retries make the pod fail, with the last reason and for how long', () => {
    const patience = new ImagePullPatience();
    expect(patience.judge('p', errPull, 0)).toBe(errPull);
    expect(patience.judge('p', backOff, 1_000)).toBe(backOff);
    expect(patience.nextGiveUp()).toBe(IMAGE_PULL_PATIENCE_MS);
    expect(patience.judge('p', errPull, IMAGE_PULL_PATIENCE_MS - 1)).toBe(errPull);
    expect(patience.judge('p', backOff, IMAGE_PULL_PATIENCE_MS)).toEqual({ state: 'failed', reason: 'ImagePullBackOff: Back-off pulling image "node:22-alpine" (pulls failing for 35s)' });
    // Given up on: no more re-checks for it.
    expect(patience.nextGiveUp()).toBeUndefined();
  });

  test('a pull that succeeds in between starts the count again, per pod', () => {
    const patience = new ImagePullPatience();
    patience.judge('a', errPull, 0);
    patience.judge('b', errPull, 20_000);
    expect(patience.judge('a', { state: 'pending' }, 30_000)).toEqual({ state: 'pending' });
    expect(patience.nextGiveUp()).toBe(20_000 + IMAGE_PULL_PATIENCE_MS);
    expect(patience.judge('a', errPull, 40_000)).toBe(errPull);
    expect(patience.judge('a', backOff, 40_000 + IMAGE_PULL_PATIENCE_MS - 1)).toBe(backOff);
  });
});
