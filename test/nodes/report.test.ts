// The inspection document from a pod's log (checked field by field), and the report as a
// table: verdicts per node and check, findings with evidence and fix, what was not visible.
import { AgentResultError } from '../../src/collect/parse-agent-result.ts';
import { parseInspection } from '../../src/collect/parse-inspection.ts';
import { clusterFacts } from '../../src/nodes/cluster-facts.ts';
import { judgeNodes } from '../../src/nodes/judge.ts';
import { renderNodesTable } from '../../src/render/nodes-table.ts';
import { inspectFixture, nodeIP } from '../support/node-fixture.ts';

const SOURCE = 'pod netprobe-abc-ih-0 on node1';

describe('inspection documents', () => {
  const inspection = inspectFixture({ index: 1, peers: [2] });

  test('are found among the agent\'s log lines and checked', () => {
    const log = `netprobe-agent[node1]: starting\n${JSON.stringify(inspection)}\n`;
    expect(parseInspection(log, SOURCE, { node: 'node1', runToken: 'run1' })).toEqual(inspection);
  });

  test('a wrong node, run, kind or field is one error naming the pod', () => {
    const text = JSON.stringify(inspection);
    expect(() => parseInspection(text, SOURCE, { node: 'node2' })).toThrow(`${SOURCE}: the result says it comes from node node1, but the pod ran on node2`);
    expect(() => parseInspection(text, SOURCE, { runToken: 'other' })).toThrow(/belongs to another run/);
    expect(() => parseInspection(JSON.stringify({ ...inspection, schemaVersion: 9 }), SOURCE, {})).toThrow(/inspection schema 9/);
    const badMtu = { ...inspection, interfaces: [{ ...inspection.interfaces[0], mtu: 'big' }] };
    expect(() => parseInspection(JSON.stringify(badMtu), SOURCE, {})).toThrow(AgentResultError);
    expect(() => parseInspection(JSON.stringify(badMtu), SOURCE, {})).toThrow('interfaces[0].mtu should be a whole number >= 0, got "big"');
    expect(() => parseInspection('', SOURCE, {})).toThrow(/printed nothing/);
  });
});

describe('the nodes table', () => {
  const nodes = [1, 2].map((i) => ({ metadata: { name: `node${i}` }, spec: { podCIDRs: [`198.19.${i}.0/24`] }, status: { addresses: [{ type: 'InternalIP', address: nodeIP(i) }] } }));
  const report = judgeNodes({
    run: { id: 'abc', start: 's', end: 'e', namespace: 'netprobe-abc', image: 'node:22-alpine' },
    cluster: clusterFacts(nodes, []),
    nodes: ['node1', 'node2', 'node3'],
    inspections: [inspectFixture({ index: 1, peers: [2], eth0Mtu: 1400, gcThresh: null }), inspectFixture({ index: 2, peers: [1] })],
    noData: new Map([['node3', 'inspector pod netprobe-abc-ih-2 (host network): Unschedulable: node(s) had untolerated taint']]),
  });
  const text = renderNodesTable(report, { color: false, width: 100 });

  test('has a row per node and a column per check, with the unseen mark and no-data nodes', () => {
    expect(text).toContain('NODE  KERNEL CNI   NEIGHBOURS TW-RECYCLE CONNTRACK MTU  OVERLAY');
    expect(text).toMatch(/^node1 PASS   WARN\* PASS\*      PASS       PASS      FAIL PASS\*$/m);
    expect(text).toMatch(/^node3 n\/a/m);
    expect(text).toContain('node3: inspector pod netprobe-abc-ih-2 (host network): Unschedulable');
  });

  test('lists failures first with evidence and fix, then what the pods could not see', () => {
    expect(text.indexOf('FAIL node1 mtu: flannel.1 1450 + 50 (VXLAN) > eth0 1400')).toBeLessThan(text.indexOf('WARN node1 cni'));
    expect(text).toMatch(/evidence: underlay eth0 1400\n/);
    expect(text).toMatch(/fix: set the CNI MTU/);
    expect(text).toMatch(/Not visible from inside the pods:\n {2}cni \(all nodes\): no flanneld pod anywhere/);
    expect(text).toMatch(/neighbours \(node1\): gc_thresh1\/2\/3 not readable here/);
    expect(renderNodesTable(report, { color: true }).includes('\u001b[31mFAIL\u001b[39m')).toBe(true);
  });
});
