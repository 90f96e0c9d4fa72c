// The pure parts of the API stand-in: selectors, patches, printing, scheduling messages.
import { applyPatch } from './patch.ts';
import { RESOURCES } from './registry.ts';
import { RetryAfter, TokenBucket } from './flow-control.ts';
import { fitErrorMessage } from './scheduler.ts';
import { fieldSelector, labelSelector } from './selectors.ts';
import type { KObject } from './store.ts';
import { humanDuration, podStatusText } from './tables.ts';

const obj = (labels: Record<string, string>, extra: Record<string, unknown> = {}): KObject =>
  ({ metadata: { name: 'x', namespace: 'ns', uid: 'u', resourceVersion: '1', creationTimestamp: '', labels }, ...extra });

test('label selectors: equality, sets, existence', () => {
  const o = obj({ app: 'web', tier: 'front' });
  const cases: [string, boolean][] = [
    ['app=web', true], ['app==web', true], ['app!=web', false], ['app=web,tier=back', false],
    ['tier in (front,back)', true], ['tier notin (front)', false], ['missing notin (a)', true],
    ['app', true], ['!app', false], ['!missing', true], ['app in (web),tier', true], ['', true],
  ];
  for (const [selector, expected] of cases) expect([selector, labelSelector(selector)(o)]).toEqual([selector, expected]);
  expect(() => labelSelector('a b c')).toThrow('unable to parse requirement: a b c');
});

test('field selectors: only the fields the resource exposes', () => {
  const pods = RESOURCES.find((r) => r.name === 'pods')!;
  const pod = obj({}, { spec: { nodeName: 'lab-1', hostNetwork: true }, status: { phase: 'Running' } });
  expect(fieldSelector('spec.nodeName=lab-1,status.phase!=Failed', pods)(pod)).toBe(true);
  expect(fieldSelector('metadata.name=y', pods)(pod)).toBe(false);
  expect(fieldSelector('spec.hostNetwork=true', pods)(pod)).toBe(true);
  expect(() => fieldSelector('spec.image=x', pods)).toThrow('field label not supported: spec.image');
});

test('merge patch deletes with null and merges maps; JSON patch adds, replaces, removes, tests', () => {
  const target = { metadata: { labels: { a: '1', b: '2' } }, spec: { list: [1, 2] } };
  expect(applyPatch('application/merge-patch+json', target, { metadata: { labels: { a: null, c: '3' } }, spec: { list: [3] } }))
    .toEqual({ metadata: { labels: { b: '2', c: '3' } }, spec: { list: [3] } });
  expect(applyPatch('application/json-patch+json', target, [
    { op: 'test', path: '/metadata/labels/a', value: '1' },
    { op: 'add', path: '/spec/list/-', value: 9 },
    { op: 'add', path: '/metadata/labels/example.com~1role', value: 'x' },
    { op: 'replace', path: '/metadata/labels/b', value: '3' },
  ])).toEqual({ metadata: { labels: { a: '1', b: '3', 'example.com/role': 'x' } }, spec: { list: [1, 2, 9] } });
  expect(() => applyPatch('application/json-patch+json', target, [{ op: 'remove', path: '/metadata/nope' }])).toThrow('doc is missing path: /metadata/nope');
  expect(target.spec.list).toEqual([1, 2]);
});

test('Age prints as kubectl shows it (duration.HumanDuration)', () => {
  const s = 1000;
  expect([59 * s, 119 * s, 150 * s, 600 * s, 3 * 3600 * s + 120 * s, 9 * 3600 * s, 50 * 3600 * s, 400 * 86400 * s].map(humanDuration))
    .toEqual(['59s', '119s', '2m30s', '10m', '3h2m', '9h', '2d2h', '400d']);
});

test('the STATUS column follows container reasons', () => {
  const pod = (status: object, deleting = false) => ({ metadata: { deletionTimestamp: deleting ? 'now' : undefined }, status });
  expect(podStatusText(pod({ phase: 'Pending', containerStatuses: [{ state: { waiting: { reason: 'ContainerCreating' } } }] }))).toBe('ContainerCreating');
  expect(podStatusText(pod({ phase: 'Succeeded', containerStatuses: [{ state: { terminated: { reason: 'Completed', exitCode: 0 } } }] }))).toBe('Completed');
  expect(podStatusText(pod({ phase: 'Failed', reason: 'DeadlineExceeded', containerStatuses: [] }))).toBe('DeadlineExceeded');
  expect(podStatusText(pod({ phase: 'Running', containerStatuses: [{ ready: true, state: { running: {} } }] }, true))).toBe('Terminating');
});

test('the scheduler sorts its reasons by count and text, as kube-scheduler does', () => {
  expect(fitErrorMessage(4, ["node(s) didn't match Pod's node affinity/selector", 'node(s) had untolerated taint {a: }', "node(s) didn't match Pod's node affinity/selector", 'node(s) were unschedulable']))
    .toBe("0/4 nodes are available: 1 node(s) had untolerated taint {a: }, 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.");
});

describe('the control plane\'s costs', () => {
  test('a client\'s budget: its burst at once, then its rate', () => {
    let now = 0;
    const bucket = new TokenBucket(10, 20, () => now);
    expect(Array.from({ length: 25 }, () => bucket.take()).filter(Boolean)).toHaveLength(20);
    expect(bucket.wait()).toBeCloseTo(100);
    now += 1000;
    expect(Array.from({ length: 25 }, () => bucket.take()).filter(Boolean)).toHaveLength(10);
  });

  test('Retry-After as APF computes it: doubled while rejections go on (at most 32 s), lowered by one second once they ease', () => {
    let now = 0;
    const retryAfter = new RetryAfter(() => now);
    const rejectAt = (second: number, times: number) => {
      now = second * 1000;
      for (let i = 0; i < times; i++) retryAfter.rejected();
      return retryAfter.current;
    };
    expect(rejectAt(0, 3)).toBe(1);
    // A new second: 3 or more rejections in the last 1 s double it.
    expect(rejectAt(1, 5)).toBe(2);
    // Not again before 2 s have passed since, however many.
    expect(rejectAt(2, 50)).toBe(2);
    expect(rejectAt(3, 50)).toBe(4);
    for (let s = 7; s <= 40; s += 8) rejectAt(s, 100);
    expect(retryAfter.current).toBe(32);
    // Quiet: fewer rejections than its value within it lower it by one per new second.
    expect(rejectAt(100, 1)).toBe(31);
    expect(rejectAt(200, 1)).toBe(30);
  });
});
