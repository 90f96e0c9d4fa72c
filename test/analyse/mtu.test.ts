import { analyse } from '../../src/analyse/analyse.ts';
import { matrixResults, nodeNames, RUN } from '../support/agent-results.ts';

const nodes = nodeNames(4);

function reportWithLossInto(node: string, lostAs: string) {
  const results = matrixResults(nodes, ['tcp', 'udp'], (_s, d, protocol) => ({
    attempts: 300, ...(protocol === 'tcp' && d === node ? { lost: 120, lostAs } : {}),
  }));
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results });
}

test('TCP probes that connect and then stall point at the MTU', () => {
  const finding = reportWithLossInto('node-3', 'transfer-timeout').findings.find((f) => f.kind === 'loss')!;
  expect(finding.subject).toBe('node-3');
  expect(finding.hint).toContain('360 of 360 failed TCP probes connected, then their request stalled');
  expect(finding.hint).toContain('MTU mismatch');
});

test('connects that never complete are no MTU sign', () => {
  const finding = reportWithLossInto('node-3', 'timeout').findings.find((f) => f.kind === 'loss')!;
  expect(finding.hint).not.toContain('MTU');
});
