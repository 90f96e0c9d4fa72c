// `kubectl netprobe compare` as a user runs it, on files as `matrix -o json|yaml --out` writes
// them: exit 0 without a regression, 2 with one (or past --fail-on), 1 with one line naming
// a file compare cannot read.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analyse/analyse.ts';
import type { CompareReport } from '../../src/compare/compare-report.ts';
import { loadReport } from '../../src/compare/load-report.ts';
import { renderJson } from '../../src/render/json.ts';
import { renderYaml } from '../../src/render/yaml.ts';
import { binomial, healthyNoise, matrixResults, nodeNames, RUN, seededRandom, type PairSpecOf } from '../support/agent-results.ts';
import { exec, PLUGIN } from '../support/lab-session.ts';

const NODES = nodeNames(4);
const dir = mkdtempSync(join(tmpdir(), 'netprobe-compare-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function save(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

const report = (specOf: PairSpecOf) => analyse({ run: RUN, nodes: NODES.map((name) => ({ name })), results: matrixResults(NODES, ['tcp', 'udp', 'dns'], specOf) });
const faulty: PairSpecOf = (s, d, p) => ({ ...healthyNoise(2)(s, d, p), ...(s === 'node-3' && d === 'node-4' && p === 'tcp' ? { lost: 40 } : {}) });
const clean1 = save('clean1.json', renderJson(report(healthyNoise(1))));
const clean2 = save('clean2.yaml', renderYaml(report(healthyNoise(3))));
const fault = save('fault.json', renderJson(report(faulty)));

// Thousands of probes per pair, where the tails of Fisher's test are far below the smallest
// double: 1 in 3000 lost before and 1000 after on one pair, 2 in 15,000 and 1500 on another.
const large = (after: boolean): PairSpecOf => {
  const random = seededRandom(after ? 9 : 8);
  return (s, d, p) => {
    if (s === 'node-1' && d === 'node-2' && p === 'tcp') return { attempts: 3000, lost: after ? 1000 : 1 };
    if (s === 'node-4' && d === 'node-3' && p === 'udp') return { attempts: 15000, lost: after ? 1500 : 2 };
    return { attempts: 3000, lost: binomial(random, 3000, 0.001) };
  };
};
const largeBefore = save('large-before.json', renderJson(report(large(false))));
const largeAfter = save('large-after.json', renderJson(report(large(true))));

const compare = (...args: string[]) => exec(process.execPath, [PLUGIN, 'compare', ...args], { NO_COLOR: '' }, 30_000);

describe('kubectl netprobe compare', () => {
  test('two clean runs (JSON and YAML): exit 0, nothing on stderr', async () => {
    const result = await compare(clean1, clean2);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('no significant regression');
  });

  test('a clean run then one with a fault: exit 2, the pair named first, the gate on stderr', async () => {
    const result = await compare(clean1, fault);
    expect(result.code).toBe(2);
    expect(result.stdout).toMatch(/Regressions \(1\), worst first:\n.*\nnode-3 -> node-4 +tcp\/pod +loss/);
    expect(result.stderr).toBe('--fail-on met: regressions>0: regressions = 1\n--fail-on met: newCritical>0: newCritical = 1 (loss pair node-3 -> node-4)\n');
  });

  // The runs: 15 s at 1 probe/s, a 30 % one-way UDP loss node-2 → node-4 after. Fisher's
  // test cannot tell 4 of 15 from 0 of 15 across the comparison; the after run's own evidence did.
  const short = (after: boolean) => save(`short-${after ? 'after' : 'before'}.json`, renderJson(analyse({
    run: { ...RUN, settings: { ...RUN.settings, durationMs: 15_000, ratePerSecond: 1 } },
    nodes: NODES.map((name) => ({ name })),
    results: matrixResults(NODES, ['tcp', 'udp', 'dns'], (s, d, p) => {
      if (after && p === 'udp' && s === 'node-4' && d === 'node-2') return { attempts: 15, lost: 4, udpDirection: { basis: 15, requestsLost: 0, repliesLost: 4 } };
      if (after && p === 'udp' && s === 'node-2' && d === 'node-4') return { attempts: 15, lost: 2, udpDirection: { basis: 15, requestsLost: 2, repliesLost: 0 } };
      return { attempts: 15 };
    }),
  })));

  test('the issue\'s short runs: no pair regressed significantly, yet a critical finding new after fails the default gate', async () => {
    const result = await compare(short(false), short(true));
    expect(result.code).toBe(2);
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('no significant regression, 1 new critical finding after');
    expect(result.stdout).toMatch(/Critical findings of the after run that the before run did not have \(1\):\n {2}CRITICAL loss, pair: node-2 -> node-4: /);
    expect(result.stderr).toBe('--fail-on met: newCritical>0: newCritical = 1 (loss pair node-2 -> node-4)\n');
    // And it says how little such runs can see, and how long they would have to be.
    expect(result.stdout.replace(/\s+/g, ' ')).toContain('Power: with these sample sizes the smallest loss increase that could have been significant is +60% for a pair (15 probes before, 15 after');
    expect(result.stdout.replace(/\s+/g, ' ')).toMatch(/To detect a \+0\.5% increase \(--detect\), run both with --duration \d+m \(per pair\) or \d+m \(per node\); now 15s/);
    // Two clean short runs still pass.
    expect(await compare(short(false), short(false))).toMatchObject({ code: 0, stderr: '' });
  });

  test('thousands of probes per pair: a large loss increase is a regression and gates; the other way round it is an improvement and does not', async () => {
    const worse = await compare(largeBefore, largeAfter);
    expect(worse.code).toBe(2);
    expect(worse.stdout).toMatch(/Regressions \(2\), worst first:\n.*\nnode-1 -> node-2 +tcp\/pod +loss.*\n.*node-4 -> node-3 +udp\/pod +loss/);
    expect(worse.stdout).not.toMatch(/Improvements/);
    expect(worse.stderr).toMatch(/^--fail-on met: regressions>0: regressions = 2\n/);

    const better = await compare(largeAfter, largeBefore, '-o', 'json');
    expect(better).toMatchObject({ code: 0, stderr: '' });
    const document = JSON.parse(better.stdout) as CompareReport;
    expect(document.summary).toMatchObject({ regressions: 0, improvements: 2, nodeRegressions: 0 });
    expect(document.improvements.map((c) => [c.source, c.destination, c.protocol, c.measure, c.pValue])).toEqual([
      ['node-1', 'node-2', 'tcp', 'loss', 0], ['node-4', 'node-3', 'udp', 'loss', 0],
    ]);
  });

  test('-o json is the compare document; --fail-on replaces the default gate, "" never fails', async () => {
    const json = await compare(clean1, fault, '-o', 'json', '--fail-on', 'lossIncrease>20%');
    expect(json.code).toBe(0);
    const document = JSON.parse(json.stdout) as CompareReport;
    expect(document).toMatchObject({ kind: 'netprobe-compare-report', schemaVersion: 1, summary: { regressions: 1 } });
    expect(document.regressions[0]).toMatchObject({ source: 'node-3', destination: 'node-4', protocol: 'tcp', measure: 'loss', after: { k: 40, n: 300 } });
    expect((await compare(clean1, fault, '--fail-on', 'lossIncrease>10%')).code).toBe(2);
    expect((await compare(clean1, fault, '--fail-on', '')).code).toBe(0);
  });

  test.each([
    ['a missing file', () => join(dir, 'missing.json'), /missing\.json: cannot read it \(ENOENT\)/],
    ['not JSON or YAML', () => save('garbage.json', '{ "kind": '), /garbage\.json: not JSON or YAML/],
    ['another kind of document', () => save('pod.yaml', 'kind: Pod\napiVersion: v1\n'), /pod\.yaml: kind is "Pod", not a netprobe-matrix-report/],
    ['a later schema', () => save('v2.json', JSON.stringify({ ...JSON.parse(renderJson(report(healthyNoise(1)))), schemaVersion: 2 })), /v2\.json: schemaVersion 2 is not 1/],
    ['a pair without counts', () => {
      const document = JSON.parse(renderJson(report(healthyNoise(1))));
      delete document.pairs[3].attempts;
      return save('cut.json', JSON.stringify(document));
    }, /cut\.json: pairs\[3\]\.attempts is null, which a matrix report never has/],
  ])('%s: exit 1, one line naming the file', async (_what, file, message) => {
    const result = await compare(clean1, file());
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^error: /);
  });

  test('bad flags are usage errors', async () => {
    const result = await compare(clean1, clean2, '--fail-on', 'loss>1%');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/--fail-on: unknown metric "loss" \(one of regressions, nodeRegressions, newCritical, onlyBefore, lossIncrease, p99Increase\)/);
  });

  test('YAML and JSON of one run load the same', () => {
    const r = report(healthyNoise(5));
    expect(loadReport(save('r.yaml', renderYaml(r))).report).toEqual(loadReport(save('r.json', renderJson(r))).report);
  });
});
