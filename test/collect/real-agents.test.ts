// The contract between the agent and the collect → analyse → render stages, on real
// output: agents on loopback probe each other and a node whose agent never started; their
// logs (progress on stderr and the result on stdout, interleaved as `kubectl logs` gives
// them) are parsed, analysed and rendered.
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { analyse } from '../../src/analyse/analyse.ts';
import { parseAgentResult } from '../../src/collect/parse-agent-result.ts';
import { renderJson } from '../../src/render/json.ts';
import { renderTable } from '../../src/render/table.ts';
import type { AgentPlan, PeerTarget } from '../../src/shared/plan.ts';
import { runAgent } from '../support/agent-process.ts';

const RUN_TOKEN = 'collect-real';
let nextPort = 29000 + (process.pid % 1000) * 10;
const NODES = ['node-a', 'node-b', 'node-c'].map((node) => ({ node, ip: '127.0.0.1', tcpPort: nextPort++, udpPort: nextPort++, path: 'pod' as const }));

// Probing starts when every responder is up, as the CLI's plans say.
function planFor(self: PeerTarget, startAt: string): AgentPlan {
  return {
    startAt,
    planVersion: 1, runToken: RUN_TOKEN, node: self.node, listen: { host: '127.0.0.1', tcpPort: self.tcpPort, udpPort: self.udpPort },
    protocols: ['tcp', 'udp'], durationMs: 1500, ratePerSecond: 10, tcpTimeoutMs: 1000, udpTimeoutMs: 500, tcpPayloadBytes: 4096,
    peers: NODES.filter((peer) => peer.node !== self.node), serveMs: 5000,
  };
}

test('real agent logs → parsed → analysed: clean pairs stay clean, the node without an agent is a bad column with no data', async () => {
  // node-c's agent "crashed": nobody listens on its ports.
  // Time for both agents to start listening even on a loaded machine (a probe before that is refused).
  const startAt = new Date(Date.now() + 2500).toISOString();
  const exits = await Promise.all(NODES.slice(0, 2).map((node) => runAgent(planFor(node, startAt))));
  const results = exits.map((exit, i) => parseAgentResult(`${exit.stderr}${exit.stdout}`, `pod netprobe-${i} on ${NODES[i].node}`, { node: NODES[i].node, runToken: RUN_TOKEN }));
  const report = analyse({
    run: { id: RUN_TOKEN, start: results[0].startedAt, end: results[0].endedAt, settings: {} },
    nodes: NODES.map(({ node }) => ({ name: node })),
    results,
    noData: [{ node: 'node-c', reason: 'pod netprobe-2 on node-c: container exited with code 137 (OOMKilled)' }],
  });

  const clean = report.pairs.filter((pair) => pair.destination !== 'node-c');
  expect(clean.map((p) => `${p.source}->${p.destination} ${p.protocol}`)).toEqual(['node-a->node-b tcp', 'node-b->node-a tcp', 'node-a->node-b udp', 'node-b->node-a udp']);
  for (const pair of clean) {
    expect(pair).toMatchObject({ status: 'ok', loss: { ratio: 0 }, errors: {} });
    expect(pair.attempts).toBeGreaterThan(8);
    expect(pair.latencyMs.p50).toBeGreaterThan(0);
  }
  expect(report.pairs.filter((p) => p.destination === 'node-c' && p.protocol === 'tcp').map((p) => p.errors)).toEqual([
    { refused: expect.any(Number) }, { refused: expect.any(Number) },
  ]);
  expect(report.findings.map((f) => `${f.severity} ${f.kind} ${f.pattern} ${f.subject}`)).toEqual(['critical loss bad-destination node-c']);

  const text = renderTable(report, { color: false });
  expect(text).toMatch(/\nnode-c +n\/a +n\/a +\\\n/);
  expect(text).toContain('No data from 1 node:\n  node-c: pod netprobe-2 on node-c: container exited with code 137 (OOMKilled)');
  const schema = JSON.parse(readFileSync(new URL('../../docs/report.schema.json', import.meta.url), 'utf8'));
  expect(new Ajv2020().validate(schema, JSON.parse(renderJson(report)))).toBe(true);
});
