// -o wide: the table plus a loss and a p99 heatmap per protocol and path and the node
// table, compared with golden files (UPDATE_GOLDEN=1 rewrites them).
import { analyse } from '../../src/analyse/analyse.ts';
import { renderReport } from '../../src/cli/output.ts';
import { renderTable } from '../../src/render/table.ts';
import { renderWide } from '../../src/render/wide.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { expectGolden } from '../support/golden.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const GOLDEN = new URL('./golden/', import.meta.url).pathname;
const reports = new Map<string, MatrixReport>(SCENARIOS.map((scenario) => [scenario.name, analyse(scenario.input)]));
const wide = (name: string) => renderWide(reports.get(name)!, { color: false });

/** The lines of the paragraph whose first line starts with `title`. */
function section(text: string, title: string): string[] {
  const paragraph = text.split('\n\n').find((p) => p.startsWith(title));
  if (!paragraph) throw new Error(`no section "${title}"`);
  return paragraph.split('\n');
}

const cells = (lines: string[], from: number) => lines.slice(from).map((line) => line.trim().split(/\s+/));

describe('renderWide', () => {
  test.each(SCENARIOS.map((s) => s.name))('%s matches its golden output and fits 80 columns', (name) => {
    const text = wide(name);
    expectGolden(`${GOLDEN}${name}.wide.txt`, text);
    expect(text).not.toContain('\u001b[');
    for (const line of text.split('\n')) expect(line.length).toBeLessThanOrEqual(80);
  });

  test('holds the whole table output, its sections in the same order', () => {
    const table = renderTable(reports.get('mixed-faults')!, { color: false }).split('\n\n');
    const text = wide('mixed-faults').split('\n\n');
    expect(text.filter((paragraph) => table.includes(paragraph))).toEqual(table);
  });

  test('per protocol: TCP shows the SYN-level loss, UDP its own; the p99 heatmap grades only latency flags', () => {
    const text = wide('mixed-faults');
    const tcp = cells(section(text, 'TCP loss % on the pod network'), 3);
    expect(tcp[0]).toEqual(['node-1', '\\', '4.8*', '0', '0', 'n/a']);
    const udp = cells(section(text, 'UDP loss % on the pod network'), 2);
    // 4 ENOBUFS of 300 to node-1: not enough to flag, too many to clear.
    expect(udp[2]).toEqual(['node-3', '1.3?', '0', '\\', '0*', 'n/a']);
    const udpLatency = cells(section(text, 'UDP p99 latency on the pod network'), 2);
    expect(udpLatency.map((row) => row[4])).toEqual(['40*', '40*', '40*', '\\', 'n/a']);
    const tcpLatency = cells(section(text, 'TCP p99 latency on the pod network'), 2);
    // One SYN retransmit costs a connect the initial RTO: 1 s, not flagged as latency.
    expect(tcpLatency[0]).toEqual(['node-1', '\\', '1s', '0.5', '0.5', 'n/a']);
  });

  test('one protocol on a path: no per-protocol loss heatmap repeating the table\'s, still its p99', () => {
    const text = wide('worst-pairs-30');
    expect(text).not.toContain('TCP loss %');
    expect(text.replace(/\s+/g, ' ')).toContain('TCP p99 latency on the pod network, row to column: 30 nodes do not fit 80 columns');
  });

  test('both paths: a heatmap per protocol and path', () => {
    const titles = wide('pod-and-host').split('\n\n').map((p) => p.split(':')[0].replace(/\n/g, ' ')).filter((t) => / (loss %|p99 latency) on /.test(t));
    expect(titles).toEqual([
      'TCP loss % on the pod network, row to column (SYN-level when connects succeed late)', 'UDP loss % on the pod network, row to column',
      'TCP loss % on the host network, row to column (SYN-level when connects succeed late)', 'UDP loss % on the host network, row to column',
      'TCP p99 latency on the pod network, row to column', 'UDP p99 latency on the pod network, row to column',
      'TCP p99 latency on the host network, row to column', 'UDP p99 latency on the host network, row to column',
    ]);
  });

  test('nodes: kernel, status, SYN retransmits inferred and counted, and only the counters that moved', () => {
    const lines = section(wide('mixed-faults'), 'Nodes:');
    const header = lines.slice(2, 4).map((line) => line.trim().split(/\s+/));
    expect(header[0]).toEqual(['node', 'kernel', 'status', 'SYN', 'SYN', 'Listen', 'Listen', 'UDP', 'Sndbuf']);
    expect(header[1]).toEqual(['inferred', 'counted', 'Drops', 'Overflows', 'Errors']);
    expect(cells(lines, 4)).toEqual([
      ['node-1', '6.1.0-18-amd64', 'ok', '15', '15', '0', '0', '0'],
      ['node-2', '4.19.0-21-amd64', 'ok', '0', '0', '15', '15', '0'],
      ['node-3', '6.1.0-18-amd64', 'ok', '0', '0', '0', '0', '25'],
      ['node-4', '6.1.0-18-amd64', 'ok', '0', '0', '0', '0', '0'],
      ['node-5', '-', 'no', 'data', '-', '-', '-', '-', '-'],
    ]);
    expect(section(wide('clean-noise'), 'Nodes:')[1]).toContain('(all zero)');
  });

  test('-o wide through the CLI\'s renderer table', () => {
    expect(renderReport(reports.get('bad-row')!, 'wide', { color: false })).toBe(wide('bad-row'));
  });
});

test('beside the p99 heatmaps: the agents\' own latency floor, so nobody reads it as the network\'s', () => {
  const text = renderWide(analyse(SCENARIOS.find((s) => s.name === 'mixed-faults')!.input), { color: false }).replace(/\s+/g, ' ');
  expect(text).toContain("The agents' own latency floor (to their own listener, at start): TCP connect p50 0.37 ms (0.35-0.41 ms over 4 nodes), UDP echo p50 0.12 ms on all 4 nodes. Latencies near it are the agent's cost, not the network's.");
  // A run whose agents did not measure it says nothing rather than a floor of 0.
  expect(renderWide(analyse(SCENARIOS.find((s) => s.name === 'bad-row')!.input), { color: false })).not.toContain('latency floor');
});
