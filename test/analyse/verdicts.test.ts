// Every pair's verdict, through the whole analysis: flagged only when its evidence (or a
// pattern's) says so, clear only when it is shown below the threshold, inconclusive otherwise
// with the probes it would take; at the extremes against the sequential test itself, and at
// scale against noise.
import { analyse } from '../../src/analyse/analyse.ts';
import { DEFAULT_THRESHOLDS } from '../../src/analyse/options.ts';
import { evidenceRule, plannedTests } from '../../src/analyse/verdicts.ts';
import type { Protocol } from '../../src/shared/plan.ts';
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';
import { judge, logEvidence, probesToDecide } from '../../src/shared/sequential-test.ts';
import { binomial, healthyNoise, matrixResults, nodeNames, RUN, seededRandom, type PairSpec, type PairSpecOf } from '../support/agent-results.ts';

const NODES = nodeNames(4);
const RATE = 10;

function run(specOf: PairSpecOf, nodes = NODES, protocols: Protocol[] = ['tcp', 'udp', 'dns']): MatrixReport {
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, protocols, specOf) });
}
const pairOf = (report: MatrixReport, source: string, destination: string, protocol: Protocol): PairReport =>
  report.pairs.find((p) => p.source === source && p.destination === destination && p.protocol === protocol)!;
/** One UDP pair node-1 -> node-2 with this spec among lossless ones of `others` probes. */
const onePair = (spec: PairSpec, others: PairSpec = { attempts: 30 }) => run((s, d) => (s === 'node-1' && d === 'node-2' ? spec : others), NODES, ['udp']);
/** The run's tests: 12 UDP pairs, each a loss test and (with 20 successes or more) a latency test. */
const rule = (tests: number) => evidenceRule(DEFAULT_THRESHOLDS, tests);

describe('a pair alone, at the extremes', () => {
  test('0 lost of 30: inconclusive, not clear, with the probes and seconds that would clear it', () => {
    const report = onePair({ attempts: 30 });
    const pair = pairOf(report, 'node-1', 'node-2', 'udp');
    const tests = 24;
    const needed = probesToDecide(0, 30, rule(tests))!;
    expect(pair).toMatchObject({ verdict: 'inconclusive', status: 'ok', flags: [], toDecide: { probes: needed - 30, seconds: Math.ceil((needed - 30) / RATE) } });
    expect(pair.logEvidence.loss).toBeCloseTo(logEvidence(0, 30, 0.005), 3);
    // The probes it names do clear it, one fewer does not.
    expect(judge(0, needed, rule(tests)).verdict).toBe('clear');
    expect(judge(0, needed - 1, rule(tests)).verdict).toBe('inconclusive');
  });

  test('clear exactly from the probe count the sequential test clears at, inconclusive one probe before', () => {
    const needed = probesToDecide(0, 1, rule(24))!;
    expect(pairOf(onePair({ attempts: needed }), 'node-1', 'node-2', 'udp')).toMatchObject({ verdict: 'clear' });
    expect(pairOf(onePair({ attempts: needed }), 'node-1', 'node-2', 'udp').toDecide).toBeUndefined();
    expect(pairOf(onePair({ attempts: needed - 1 }), 'node-1', 'node-2', 'udp')).toMatchObject({ verdict: 'inconclusive', toDecide: { probes: 1 } });
  });

  test('a million probes: none lost is clear; all lost is flagged critical; exactly at the threshold no run length decides', () => {
    expect(pairOf(onePair({ attempts: 1_000_000 }), 'node-1', 'node-2', 'udp').verdict).toBe('clear');
    expect(pairOf(onePair({ attempts: 1_000_000, lost: 1_000_000 }), 'node-1', 'node-2', 'udp')).toMatchObject({ verdict: 'flagged', status: 'critical', flags: ['loss'] });
    const atThreshold = pairOf(onePair({ attempts: 1_000_000, lost: 5000 }), 'node-1', 'node-2', 'udp');
    expect(atThreshold).toMatchObject({ verdict: 'inconclusive', toDecide: null });
  });

  test('flagged alone exactly at the e-BH level of one discovery, m / q', () => {
    // 12 UDP pairs of 300 probes: 24 tests (loss and latency each); level 24 / 0.05 = 480.
    const level = Math.log(480);
    let k = 1;
    while (logEvidence(k, 300, 0.005) < level) k++;
    const flagged = pairOf(onePair({ attempts: 300, lost: k }, { attempts: 300 }), 'node-1', 'node-2', 'udp');
    const below = pairOf(onePair({ attempts: 300, lost: k - 1 }, { attempts: 300 }), 'node-1', 'node-2', 'udp');
    expect(flagged.verdict).toBe('flagged');
    expect(below.verdict).toBe('inconclusive');
    // On its way to a flag, it says how many more probes at its loss rate would reach one.
    expect(below.toDecide!.probes).toBe(probesToDecide(k - 1, 300, rule(24))! - 300);
  });

  test('SYN loss counts SYNs: the probes it names are SYNs converted at the pair\'s SYNs per probe', () => {
    const report = run((s, d) => (s === 'node-1' && d === 'node-2' ? { attempts: 200, synRetransmits: 2 } : { attempts: 2000 }), NODES, ['tcp']);
    const pair = pairOf(report, 'node-1', 'node-2', 'tcp');
    const tests = 12 * 3;
    // Loss 0 of 200 and SYN loss 2 of 202: both head for clear; the SYN side needs more.
    const synsNeeded = probesToDecide(2, 202, rule(tests))!;
    const lossNeeded = probesToDecide(0, 200, rule(tests))!;
    expect(pair.toDecide!.probes).toBe(Math.max(lossNeeded - 200, Math.ceil((synsNeeded - 202) / (202 / 200))));
  });
});

describe('confirmation probes', () => {
  test('turn an inconclusive pair clear: 30 probes in the window, 900 confirming', () => {
    const without = pairOf(onePair({ attempts: 30 }), 'node-1', 'node-2', 'udp');
    const withConfirmation = pairOf(onePair({ attempts: 30, confirmation: { attempts: 900, durationMs: 9000 } }), 'node-1', 'node-2', 'udp');
    expect(without.verdict).toBe('inconclusive');
    expect(withConfirmation).toMatchObject({ verdict: 'clear', attempts: 930, successes: 930, confirmation: { attempts: 900, successes: 900, durationMs: 9000 } });
  });

  test('turn a pair with one loss in its window into a flagged one when the confirmation keeps losing', () => {
    const report = onePair({ attempts: 30, lost: 1, confirmation: { attempts: 200, lost: 20 } });
    expect(pairOf(report, 'node-1', 'node-2', 'udp')).toMatchObject({ verdict: 'flagged', attempts: 230, successes: 209, flags: ['loss'] });
    expect(report.findings.map((f) => `${f.kind} ${f.subject}`)).toEqual(['loss node-1 -> node-2']);
  });

  test('add to SYN loss and resolver marks, not to the main window\'s latency percentiles', () => {
    const report = run((s, d, p) => {
      if (s !== 'node-1' || (p !== 'dns' && d !== 'node-2')) return { attempts: 300 };
      // Confirming connects each 1 s late after a SYN retransmit, lookups at the 5 s mark: the percentiles stay the window's 0.5 ms.
      return { attempts: 300, confirmation: { attempts: 300, synRetransmits: p === 'tcp' ? 30 : 0 }, ...(p === 'dns' && { answeredAtResolverMarks: [0] }) };
    });
    const tcp = pairOf(report, 'node-1', 'node-2', 'tcp');
    expect(tcp).toMatchObject({ attempts: 600, synRetransmits: 30, verdict: 'flagged', flags: ['syn-loss'] });
    expect(tcp.latencyMs.p99).toBeLessThan(1);
  });
});

describe('flags are controlled across the run', () => {
  test('a 50-node clean matrix with realistic background noise (1e-3 loss, SYN and resolver-mark rates) flags nothing', () => {
    const report = run(healthyNoise(1), nodeNames(50));
    expect(report.pairs).toHaveLength(50 * 49 * 2 + 50);
    expect(report.findings).toEqual([]);
    expect(report.pairs.filter((p) => p.verdict === 'flagged')).toEqual([]);
    // 300 probes cannot show a loss below 0.5 %: honest inconclusives, nothing cleared by chance.
    expect(report.pairs.filter((p) => p.verdict === 'clear')).toEqual([]);
  });

  test('the same 50 nodes confirmed to 3,000 probes a pair: most clear, and one pair losing 2 % among them the only flag', () => {
    const noise = healthyNoise(3);
    const random = seededRandom(9);
    const specOf: PairSpecOf = (s, d, p) => {
      const faulty = s === 'node-17' && d === 'node-33' && p === 'udp';
      const rate = faulty ? 0.02 : 0.001;
      return { ...noise(s, d, p), confirmation: { attempts: 2700, lost: binomial(random, 2700, rate), synRetransmits: p === 'tcp' ? binomial(random, 2700, rate) : 0 } };
    };
    const report = run(specOf, nodeNames(50));
    expect(report.pairs.filter((p) => p.verdict === 'flagged').map((p) => `${p.source} -> ${p.destination} ${p.protocol}`)).toEqual(['node-17 -> node-33 udp']);
    expect(report.findings.map((f) => `${f.kind} ${f.pattern} ${f.subject}`)).toEqual(['loss pair node-17 -> node-33']);
    // At 0.1 % background a pair is cleared with up to 4 losses in 3,000 (each of its loss-like measures).
    expect(report.pairs.filter((p) => p.verdict === 'clear').length / report.pairs.length).toBeGreaterThan(0.6);
  });

  test('every flagged pair leans above its threshold, and is evidence of a finding', () => {
    const report = run((s, d, p) => (s === 'node-3' && p !== 'dns' ? { attempts: 300, lost: 15 } : { attempts: 300, lost: s === 'node-1' && d === 'node-2' ? 1 : 0 }));
    const inFindings = new Set(report.findings.flatMap((f) => f.evidence.pairs.map((e) => `${e.source}|${e.destination}|${e.protocol}`)));
    const flagged = report.pairs.filter((p) => p.verdict === 'flagged');
    expect(flagged.map((p) => p.source)).toEqual(new Array(6).fill('node-3'));
    for (const pair of flagged) {
      expect(pair.loss.ratio!).toBeGreaterThan(0.005);
      expect(inFindings.has(`${pair.source}|${pair.destination}|${pair.protocol}`)).toBe(true);
    }
  });

  test('the rule the plan gives the agents: flag at m / q, clear at 1 / falseClearRate; m counted from the series', () => {
    expect(plannedTests([{ protocol: 'tcp' }, { protocol: 'udp' }, { protocol: 'dns' }])).toBe(3 + 2 + 3);
    expect(evidenceRule(DEFAULT_THRESHOLDS, 8)).toEqual({ threshold: 0.005, flagAt: 160, clearAt: 20 });
  });
});
