// The truth benchmark's scoring (scripts/truth-score.ts): on reports the real analysis makes
// from hand-made agent results, what counts as the fault detected, its direction, and a false flag.
import { analyse } from '../../src/analyse/analyse.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { pairRole, scoreTrial, type TruthFault } from '../../scripts/truth-score.ts';
import { matrixResults, nodeNames, RESOLVER, RUN, type PairSpec, type PairSpecOf } from '../support/agent-results.ts';

const nodes = nodeNames(4);
const ATTEMPTS = 300;
const clean: PairSpec = { attempts: ATTEMPTS, udpDirection: { basis: ATTEMPTS, requestsLost: 0, repliesLost: 0 } };
const NO_DNS = new Set<string>();

function report(specOf: (s: string, d: string, protocol: string) => PairSpec | null): MatrixReport {
  const of: PairSpecOf = (s, d, protocol) => specOf(s, d, protocol) ?? clean;
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results: matrixResults(nodes, ['tcp', 'udp', 'dns'], of) });
}

/** 20 % one-way UDP loss node-1 → node-2: node-1's requests and node-2's answers are lost. */
const udpFault = (s: string, d: string, protocol: string): PairSpec | null => {
  if (protocol !== 'udp') return null;
  if (s === 'node-1' && d === 'node-2') return { attempts: ATTEMPTS, lost: 60, udpDirection: { basis: ATTEMPTS, requestsLost: 60, repliesLost: 0 } };
  if (s === 'node-2' && d === 'node-1') return { attempts: ATTEMPTS, lost: 58, udpDirection: { basis: ATTEMPTS, requestsLost: 0, repliesLost: 58 } };
  return null;
};

describe('which pairs a lab fault touches', () => {
  const role = (source: string, destination: string, protocol: 'tcp' | 'udp' | 'dns', fault: TruthFault, dns = NO_DNS) => pairRole({ source, destination, protocol }, fault, dns);

  test('syn-drop a → b: only a → b TCP (b\'s SYN/ACKs carry ACK and pass)', () => {
    const fault: TruthFault = { kind: 'syn-drop', from: 'node-1', to: 'node-2', percent: 20 };
    expect(role('node-1', 'node-2', 'tcp', fault)).toBe('target');
    expect(role('node-2', 'node-1', 'tcp', fault)).toBe('clean');
    expect(role('node-1', 'node-2', 'udp', fault)).toBe('clean');
    expect(role('node-1', RESOLVER, 'dns', fault, new Set(['node-2']))).toBe('clean');
  });

  test('udp-loss a → b: both directions\' UDP; DNS through a kube-dns pod on either end is touched, not clean', () => {
    const fault: TruthFault = { kind: 'udp-loss', from: 'node-1', to: 'node-2', percent: 20 };
    expect(role('node-2', 'node-1', 'udp', fault)).toBe('target');
    expect(role('node-1', 'node-2', 'tcp', fault)).toBe('clean');
    expect(role('node-1', RESOLVER, 'dns', fault, new Set(['node-2']))).toBe('touched');
    expect(role('node-2', RESOLVER, 'dns', fault, new Set(['node-1']))).toBe('touched');
    expect(role('node-1', RESOLVER, 'dns', fault, new Set(['node-3']))).toBe('clean');
  });

  test('dns-drop a: a\'s DNS pair only', () => {
    const fault: TruthFault = { kind: 'dns-drop', from: 'node-3', percent: 20 };
    expect(role('node-3', RESOLVER, 'dns', fault)).toBe('target');
    expect(role('node-1', RESOLVER, 'dns', fault)).toBe('clean');
    expect(role('node-3', 'node-1', 'udp', fault)).toBe('clean');
  });
});

describe('scoring a trial', () => {
  test('udp-loss flagged with the direction the datagrams travelled: detected, no false flag', () => {
    const score = scoreTrial(report(udpFault), { kind: 'udp-loss', from: 'node-1', to: 'node-2', percent: 20 }, NO_DNS);
    expect(score).toMatchObject({ detected: true, target: 'flagged', direction: 'right', falseFlags: 0 });
    // 4 nodes: 12 directed pairs × TCP and UDP and 4 DNS pairs, less the 2 target pairs.
    expect(score.cleanJudged).toBe(12 * 2 + 4 - 2);
  });

  test('the same report scored as the reverse fault: the pairs are right, the direction is not, so a miss', () => {
    const score = scoreTrial(report(udpFault), { kind: 'udp-loss', from: 'node-2', to: 'node-1', percent: 20 }, NO_DNS);
    expect(score).toMatchObject({ detected: false, target: 'flagged', direction: 'wrong' });
  });

  test('blackhole: a wrong UDP direction is a miss too, TCP alone cannot tell one', () => {
    expect(scoreTrial(report(udpFault), { kind: 'blackhole', from: 'node-2', to: 'node-1', percent: 20 }, NO_DNS)).toMatchObject({ detected: false, direction: 'wrong' });
    const tcpOnly = report((s, d, protocol) => (protocol === 'tcp' && s === 'node-1' && d === 'node-2' ? { attempts: ATTEMPTS, lost: 60 } : null));
    expect(scoreTrial(tcpOnly, { kind: 'blackhole', from: 'node-1', to: 'node-2', percent: 20 }, NO_DNS)).toMatchObject({ detected: true, direction: 'untold' });
  });

  test('udp-loss with too few losses counted to tell which way: flagged, yet a miss', () => {
    // 5 of 30 lost, all requests: flagged, but 5 of 5 one way does not pass the sign test (6 of 6 would).
    const few = report((s, d, protocol) => (protocol === 'udp' && s === 'node-1' && d === 'node-2' ? { attempts: 30, lost: 5, udpDirection: { basis: 30, requestsLost: 5, repliesLost: 0 } } : null));
    const score = scoreTrial(few, { kind: 'udp-loss', from: 'node-1', to: 'node-2', percent: 10 }, NO_DNS);
    expect(score.target).toBe('flagged');
    expect(score).toMatchObject({ detected: false, direction: 'untold' });
  });

  test('a flag on the wrong pair: a miss and a false flag', () => {
    const wrongPair = report((s, d, protocol) => (protocol === 'tcp' && s === 'node-3' && d === 'node-4' ? { attempts: ATTEMPTS, lost: 60 } : null));
    const score = scoreTrial(wrongPair, { kind: 'syn-drop', from: 'node-1', to: 'node-2', percent: 20 }, NO_DNS);
    expect(score).toMatchObject({ detected: false, falseFlags: 1, falseFlagged: ['node-3 -> node-4 tcp'] });
    expect(score.target).not.toBe('flagged');
  });

  test('a touched pair flagged is neither a detection nor a false flag', () => {
    const dnsHit = report((s, d, protocol) => (protocol === 'dns' && s === 'node-1' ? { attempts: ATTEMPTS, lost: 60 } : udpFault(s, d, protocol)));
    const score = scoreTrial(dnsHit, { kind: 'udp-loss', from: 'node-1', to: 'node-2', percent: 20 }, new Set(['node-2']));
    expect(score).toMatchObject({ detected: true, falseFlags: 0 });
    expect(scoreTrial(dnsHit, { kind: 'udp-loss', from: 'node-1', to: 'node-2', percent: 20 }, NO_DNS).falseFlags).toBe(1);
  });

  test('nothing lost: the faulty pair clear or inconclusive, never detected', () => {
    const score = scoreTrial(report(() => null), { kind: 'dns-drop', from: 'node-1', percent: 3 }, NO_DNS);
    expect(score.detected).toBe(false);
    expect(['clear', 'inconclusive']).toContain(score.target);
    expect(score.falseFlags).toBe(0);
  });
});
