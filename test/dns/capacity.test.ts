// The dns command's arithmetic on known values: the autoscaler formula, the knee on
// crafted steps, the recommendation, search-path expansion, and the loaders' steps added up.
import { queriesPerLookup, searchCandidates } from '../../src/agent/search-path.ts';
import { autoscalerReplicas } from '../../src/dns/autoscaler.ts';
import { cpuCores, nodeLocalDnsEvidence } from '../../src/dns/cluster-dns.ts';
import { findKnee } from '../../src/dns/knee.ts';
import { recommendReplicas } from '../../src/dns/recommend.ts';
import { addUpSteps, type LoadStep } from '../../src/dns/steps.ts';
import { DNS_LOAD_RESULT_SCHEMA_VERSION, type DnsLoadResult, type DnsLoadStep } from '../../src/shared/dns-load.ts';
import { LatencyHistogram } from '../../src/shared/histogram.ts';

describe('cluster-proportional-autoscaler, linear mode with the kube-dns defaults', () => {
  test.each([
    // nodes, cores, replicas: preventSinglePointFailure gives small clusters 2.
    [1, 4, 1],
    [3, 12, 2],
    [16, 64, 2],
    [17, 68, 2],
    [33, 132, 3],
    [100, 400, 7],
    // Big nodes: cores decide (1000 × 64 = 64,000 cores / 256 = 250 > 1000 / 16 = 63).
    [1000, 64_000, 250],
  ])('%i nodes, %i cores → %i replicas', (nodes, cores, replicas) => {
    expect(autoscalerReplicas(nodes, cores).replicas).toBe(replicas);
  });

  test('says which term decided', () => {
    expect(autoscalerReplicas(100, 400)).toMatchObject({ byCores: 2, byNodes: 7, coresPerReplica: 256, nodesPerReplica: 16 });
  });

  test('CPU capacity quantities', () => {
    expect(cpuCores('4')).toBe(4);
    expect(cpuCores('3500m')).toBe(3.5);
    expect(cpuCores(undefined)).toBe(0);
  });
});

const step = (n: number, offeredQps: number, answeredRatio: number): LoadStep => {
  const planned = offeredQps;
  const answeredFirstSend = Math.round(planned * answeredRatio);
  return {
    step: n, loaders: 1, offeredQps, planned, answeredFirstSend, answeredQps: answeredFirstSend, answeredRatio: answeredFirstSend / planned,
    answeredAtResolverMarks: 0, timeouts: planned - answeredFirstSend, unsent: 0, errors: {}, rcodes: {}, p50Ms: 1, p99Ms: 2,
  };
};

describe('the knee', () => {
  test('the last of the leading clean steps', () => {
    const steps = [step(1, 100, 1), step(2, 200, 0.995), step(3, 300, 0.9), step(4, 400, 0.6)];
    expect(findKnee(steps, 0.01)).toEqual({ verdict: 'knee', qps: 200, step: 2 });
  });

  test('a clean step after a lossy one does not move it', () => {
    const steps = [step(1, 100, 1), step(2, 200, 0.9), step(3, 300, 1)];
    expect(findKnee(steps, 0.01)).toEqual({ verdict: 'knee', qps: 100, step: 1 });
  });

  test('the threshold is inclusive', () => {
    expect(findKnee([step(1, 100, 1), step(2, 200, 0.99)], 0.01)).toEqual({ verdict: 'none-up-to-max', qps: 200, step: 2 });
  });

  test('all clean: no knee up to the last step; lossy from the start: below the first', () => {
    expect(findKnee([step(1, 100, 1), step(2, 200, 1)], 0.01)).toEqual({ verdict: 'none-up-to-max', qps: 200, step: 2 });
    expect(findKnee([step(1, 100, 0.5), step(2, 200, 0.4)], 0.01)).toEqual({ verdict: 'below-first-step', qps: null, step: null });
    expect(findKnee([], 0.01).verdict).toBe('below-first-step');
  });
});

describe('replicas for a peak', () => {
  const knee = { verdict: 'knee' as const, qps: 120, step: 4 };

  test('per-replica share of the knee, peak × (1 + headroom), rounded up', () => {
    // 120 q/s over 2 replicas = 60 each; 300 × 1.5 / 60 = 7.5 → 8.
    expect(recommendReplicas(knee, 2, 0.5, 300)).toEqual({
      peakQps: 300, peakFrom: 'flag', capacityQps: 120, capacityIsLowerBound: false, currentReplicas: 2, perReplicaQps: 60, headroom: 0.5, replicas: 8,
    });
  });

  test('without --peak-qps the capacity itself is the peak: the headroom decides', () => {
    // 120 × 1.5 / 60 = 3 exactly: not 4.
    expect(recommendReplicas(knee, 2, 0.5)).toMatchObject({ peakQps: 120, peakFrom: 'capacity', replicas: 3 });
    expect(recommendReplicas({ verdict: 'knee', qps: 90, step: 3 }, 3, 0)).toMatchObject({ replicas: 3 });
  });

  test('never below 2, and nothing to say without a capacity or a replica', () => {
    expect(recommendReplicas(knee, 2, 0.5, 10)?.replicas).toBe(2);
    expect(recommendReplicas({ verdict: 'below-first-step', qps: null, step: null }, 2, 0.5, 300)).toBeNull();
    expect(recommendReplicas(knee, 0, 0.5, 300)).toBeNull();
  });

  test('no knee: only with a peak, and then an upper bound', () => {
    const none = { verdict: 'none-up-to-max' as const, qps: 300, step: 10 };
    expect(recommendReplicas(none, 2, 0.5)).toBeNull();
    expect(recommendReplicas(none, 2, 0.5, 1000)).toMatchObject({ capacityIsLowerBound: true, perReplicaQps: 150, replicas: 10 });
  });
});

describe('search-path expansion with the kubelet\'s ndots:5', () => {
  const search = ['team.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];

  test('short cluster names try the search domains first', () => {
    expect(searchCandidates('kubernetes.default', search, 5)).toEqual([
      'kubernetes.default.team.svc.cluster.local', 'kubernetes.default.svc.cluster.local', 'kubernetes.default.cluster.local', 'kubernetes.default',
    ]);
    // Found at the second: A and AAAA for two names.
    expect(queriesPerLookup(4, 2)).toBe(4);
  });

  test('a fully qualified name with 4 dots still walks the whole search list (ndots:5), unless it ends with a dot', () => {
    const fqdn = 'kubernetes.default.svc.cluster.local';
    expect(searchCandidates(fqdn, search, 5)).toHaveLength(4);
    expect(searchCandidates(fqdn, search, 5)[3]).toBe(fqdn);
    expect(queriesPerLookup(4, 4)).toBe(8);
    expect(searchCandidates(`${fqdn}.`, search, 5)).toEqual([fqdn]);
    expect(queriesPerLookup(1, 1)).toBe(2);
  });

  test('external names: every search domain, then as is (CoreDNS counts them at ~5 queries\' cost)', () => {
    expect(searchCandidates('example.com', search, 5)).toHaveLength(4);
    expect(queriesPerLookup(4, undefined)).toBe(8);
    // With ndots:1 (the resolv.conf default) a dotted name goes as is first.
    expect(searchCandidates('example.com', search, 1)[0]).toBe('example.com');
  });
});

describe('the loaders\' steps added up', () => {
  const loaderStep = (planned: number, answered: number, marks: number, latencies: number[]): DnsLoadStep => {
    const h = new LatencyHistogram();
    latencies.forEach((v) => h.record(v));
    return {
      offeredQps: planned, durationMs: 1000, planned, sent: planned, unsent: 0, answered, answeredAtResolverMarks: [marks],
      timeouts: planned - answered, errors: {}, abandoned: 0, rcodes: { NOERROR: answered }, latency: h.toJSON(),
    };
  };
  const result = (node: string, steps: DnsLoadStep[]): DnsLoadResult => ({
    kind: 'netprobe-dns-load-result', schemaVersion: DNS_LOAD_RESULT_SCHEMA_VERSION, node, runToken: 't', startedAt: '', endedAt: '',
    resolver: { server: '198.18.64.10', port: 53, search: [], ndots: 5 }, lookups: [], steps, stoppedEarly: null, self: { cpuMs: 0, maxRssBytes: 0 }, warnings: [],
  });

  test('rates add up, answers at the 5 s mark do not count as answered in time, a loader that stopped early is missing from later steps', () => {
    const steps = addUpSteps([
      result('a', [loaderStep(50, 50, 0, [1, 1]), loaderStep(100, 90, 10, [1, 5000])]),
      result('b', [loaderStep(50, 50, 0, [2])]),
    ]);
    expect(steps.map(({ step, loaders, offeredQps, planned, answeredFirstSend, answeredAtResolverMarks }) => ({ step, loaders, offeredQps, planned, answeredFirstSend, answeredAtResolverMarks }))).toEqual([
      { step: 1, loaders: 2, offeredQps: 100, planned: 100, answeredFirstSend: 100, answeredAtResolverMarks: 0 },
      { step: 2, loaders: 1, offeredQps: 100, planned: 100, answeredFirstSend: 80, answeredAtResolverMarks: 10 },
    ]);
    expect(steps[1].answeredRatio).toBe(0.8);
    expect(steps[1].p99Ms).toBeCloseTo(5000, -2);
    expect(steps[0].rcodes).toEqual({ NOERROR: 100 });
  });
});

test('NodeLocal DNSCache: its pods, or the pods\' resolver on its link-local address', () => {
  expect(nodeLocalDnsEvidence(3, ['198.18.64.10'])).toMatch(/^3 k8s-app=node-local-dns pod/);
  expect(nodeLocalDnsEvidence(0, ['169.254.20.10'])).toMatch(/169\.254\.20\.10/);
  expect(nodeLocalDnsEvidence(0, ['198.18.64.10'])).toBeNull();
});
