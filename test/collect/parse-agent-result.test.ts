// Bad agent output becomes one clear error naming its source, never a TypeError: truncated
// logs, garbage, another schema version, missing or mistyped fields, inconsistent counts.
import { analyse } from '../../src/analyse/analyse.ts';
import { AgentResultError, parseAgentResult } from '../../src/collect/parse-agent-result.ts';
import { agentResult, probeSeries, RESOLVER, RUN } from '../support/agent-results.ts';

const SOURCE = 'pod netprobe-x7k2p on node-3';
const result = agentResult('node-3', [
  probeSeries('node-1', 'tcp', { attempts: 20, lost: 2, synRetransmits: 1 }),
  probeSeries('node-1', 'udp', { attempts: 20, lost: 1 }),
  probeSeries(RESOLVER, 'dns', { attempts: 10, answeredAtResolverMarks: [1] }),
]);
const json = JSON.stringify(result);

function errorOf(text: string, expected = {}): string {
  try {
    parseAgentResult(text, SOURCE, expected);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentResultError);
    return (error as Error).message;
  }
  throw new Error('expected parseAgentResult to refuse this text');
}

function mutated(change: (doc: any) => void): string {
  const doc = JSON.parse(json);
  change(doc);
  return JSON.stringify(doc);
}

describe('finding the result document', () => {
  test('the whole text, pretty-printed', () => {
    expect(parseAgentResult(JSON.stringify(result, null, 2), SOURCE)).toEqual(result);
  });

  test('the last JSON object line among progress lines', () => {
    const log = ['netprobe agent: probing 5 peers', '{"progress": "not an object line"', json, 'netprobe agent: done', ''].join('\n');
    expect(parseAgentResult(log, SOURCE)).toEqual(result);
  });

  test('checks the node and run token when asked', () => {
    expect(errorOf(json, { node: 'node-4' })).toBe(`${SOURCE}: the result says it comes from node node-3, but the pod ran on node-4`);
    expect(errorOf(json, { runToken: 'other' })).toBe(`${SOURCE}: the result belongs to another run (token run-test)`);
  });
});

describe('refusals name the source and the problem', () => {
  test.each([
    ['empty output', '', 'the agent printed nothing: no result document'],
    ['garbage', 'exec /usr/local/bin/node: exec format error', "no result document in the agent's output; its last line was: exec /usr/local/bin/node: exec format error"],
    ['a truncated document', json.slice(0, json.length / 2), 'the result document is cut off or not valid JSON'],
    ['a newer agent', mutated((d) => (d.schemaVersion = 3)), 'agent schema 3, this netprobe reads 2: use matching versions of the agent and the CLI'],
    ['an older agent, its histograms keyed by bucket', mutated((d) => {
      d.schemaVersion = 1;
      for (const s of d.series) s.latency = { buckets: { '-30': s.latency.count }, zeroCount: 0, count: s.latency.count, sum: s.latency.sum, min: s.latency.min, max: s.latency.max };
    }), 'agent schema 1, this netprobe reads 2: use matching versions of the agent and the CLI'],
    ['a histogram in the keyed form', mutated((d) => (d.series[0].latency = { buckets: { 5: 18 }, zeroCount: 0, count: 18, sum: 9, min: 0.5, max: 0.5 })), 'bad result document: series[0].latency.offset is missing'],
    ['a histogram outside the buckets of finite values', mutated((d) => Object.assign(d.series[0].latency, { offset: 40_000, counts: [d.series[0].latency.count] })), 'bad result document: series[0].latency: histogram buckets 40000..40000 are outside -345..35488'],
    ['another kind of document', mutated((d) => (d.kind = 'Pod')), 'not a netprobe agent result (kind "Pod", expected "netprobe-agent-result")'],
    ['a missing field', mutated((d) => delete d.series[0].attempts), 'bad result document: series[0].attempts is missing'],
    ['a mistyped field', mutated((d) => (d.series[1].latency.count = '19')), 'bad result document: series[1].latency.count should be a whole number >= 0, got "19"'],
    ['an unknown protocol', mutated((d) => (d.series[0].protocol = 'sctp')), 'bad result document: series[0].protocol should be one of tcp, udp, dns, got "sctp"'],
    ['a histogram whose buckets disagree with its count', mutated((d) => (d.series[0].latency.count = 17)), 'bad result document: series[0].latency: histogram counts add up to 18, but count says 17'],
    ['more successes than attempts', mutated((d) => (d.series[1].successes = 21)), 'bad result document: series[1] has 21 successes out of 20 attempts'],
    ['outcomes that do not add up', mutated((d) => (d.series[1].outcomes.timeout = 5)), 'bad result document: series[1].outcomes add up to 24 probes (19 ok), but attempts is 20 and successes 19'],
    ['a missing protocol detail', mutated((d) => delete d.series[2].dns), 'bad result document: series[2].dns is missing'],
    ['a missing counter', mutated((d) => delete d.counters.delta.TCPSynRetrans), 'bad result document: counters.delta.TCPSynRetrans is missing'],
    ['a list where an object belongs', '[1, 2, 3]', "no result document in the agent's output"],
  ])('%s', (_case, text, problem) => {
    expect(errorOf(text)).toContain(`${SOURCE}: ${problem}`);
  });

  test('every truncation of the document is refused cleanly', () => {
    for (let length = 0; length < json.length; length++) errorOf(json.slice(0, length));
  });

  test('any single field replaced by a wrong value is refused cleanly or analysed without a crash', () => {
    const paths: (string | number)[][] = [];
    const walk = (value: unknown, path: (string | number)[]) => {
      paths.push(path);
      if (value && typeof value === 'object') for (const [key, child] of Object.entries(value)) walk(child, [...path, Array.isArray(value) ? Number(key) : key]);
    };
    walk(result, []);
    for (const path of paths.slice(1)) {
      for (const replacement of [null, 'x', -1, 1.5, [], {}]) {
        const text = mutated((doc) => {
          const parent = path.slice(0, -1).reduce((node, key) => node[key], doc);
          parent[path[path.length - 1]] = replacement;
        });
        let parsed;
        try {
          parsed = parseAgentResult(text, SOURCE);
        } catch (error) {
          expect(error).toBeInstanceOf(AgentResultError);
          continue;
        }
        expect(() => analyse({ run: RUN, nodes: [], results: [parsed] })).not.toThrow();
      }
    }
  });
});
