// --network both: each node has an agent on the pod network and one on the host network, and
// each reads its own network namespace's counters. The report keeps both (nodes[].paths), the
// node table shows both, and a finding about the node network reads the host agent's.
import { analyse } from '../../src/analyse/analyse.ts';
import { renderWide } from '../../src/render/wide.ts';
import type { AgentResult, NetCounters } from '../../src/shared/agent-result.ts';
import type { NetworkPath } from '../../src/shared/plan.ts';
import { agentResult, probeSeries, RUN } from '../support/agent-results.ts';

const NODES = ['node-1', 'node-2', 'node-3'];

function agent(node: string, network: 'pod' | 'host', delta: Partial<NetCounters>, synLossTo?: string): AgentResult {
  const series = NODES.filter((d) => d !== node).map((destination) =>
    probeSeries(destination, 'tcp', { attempts: 300, synRetransmits: destination === synLossTo ? 60 : 0 }, network as NetworkPath));
  return { ...agentResult(node, series, { delta }), network };
}

describe('node counters per network path', () => {
  const results = NODES.flatMap((node) => [
    agent(node, 'pod', { RetransSegs: 2 }),
    // node-3's host network: a listen queue that overflows, and SYNs to it retransmitted.
    agent(node, 'host', node === 'node-3' ? { ListenOverflows: 57, ListenDrops: 57, RetransSegs: 90 } : { RetransSegs: 11 }, node === 'node-1' ? 'node-3' : undefined),
  ]);
  const report = analyse({ run: RUN, nodes: NODES.map((name) => ({ name })), results });

  test('the report keeps each network\'s counters; the host agent does not overwrite the pod agent', () => {
    const node3 = report.nodes.find((n) => n.name === 'node-3')!;
    expect(node3.paths!.map((p) => [p.path, p.counters!.RetransSegs, p.counters!.ListenOverflows, p.destinationNoData])).toEqual([
      ['pod', 2, 0, null],
      ['host', 90, 57, null],
    ]);
    // The first path's, as before: a reader of `counters` alone gets the pod network's.
    expect(node3.counters!.RetransSegs).toBe(2);
  });

  test('the node table has a row per node and network', () => {
    const table = renderWide(report, { color: false, width: 120 });
    const nodeTable = table.slice(table.indexOf('\nNodes:'));
    const rows = nodeTable.split('\n').filter((line) => /^node-3\s/.test(line)).map((line) => line.trim().split(/\s+/));
    expect(rows.map((cells) => cells[1])).toEqual(['pod', 'host']);
    // The listen overflows are the host row's alone.
    expect(rows[1]).toContain('57');
    expect(rows[0]).not.toContain('57');
  });

  test('a SYN finding on the host network names the host agent\'s listen overflows', () => {
    const finding = report.findings.find((f) => f.kind === 'syn-loss' && f.path === 'host');
    expect(finding?.hint).toContain('node-3: ListenOverflows +57, ListenDrops +57');
  });
});
