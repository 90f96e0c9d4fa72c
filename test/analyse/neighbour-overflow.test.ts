// Neighbour-table overflow from what the agent really reports: FIELD-NOTES measured, with
// gc_thresh3 = 32 towards 119 neighbours, 88 connects that timed out after SYN retransmits and
// 88 UDP sends that "succeeded" but were counted as UdpSndbufErrors, no ENOBUFS to user space.
// From the full node that is intermittent loss towards most destinations plus SndbufErrors.
import { analyse } from '../../src/analyse/analyse.ts';
import type { NetCounters } from '../../src/shared/agent-result.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RUN, type PairSpec } from '../support/agent-results.ts';

const NODES = nodeNames(10);
const FULL = 'node-3';
const clean: PairSpec = { attempts: 300 };

/** node-3's sends to destinations without an entry fail a tenth of the time: TCP connects time out after 4 SYN retransmits, UDP datagrams vanish. */
function overflowing(spec: { destinationsHit?: number; lostEach?: number; counters?: Partial<NetCounters> } = {}): MatrixReport {
  const hit = new Set(NODES.filter((n) => n !== FULL).slice(0, spec.destinationsHit ?? 9));
  const lost = spec.lostEach ?? 30;
  const results = matrixResults(NODES, ['tcp', 'udp'], (s, d, p) => {
    if (s !== FULL || !hit.has(d)) return clean;
    return p === 'tcp' ? { attempts: 300, lost, synRetransmits: 4 * lost } : { attempts: 300, lost };
  }, (node) => (node === FULL ? { delta: spec.counters ?? { SndbufErrors: 9 * lost } } : {}), ['host']);
  return analyse({ run: RUN, nodes: NODES.map((name) => ({ name })), results });
}
const kinds = (report: MatrixReport) => report.findings.map((f) => `${f.kind} ${f.pattern} ${f.subject}`);

test('intermittent loss from one node to most destinations with SndbufErrors: the overflow is named, with the fix from the talk', () => {
  const report = overflowing();
  expect(kinds(report)).toEqual(['loss bad-source node-3', 'neighbour-table-overflow nodes node-3']);
  const [, finding] = report.findings;
  expect(finding.message).toContain('node-3 lost or retransmitted towards 9 of 9 destinations, intermittently');
  expect(finding.message).toContain('its kernel counted SndbufErrors +270');
  expect(finding.hint).toMatch(/raise gc_thresh1\/2\/3 in the host network namespace/);
  expect(finding.hint).toContain('keep pods per node');
  expect(finding.hint).toContain('below gc_thresh2');
  expect(finding.evidence.nodes).toEqual([{
    node: 'node-3', kernelVersion: '6.1.0-18-amd64',
    counts: { destinationsHit: 9, destinationsProbed: 9, lost: 540, synRetransmits: 1080, connectTimeouts: 270, SndbufErrors: 270 },
  }]);
  // The generic "no buffer space" finding leaves node-3 to it.
  expect(report.findings.some((f) => f.kind === 'enobufs')).toBe(false);
  expect(finding.evidence.confidence).toMatchObject({ control: 'bonferroni', tests: 22 });
});

test('SndbufErrors without loss spread over destinations stay the generic ENOBUFS finding', () => {
  const report = overflowing({ destinationsHit: 2 });
  expect(kinds(report)).toContain('enobufs nodes node-3');
  expect(kinds(report).some((k) => k.startsWith('neighbour-table-overflow'))).toBe(false);
});

test('loss spread over destinations without the kernel counting failed sends is not named overflow (on the pod network a forwarding node gives only loss)', () => {
  const report = overflowing({ counters: {} });
  expect(kinds(report)).toEqual(['loss bad-source node-3']);
});

test('a dead egress (every probe lost) is not intermittent: not overflow', () => {
  const report = overflowing({ lostEach: 300 });
  expect(kinds(report).some((k) => k.startsWith('neighbour-table-overflow'))).toBe(false);
});

test('noise and a stray SndbufError on a clean matrix: no overflow finding', () => {
  const results = matrixResults(NODES, ['tcp', 'udp'], (s, d) => ({ attempts: 300, lost: s === FULL && (d === 'node-1' || d === 'node-2' || d === 'node-4') ? 1 : 0 }),
    (node) => (node === FULL ? { delta: { SndbufErrors: 1 } } : {}), ['host']);
  const report = analyse({ run: RUN, nodes: NODES.map((name) => ({ name })), results });
  expect(kinds(report)).toEqual(['enobufs nodes node-3']);
});
