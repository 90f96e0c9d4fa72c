// Analysis on crafted matrices: each Pingmesh pattern is said once, as the right kind,
// with the pairs behind it as evidence; noise alone says nothing.
import { analyse } from '../../src/analyse/analyse.ts';
import { detectPatterns } from '../../src/analyse/patterns.ts';
import { binomialUpperTail } from '../../src/analyse/significance.ts';
import type { NetworkPath } from '../../src/shared/plan.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { binomial, healthyNoise, matrixResults, nodeNames, RESOLVER, RUN, seededRandom, type PairSpec, type PairSpecOf, type ResultOptions } from '../support/agent-results.ts';

const NODES = nodeNames(6);
const clean: PairSpec = { attempts: 300 };

function analyseMatrix(specOf: PairSpecOf, options?: (node: string) => ResultOptions, nodes = NODES, paths: NetworkPath[] = ['pod']): MatrixReport {
  const results = matrixResults(nodes, ['tcp', 'udp', 'dns'], specOf, options, paths);
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results });
}

const summary = (report: MatrixReport) => report.findings.map((f) => `${f.severity} ${f.kind} ${f.pattern} ${f.subject}`);

describe('noise', () => {
  // A healthy cluster's noise (see healthyNoise): 12 nodes, 3 protocols, five seeds.
  test.each([1, 2, 3, 4, 5])('a clean 12-node matrix with random noise (seed %i) yields no finding and no flagged pair', (seed) => {
    const report = analyseMatrix(healthyNoise(seed), undefined, nodeNames(12));
    expect(summary(report)).toEqual([]);
    expect(report.pairs.filter((p) => p.status !== 'ok')).toEqual([]);
    expect(report.pairs).toHaveLength(12 * 11 * 2 + 12);
  });

  test('a lone failure is not a finding, though its 95 % interval clears the threshold (1 of 30: lower bound 0.6 %)', () => {
    const report = analyseMatrix((s, d, protocol) => ({ attempts: 30, lost: s === 'node-1' && d === 'node-2' && protocol === 'udp' ? 1 : 0 }));
    expect(report.findings).toEqual([]);
    const pair = report.pairs.find((p) => p.source === 'node-1' && p.destination === 'node-2' && p.protocol === 'udp')!;
    expect(pair.loss.low).toBeGreaterThan(0.005);
    expect(pair.status).toBe('ok');
  });

  test('a 60-node cluster probed briefly (30 probes per pair) with the same noise: no finding among ~17,000 tests', () => {
    const noise = healthyNoise(7);
    const report = analyseMatrix((s, d, protocol) => ({ ...noise(s, d, protocol), attempts: 30 }), undefined, nodeNames(60));
    // Each of these would be a finding if the 95 % interval alone decided.
    expect(report.pairs.filter((p) => p.loss.low! > 0.005).length).toBeGreaterThan(5);
    expect(summary(report)).toEqual([]);
  });

  test('a loss whose interval still reaches below the threshold is not flagged: 3 of 300', () => {
    const report = analyseMatrix((s, d) => ({ attempts: 300, lost: s === 'node-1' && d === 'node-2' ? 3 : 0 }));
    expect(report.findings).toEqual([]);
  });
});

describe('Pingmesh patterns', () => {
  test('at scale and with few probes a bad node is one finding: its pairs pooled, though few are significant alone', () => {
    const random = seededRandom(3);
    const nodes = nodeNames(100);
    const report = analyseMatrix((s, d, protocol) => ({ attempts: 30, lost: (s === 'node-42' || d === 'node-42') && protocol !== 'dns' ? binomial(random, 30, 0.1) : 0 }), undefined, nodes);
    expect(summary(report)).toEqual(['critical loss bad-node node-42']);
    const [finding] = report.findings;
    expect(finding.evidence.flaggedPairs! / finding.evidence.measuredPairs!).toBeGreaterThanOrEqual(0.8);
    expect(finding.evidence.pooled!.ratio).toBeCloseTo(0.1, 1);
    expect(finding.message).toMatch(/^Probe loss to and from node-42 on \d+ of 198 of its pairs: a bad row and column \(tcp, udp, pod network\); pooled, \d+ of 11880 probes lost \(10%/);
    expect(report.pairs.filter((p) => p.status !== 'ok').every((p) => p.source === 'node-42' || p.destination === 'node-42')).toBe(true);
  });

  test('at scale one blackholed pair is a pair finding, not its row', () => {
    const report = analyseMatrix((s, d, protocol) => ({ attempts: 30, lost: s === 'node-9' && d === 'node-31' && protocol === 'tcp' ? 30 : 0 }), undefined, nodeNames(60));
    expect(summary(report)).toEqual(['critical loss pair node-9 -> node-31']);
  });

  test('one pair: a pair finding with both protocols as evidence', () => {
    const report = analyseMatrix((s, d, protocol) => (s === 'node-1' && d === 'node-2' && protocol !== 'dns' ? { attempts: 300, lost: 15 } : clean));
    expect(summary(report)).toEqual(['warning loss pair node-1 -> node-2']);
    const [finding] = report.findings;
    expect(finding.protocols).toEqual(['tcp', 'udp']);
    expect(finding.evidence.pairs.map((e) => [e.protocol, e.k, e.n])).toEqual([['tcp', 15, 300], ['udp', 15, 300]]);
    expect(finding.message).toBe('Probe loss from node-1 to node-2 (tcp, udp, pod network). The lost UDP datagrams travelled node-1 → node-2 '
      + "(15 of 15, by the echoes' receive counts), whichever side probed: the fault is on the path node-1 → node-2.");
  });

  test('bad row: one node loses to every destination → one bad-source finding, no pair findings', () => {
    const report = analyseMatrix((s, _d, protocol) => (s === 'node-3' && protocol !== 'dns' ? { attempts: 300, lost: 60 } : clean));
    expect(summary(report)).toEqual(['critical loss bad-source node-3']);
    const [finding] = report.findings;
    expect(finding.evidence).toMatchObject({ flaggedPairs: 5, measuredPairs: 5, thresholdRatio: 0.005 });
    expect(finding.evidence.pairs).toHaveLength(10);
    expect(report.pairs.filter((p) => p.status === 'critical').map((p) => p.source)).toEqual(new Array(10).fill('node-3'));
  });

  test('bad column: every source loses to one destination → one bad-destination finding', () => {
    const report = analyseMatrix((_s, d, protocol) => (d === 'node-5' && protocol === 'udp' ? { attempts: 300, lost: 9 } : clean));
    expect(summary(report)).toEqual(['warning loss bad-destination node-5']);
    expect(report.findings[0].message).toMatch(/^Probe loss to node-5 from 5 of 5 sources: a bad column \(udp, pod network\)/);
  });

  test('bad node: a red row and column → one bad-node finding covering its 10 pairs', () => {
    const report = analyseMatrix((s, d, protocol) => ((s === 'node-4' || d === 'node-4') && protocol !== 'dns' ? { attempts: 300, lost: 30 } : clean));
    expect(summary(report)).toEqual(['critical loss bad-node node-4']);
    expect(report.findings[0].evidence).toMatchObject({ flaggedPairs: 10, measuredPairs: 10 });
    expect(report.findings[0].hint).toContain('CNI agent');
  });

  test('all but the diagonal: every pair lossy → one cluster-wide finding', () => {
    const report = analyseMatrix((_s, _d, protocol) => (protocol === 'tcp' ? { attempts: 300, lost: 12 } : clean));
    expect(summary(report)).toEqual(['warning loss all-but-diagonal cluster']);
    expect(report.findings[0].evidence).toMatchObject({ flaggedPairs: 30, measuredPairs: 30 });
  });

  test('partition: two groups that cannot reach each other, named with the label they line up with', () => {
    const zone = (node: string) => (NODES.indexOf(node) < 3 ? 'zone-a' : 'zone-b');
    const results = matrixResults(NODES, ['tcp', 'udp'], (s, d) => (zone(s) !== zone(d) ? { attempts: 300, lost: 300 } : clean));
    const report = analyse({ run: RUN, nodes: NODES.map((name) => ({ name, labels: { 'topology.kubernetes.io/zone': zone(name) } })), results });
    expect(summary(report)).toEqual(['critical loss partition node-1, node-2, node-3 | node-4, node-5, node-6']);
    expect(report.findings[0].evidence).toMatchObject({
      groups: [['node-1', 'node-2', 'node-3'], ['node-4', 'node-5', 'node-6']], groupLabel: 'topology.kubernetes.io/zone', flaggedPairs: 18, measuredPairs: 18,
    });
  });

  test('two patterns at once are both said, worst first', () => {
    const report = analyseMatrix((s, d, protocol) => {
      if (protocol === 'dns') return clean;
      if (s === 'node-1') return { attempts: 300, lost: 100 };
      return s === 'node-5' && d === 'node-6' ? { attempts: 300, lost: 10 } : clean;
    });
    expect(summary(report)).toEqual(['critical loss bad-source node-1', 'warning loss pair node-5 -> node-6']);
  });
});

describe('protocol-specific findings', () => {
  test('SYN retransmits with clean UDP → SYN-specific drops, naming the listen overflows counted at the destination', () => {
    // On the host network a node's counters are the node's own, the destination's listen queue included.
    const report = analyseMatrix(
      (s, d, protocol) => (s === 'node-1' && d === 'node-2' && protocol === 'tcp' ? { attempts: 300, synRetransmits: 15 } : clean),
      (node) => (node === 'node-2' ? { delta: { ListenOverflows: 12, ListenDrops: 12 } } : {}),
      NODES, ['host'],
    );
    expect(summary(report)).toEqual(['warning syn-loss pair node-1 -> node-2']);
    const [finding] = report.findings;
    expect(finding.hint).toContain('UDP between the same nodes shows no significant loss');
    expect(finding.hint).toContain('node-2: ListenOverflows +12, ListenDrops +12');
    expect(finding.hint).toContain('--random-fully');
    const pair = report.pairs.find((p) => p.source === 'node-1' && p.destination === 'node-2' && p.protocol === 'tcp')!;
    expect(pair).toMatchObject({ loss: { ratio: 0 }, synRetransmits: 15, flags: ['syn-loss'] });
    expect(pair.synLoss!.ratio).toBeCloseTo(15 / 315, 6);
    expect(report.nodes.find((n) => n.name === 'node-1')!.synRetransmits).toEqual({ inferred: 15, counted: 15 });
  });

  test('on the pod network the destination\'s listen queue is not claimed: its counters are not the prober pod\'s', () => {
    const report = analyseMatrix(
      (s, d, protocol) => (s === 'node-1' && d === 'node-2' && protocol === 'tcp' ? { attempts: 300, synRetransmits: 15 } : clean),
      (node) => (node === 'node-2' ? { delta: { ListenOverflows: 12, ListenDrops: 12 } } : {}),
    );
    expect(report.findings[0].hint).toContain('not readable from the pod network: --network host reads the nodes\' counters');
    expect(report.findings[0].hint).not.toContain('ListenOverflows +12');
  });

  test('SYN drops on an old kernel point at tcp_tw_recycle', () => {
    const report = analyseMatrix(
      (s, _d, protocol) => (s === 'node-2' && protocol === 'tcp' ? { attempts: 300, synRetransmits: 20 } : clean),
      (node) => (node === 'node-2' ? { kernel: '4.4.0-210-generic' } : {}),
    );
    expect(summary(report)).toEqual(['critical syn-loss bad-source node-2']);
    expect(report.findings[0].hint).toContain('tcp_tw_recycle=1 behind NAT on kernels before 4.12 (node-2 runs 4.4.0-210-generic)');
  });

  test('DNS answers at the 5 s marks → the conntrack race, with the kernel named', () => {
    const report = analyseMatrix(
      (s, _d, protocol) => (s === 'node-2' && protocol === 'dns' ? { attempts: 300, answeredAtResolverMarks: [9, 1] } : clean),
      (node) => (node === 'node-2' ? { kernel: '4.19.0-21-amd64' } : {}),
    );
    expect(summary(report)).toEqual(['warning dns-conntrack-race nodes node-2']);
    const [finding] = report.findings;
    expect(finding.message).toContain('node-2 runs 4.19.0-21-amd64: older than 5.0, without the conntrack race fixes');
    expect(finding.hint).toMatch(/single-request-reopen.*glibc only.*use-vc.*NodeLocal DNSCache/);
    expect(finding.evidence.nodes[0].counts).toEqual({ lookups: 300, answeredAtResolverMarks: 10, timeouts: 0 });
    const pair = report.pairs.find((p) => p.protocol === 'dns' && p.source === 'node-2')!;
    expect(pair.dnsAnsweredAtResolverMarks).toEqual([9, 1]);
    expect(pair.latencyMs.max).toBeGreaterThan(10000);
  });

  describe('the race\'s own counter: conntrack insert_failed, drop, early_drop on host-network agents', () => {
    const race = (conntrack: (node: string) => ResultOptions['conntrack']) => analyseMatrix(
      (s, _d, protocol) => (s === 'node-2' && protocol === 'dns' ? { attempts: 300, answeredAtResolverMarks: [9, 1] } : clean),
      (node) => ({ kernel: '4.19.0-21-amd64', conntrack: conntrack(node) }),
    ).findings.find((f) => f.kind === 'dns-conntrack-race')!;

    test('moved on the client node: cited as corroboration, and in its evidence', () => {
      const finding = race(() => ({ insert_failed: 12, drop: 12, early_drop: 0 }));
      expect(finding.message).toContain('Conntrack corroborates it: node-2 insert_failed +12, drop +12, early_drop +0 over the run.');
      expect(finding.evidence.nodes[0].counts).toEqual({ lookups: 300, answeredAtResolverMarks: 10, timeouts: 0, insert_failed: 12, drop: 12, early_drop: 0 });
    });

    test('read and still: said, with what else to look for', () => {
      const finding = race(() => ({ insert_failed: 0, drop: 0, early_drop: 0 }));
      expect(finding.message).toContain("Conntrack's insert_failed, drop and early_drop did not move on node-2 over the run: a race drop would count there");
    });

    test('not read (pod-network agents only): said so, with the flag that reads them', () => {
      const finding = race(() => undefined);
      expect(finding.message).toContain('Conntrack statistics were not read on these nodes (host-network agents read them: --network host or both).');
    });
  });

  test('a resolver failing every node → one finding on the resolver column', () => {
    const report = analyseMatrix((_s, _d, protocol) => (protocol === 'dns' ? { attempts: 300, lost: 40 } : clean));
    expect(summary(report)).toEqual([`critical loss bad-destination ${RESOLVER}`]);
    expect(report.findings[0].message).toMatch(/^Failed DNS lookups to dns:10.96.0.10 from 6 of 6 sources/);
    expect(report.pairs.find((p) => p.protocol === 'dns')!.dnsTimeouts).toBe(40);
  });

  test('DNS timeouts from a node on an old kernel also name the race as a suspect', () => {
    const report = analyseMatrix(
      (s, _d, protocol) => (s === 'node-3' && protocol === 'dns' ? { attempts: 300, lost: 20 } : clean),
      (node) => (node === 'node-3' ? { kernel: '5.4.0-150-generic' } : {}),
    );
    expect(summary(report)).toEqual([`warning loss pair node-3 -> ${RESOLVER}`]);
    expect(report.findings[0].hint).toContain('On kernels before 5.6 (node-3: 5.4.0-150-generic) the conntrack A/AAAA race can also end in timeouts.');
  });

  test('ENOBUFS outcomes and SndbufErrors → neighbour table / buffers', () => {
    const report = analyseMatrix(
      (s, d, protocol) => (s === 'node-5' && d === 'node-1' && protocol === 'tcp' ? { attempts: 300, enobufs: 1 } : clean),
      (node) => (node === 'node-5' ? { delta: { SndbufErrors: 30 } } : {}),
    );
    expect(summary(report)).toEqual(['warning enobufs nodes node-5']);
    expect(report.findings[0].message).toContain('node-5: ENOBUFS 1, SndbufErrors 30');
    expect(report.findings[0].hint).toContain('gc_thresh1/2/3 (defaults 128/512/1024');
    expect(report.pairs.find((p) => p.enobufs > 0)).toMatchObject({ source: 'node-5', destination: 'node-1', errors: { ENOBUFS: 1 } });
  });

  test('high p99 to one node, without loss → a latency finding relative to the cluster median pair', () => {
    const report = analyseMatrix((_s, d, protocol) => (d === 'node-6' && protocol === 'udp' ? { attempts: 300, latencyMs: (i) => (i % 10 === 0 ? 40 : 0.5) } : clean));
    expect(summary(report)).toEqual(['warning latency bad-destination node-6']);
    const [evidence] = report.findings[0].evidence.pairs;
    expect(evidence).toMatchObject({ measure: 'slow', k: 30, n: 300, clusterMedianP99Ms: 0.5, limitMs: 5.5 });
    expect(evidence.p99Ms).toBeCloseTo(40, 0);
  });
});

describe('pod network vs host network (--network both)', () => {
  const run = (hostToo: boolean) => {
    const broken = (s: string, d: string) => (s === 'node-2' && d === 'node-5') || (s === 'node-5' && d === 'node-2');
    const results = matrixResults(NODES, ['tcp', 'udp'], (s, d, _p, path) => (broken(s, d) && (path === 'pod' || hostToo) ? { attempts: 300, lost: 30 } : clean), undefined, ['pod', 'host']);
    return analyse({ run: RUN, nodes: NODES.map((name) => ({ name })), results });
  };

  test('only the pod network broken between two nodes: one finding for both directions, blaming the overlay', () => {
    const report = run(false);
    expect(summary(report)).toEqual(['critical loss pair node-2 <-> node-5']);
    expect(report.findings[0].message).toBe('Probe loss between node-2 and node-5, both ways (tcp, udp, pod network). '
      + "The lost UDP datagrams travelled both ways, by the echoes' receive counts (node-2 → node-5: 30, node-5 → node-2: 30).");
    expect(report.findings[0].hint).toContain('The host network between the same nodes is clean: the overlay is at fault');
  });

  test('both networks broken: a finding per network, each pointing below the overlay', () => {
    const report = run(true);
    expect(summary(report)).toEqual(['critical loss pair node-2 <-> node-5', 'critical loss pair node-2 <-> node-5']);
    expect(report.findings.map((f) => f.path)).toEqual(['pod', 'host']);
    expect(report.findings[0].hint).toContain('The host network between the same nodes shows it too: look below the overlay');
    expect(report.findings[1].hint).toContain('The pod network between the same nodes shows it too');
  });
});

describe('report contents', () => {
  test('pairs carry the contract fields; a node without a result is listed with its reason', () => {
    const results = matrixResults(['a', 'b'], ['tcp'], () => ({ attempts: 100, lost: 0, latencyMs: (i) => 1 + i / 100 }));
    const report = analyse({ run: RUN, nodes: [{ name: 'a', internalIP: '10.0.0.1', kernelVersion: '6.1.0' }, { name: 'b' }, { name: 'c' }], results, noData: [{ node: 'c', reason: 'pod unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint' }] });
    expect(report).toMatchObject({ kind: 'netprobe-matrix-report', schemaVersion: 1, run: RUN });
    expect(report.nodes.map((n) => [n.name, n.status, n.kernelVersion, n.noDataReason])).toEqual([
      ['a', 'ok', '6.1.0', null],
      ['b', 'ok', '6.1.0-18-amd64', null],
      ['c', 'no-data', null, 'pod unschedulable: 0/3 nodes are available: 1 node(s) had untolerated taint'],
    ]);
    const pair = report.pairs[0];
    expect(pair).toMatchObject({ source: 'a', destination: 'b', protocol: 'tcp', path: 'pod', attempts: 100, successes: 100, loss: { ratio: 0, low: 0 }, errors: {}, synRetransmits: 0, dnsTimeouts: 0, enobufs: 0 });
    expect(pair.latencyMs.p50).toBeCloseTo(1.5, 1);
    expect(pair.latencyMs.max).toBeCloseTo(1.99, 6);
  });

  test('a pair with no successes has null latencies; errors are counted by outcome', () => {
    const results = matrixResults(['a', 'b'], ['tcp'], () => ({ attempts: 50, lost: 50, lostAs: 'refused' }));
    const [pair] = analyse({ run: RUN, nodes: [], results }).pairs;
    expect(pair.latencyMs).toEqual({ p50: null, p90: null, p99: null, max: null });
    expect(pair.errors).toEqual({ refused: 50 });
    expect(pair.status).toBe('critical');
  });
});

describe('the pattern evidence rule when confirmation stops each series on its own data', () => {
  // A row of 5 cells, every one losing exactly p0 (the null at its boundary), each series
  // stopped as soon as it looks bad (after 5 probes, above twice p0) or at 200 probes: the
  // lengths depend on the data, as confirmation probing's do. The rule at level T = 20
  // (alpha = tests / 20, share 0 so only the evidence decides) may find the row in at most
  // 1/T of such rows; a fixed-n pooled binomial test at 5 % finds it more often than 5 %.
  const P0 = 0.05;
  const ROWS = 4000;
  const nodes = ['src', 'd1', 'd2', 'd3', 'd4', 'd5'];
  const random = seededRandom(5);
  const rows = Array.from({ length: ROWS }, () => nodes.slice(1).map((destination) => {
    let k = 0;
    let n = 0;
    while (n < 200) {
      n++;
      if (random() < P0) k++;
      if (n >= 5 && k / n > 2 * P0) break;
    }
    return { source: 'src', destination, k, n, elevated: true, flagged: false };
  }));

  test('pooled e-values: a null row is found at most 1/T of the time, however each series stopped', () => {
    const tests = 2 * nodes.length + 2;
    const found = rows.filter((cells) => detectPatterns(cells, { p0: P0, share: 0, alpha: tests / 20, square: false }).some((p) => p.pattern === 'bad-source')).length;
    // 1/T = 5 %; three standard errors of a 5 % share over 4000 rows is 1.0 %.
    expect(found / ROWS).toBeLessThan(1 / 20 + 0.01);
  });

  test('why not a fixed-n test: the pooled binomial test at 5 % finds more than 5 % of these null rows', () => {
    const pooledBinomialFinds = rows.filter((cells) => {
      const k = cells.reduce((a, c) => a + c.k, 0);
      const n = cells.reduce((a, c) => a + c.n, 0);
      return binomialUpperTail(k, n, P0) <= 0.05;
    }).length;
    expect(pooledBinomialFinds / ROWS).toBeGreaterThan(0.055);
  });
});
