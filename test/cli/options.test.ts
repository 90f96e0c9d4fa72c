import { failedConditions, parseFailOn } from '../../src/cli/fail-on.ts';
import { useColor } from '../../src/cli/output.ts';
import { parseDuration, parseLabels, parseRate } from '../../src/cli/parse-options.ts';
import { tolerationsFrom } from '../../src/deploy/manifests.ts';
import type { MatrixReport, PairReport } from '../../src/shared/report.ts';

describe('flag values', () => {
  test('durations read as kubectl writes them', () => {
    expect(parseDuration('30s', '--duration')).toBe(30_000);
    expect(parseDuration('1h30m', '--duration')).toBe(5_400_000);
    expect(parseDuration('500ms', '--duration')).toBe(500);
    expect(parseDuration('45', '--duration')).toBe(45_000);
    expect(() => parseDuration('soon', '--duration')).toThrow('--duration: "soon" is not a duration (e.g. 30s, 2m, 1h30m)');
    expect(() => parseDuration('5x', '--duration')).toThrow('is not a duration');
    // 0 is refused, except by a flag whose 0 means off (--confirm 0), in any spelling.
    expect(() => parseDuration('0s', '--duration')).toThrow('--duration: must be longer than 0');
    for (const off of ['0', '0s', '0ms', '0.0m']) expect(parseDuration(off, '--confirm', { allowZero: true })).toBe(0);
    expect(() => parseDuration('-1s', '--confirm', { allowZero: true })).toThrow('is not a duration');
  });

  test('rates, labels and tolerations', () => {
    expect(() => parseRate(0, '--rate')).toThrow('--rate: 0 is not a rate between 0 and 100 per second');
    expect(parseLabels('a=1,b=', '--namespace-labels')).toEqual({ a: '1', b: '' });
    expect(() => parseLabels('oops', '--namespace-labels')).toThrow('"oops" is not key=value');
    expect(tolerationsFrom(['node-role.kubernetes.io/control-plane:NoSchedule', 'dedicated=probe'], false)).toEqual([
      { key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'dedicated', operator: 'Equal', value: 'probe' },
    ]);
    expect(tolerationsFrom([], true)).toEqual([{ operator: 'Exists' }]);
  });

  test('colour only on a terminal and without NO_COLOR', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, {})).toBe(false);
  });
});

describe('--fail-on', () => {
  const pair = (over: Partial<PairReport>): PairReport => ({
    source: 'a', destination: 'b', protocol: 'udp', path: 'pod', target: '', status: 'ok', flags: [], verdict: 'clear', logEvidence: {}, attempts: 100, successes: 100,
    loss: { ratio: 0, low: 0, high: 0.04 }, latencyMs: { p50: 1, p90: 2, p99: 3, max: 4 }, synRetransmits: 0, synLoss: null,
    dnsTimeouts: 0, dnsAnsweredAtResolverMarks: [], enobufs: 0, errors: {}, ...over,
  });
  const report = (pairs: PairReport[]) => ({ pairs, findings: [], nodes: [] }) as unknown as MatrixReport;

  test('holds when any pair exceeds a condition, and says where', () => {
    const conditions = parseFailOn('loss>1%,p99>200ms,dnsTimeouts>0');
    expect(failedConditions(report([pair({})]), conditions)).toEqual([]);
    expect(failedConditions(report([pair({}), pair({ source: 'c', loss: { ratio: 0.02, low: 0.01, high: 0.05 } })]), conditions))
      .toEqual(['loss>1%: c -> b udp/pod loss = 0.02']);
    expect(failedConditions(report([pair({ latencyMs: { p50: 1, p90: 2, p99: 250, max: 300 } })]), conditions)).toEqual(['p99>200ms: a -> b udp/pod p99 = 250']);
  });

  test('verdicts: flagged>0 fails on a flagged pair only, inconclusive>0 also on a pair too thin to tell; each names the first', () => {
    const verdicts = [pair({}), pair({ source: 'c', verdict: 'inconclusive' }), pair({ source: 'd', verdict: 'inconclusive' })];
    expect(failedConditions(report(verdicts), parseFailOn('flagged>0'))).toEqual([]);
    expect(failedConditions(report(verdicts), parseFailOn('inconclusive>0'))).toEqual(['inconclusive>0: inconclusive = 2 (first: c -> b udp/pod)']);
    expect(failedConditions(report(verdicts), parseFailOn('inconclusive>2'))).toEqual([]);
    const flagged = [...verdicts, pair({ source: 'e', verdict: 'flagged', status: 'critical', flags: ['loss'] })];
    expect(failedConditions(report(flagged), parseFailOn('flagged>0'))).toEqual(['flagged>0: flagged = 1 (first: e -> b udp/pod)']);
  });

  test('refuses what it cannot read', () => {
    expect(() => parseFailOn('loss=1')).toThrow('"loss=1" is not METRIC>VALUE');
    expect(() => parseFailOn('jitter>1')).toThrow('unknown metric "jitter"');
  });
});
