// Which way UDP datagrams were lost: a loss finding names the direction they travelled (by the
// echoes' receive counts), whatever its pattern, never the probing direction against the
// echoes, and says so when too few were counted to tell.
import { analyse } from '../../src/analyse/analyse.ts';
import type { Finding } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RUN, type PairSpec } from '../support/agent-results.ts';


function udpFindings(nodes: string[], specOf: (s: string, d: string) => PairSpec | null, attempts = 300): Finding[] {
  const results = matrixResults(nodes, ['udp'], (s, d) => specOf(s, d) ?? { attempts, udpDirection: { basis: attempts, requestsLost: 0, repliesLost: 0 } });
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results }).findings.filter((f) => f.kind === 'loss');
}

describe('a one-way fault on the path node-1 → node-2 hurts both directions\' probes', () => {
  const nodes = nodeNames(4);

  test('both pairs flagged: one finding that names the direction the datagrams travelled', () => {
    const findings = udpFindings(nodes, (s, d) => {
      if (s === 'node-1' && d === 'node-2') return { attempts: 300, lost: 60, udpDirection: { basis: 300, requestsLost: 60, repliesLost: 0 } };
      if (s === 'node-2' && d === 'node-1') return { attempts: 300, lost: 58, udpDirection: { basis: 299, requestsLost: 0, repliesLost: 58 } };
      return null;
    });
    expect(findings.map((f) => f.subject)).toEqual(['node-1 <-> node-2']);
    expect(findings[0].message).toContain("The lost UDP datagrams travelled node-1 → node-2 (118 of 118, by the echoes' receive counts), whichever side probed: the fault is on the path node-1 → node-2.");
    expect(findings[0].evidence.udpDirection).toEqual({ lost: [{ direction: 'node-1 -> node-2', count: 118 }], counted: 118, outcome: 'one-way', direction: 'node-1 -> node-2' });
  });

  test('only the reverse pair flagged (the answers lost): the finding names node-1 → node-2, not the probing direction', () => {
    // node-2's probes lose their answers on node-1 → node-2; node-1's own probes were luckier.
    const findings = udpFindings(nodes, (s, d) => {
      if (s === 'node-2' && d === 'node-1') return { attempts: 300, lost: 30, udpDirection: { basis: 300, requestsLost: 0, repliesLost: 30 } };
      if (s === 'node-1' && d === 'node-2') return { attempts: 300, lost: 3, udpDirection: { basis: 300, requestsLost: 3, repliesLost: 0 } };
      return null;
    });
    expect(findings.map((f) => [f.pattern, f.subject])).toEqual([['pair', 'node-1 -> node-2']]);
    expect(findings[0].message).toMatch(/^Probe loss between node-2 and node-1, probed from node-2 \(udp, pod network\)\. The lost UDP datagrams travelled node-1 → node-2 \(33 of 33,/);
    expect(findings[0].evidence.pairs.map((p) => `${p.source} -> ${p.destination}`)).toEqual(['node-2 -> node-1']);
  });

  test('the issue\'s run: 15 probes a pair, all 4 counted losses answers travelling node-2 → node-4: too few to tell, and not blamed on node-4 → node-2', () => {
    const findings = udpFindings(nodes, (s, d) => {
      if (s === 'node-4' && d === 'node-2') return { attempts: 15, lost: 4, udpDirection: { basis: 15, requestsLost: 0, repliesLost: 4 } };
      return null;
    }, 15);
    expect(findings.map((f) => [f.pattern, f.subject])).toEqual([['pair', 'node-4 <-> node-2']]);
    expect(findings[0].message).toBe('Probe loss between node-4 and node-2, probed from node-4 (udp, pod network). '
      + "Too few lost UDP datagrams were counted by the echoes' receive counts to tell which way they travelled (node-2 → node-4: 4).");
    expect(findings[0].evidence.udpDirection).toMatchObject({ counted: 4, outcome: 'too-few', direction: null });
  });

  test('the same run with 2 of node-2\'s own requests lost too: 6 of 6 travelling node-2 → node-4 decide it', () => {
    const findings = udpFindings(nodes, (s, d) => {
      if (s === 'node-4' && d === 'node-2') return { attempts: 15, lost: 4, udpDirection: { basis: 15, requestsLost: 0, repliesLost: 4 } };
      if (s === 'node-2' && d === 'node-4') return { attempts: 15, lost: 2, udpDirection: { basis: 15, requestsLost: 2, repliesLost: 0 } };
      return null;
    }, 15);
    expect(findings.map((f) => f.subject)).toEqual(['node-2 -> node-4']);
    expect(findings[0].evidence.udpDirection).toMatchObject({ counted: 6, outcome: 'one-way', direction: 'node-2 -> node-4' });
  });
});

describe('rows, columns and nodes: towards or from the node', () => {
  const nodes = nodeNames(6);

  test('a bad row whose losses are the answers coming back: the finding says towards the node, and points at its ingress', () => {
    const findings = udpFindings(nodes, (s) => (s === 'node-3' ? { attempts: 300, lost: 30, udpDirection: { basis: 300, requestsLost: 0, repliesLost: 30 } } : null));
    expect(findings.map((f) => [f.pattern, f.subject])).toEqual([['bad-source', 'node-3']]);
    expect(findings[0].message).toContain("The lost UDP datagrams travelled towards node-3 (150 of 150, by the echoes' receive counts), whichever side probed: the fault is on the way towards node-3.");
    expect(findings[0].hint).toContain("The node's ingress");
    expect(findings[0].hint).not.toContain("The node's egress");
  });

  test('a bad row whose requests are lost: from the node, its egress', () => {
    const findings = udpFindings(nodes, (s) => (s === 'node-3' ? { attempts: 300, lost: 30, udpDirection: { basis: 300, requestsLost: 30, repliesLost: 0 } } : null));
    expect(findings[0].message).toContain('travelled from node-3 (150 of 150');
    expect(findings[0].hint).toContain("The node's egress");
  });

  test('losses both ways say so with the counts', () => {
    const findings = udpFindings(nodes, (s) => (s === 'node-3' ? { attempts: 300, lost: 30, udpDirection: { basis: 300, requestsLost: 15, repliesLost: 15 } } : null));
    expect(findings[0].message).toContain("The lost UDP datagrams travelled both ways, by the echoes' receive counts (from node-3: 75, towards node-3: 75).");
  });
});

test('without echo counts (a blackhole) the finding says the direction cannot be told', () => {
  const nodes = nodeNames(4);
  const findings = udpFindings(nodes, (s, d) => (s === 'node-1' && d === 'node-2' ? { attempts: 300, lost: 300, udpDirection: null } : null));
  expect(findings[0].message).toContain('No echo came after these UDP losses, so which way the datagrams were lost cannot be told');
  expect(findings[0].subject).toBe('node-1 -> node-2');
});
