import { analyse } from '../../src/analyse/analyse.ts';
import { matrixResults, nodeNames, RUN, type PairSpec } from '../support/agent-results.ts';

const nodes = nodeNames(4);
const clean: PairSpec = { attempts: 300 };

test('a one-way UDP fault hurts both directions\' probes, and the echoes name the direction', () => {
  // The path node-1 → node-2 drops 20 %: node-1's requests to node-2 are lost, and so are the
  // answers to node-2's probes, which travel node-1 → node-2 too.
  const results = matrixResults(nodes, ['udp'], (s, d) => {
    if (s === 'node-1' && d === 'node-2') return { attempts: 300, lost: 60, udpDirection: { basis: 300, requestsLost: 60, repliesLost: 0 } };
    if (s === 'node-2' && d === 'node-1') return { attempts: 300, lost: 58, udpDirection: { basis: 299, requestsLost: 0, repliesLost: 58 } };
    return { ...clean, udpDirection: { basis: 300, requestsLost: 0, repliesLost: 0 } };
  });
  const report = analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results });
  const hints = report.findings.filter((f) => f.kind === 'loss').map((f) => f.hint).join(' ');
  expect(hints).toContain('118 of 118 lost UDP datagrams (by the echoes\' receive counts) were travelling node-1 → node-2');
  expect(report.pairs.find((p) => p.source === 'node-2' && p.destination === 'node-1')!.udpDirection).toEqual({ basis: 299, requestsLost: 0, repliesLost: 58 });
});

test('without echo counts (a blackhole) nothing is said about direction', () => {
  const results = matrixResults(nodes, ['udp'], (s, d) => (s === 'node-1' && d === 'node-2' ? { attempts: 300, lost: 300 } : clean));
  const report = analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results });
  expect(report.findings.map((f) => f.hint).join(' ')).not.toContain('receive counts');
});
