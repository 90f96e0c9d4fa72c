// What the CLI reads is the kubelet's current log file, which may have been rotated at any
// entry boundary and whose long lines the runtime splits (test/lab/runtime/cri-log.ts does
// both as they do). The agent's output (src/agent/output.ts) and the CLI's reading of it
// (src/collect) must keep one rotation from costing the final result, and must never let an
// interim result stand in for it.
import { DocumentWriter } from '../../src/agent/output.ts';
import { AgentResultError, parseAgentResult } from '../../src/collect/parse-agent-result.ts';
import { readDocuments } from '../../src/collect/documents.ts';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import { CRI_MAX_LINE_BYTES, CriLog } from '../lab/runtime/cri-log.ts';
import { agentResult, probeSeries, windowedPair } from '../support/agent-results.ts';

const SOURCE = 'pod netprobe-x-p-0 on node-1';
const TIMELINE = { originAt: '2026-01-01T00:00:00.000Z', windowMs: 10_000 };

/** node-1's result after `windows` of 6 windows, 10 probes a window to each of `peers` peers. */
function resultAfter(windows: number, peers = 60, final = false): AgentResult {
  const series = Array.from({ length: peers }, (_, i) => probeSeries(`node-${i + 2}`, 'tcp', {
    ...windowedPair(10, new Array<number>(windows).fill(0)), latencyMs: (k) => 0.3 + (k % 97) * 0.05,
  }));
  return { ...agentResult('node-1', series, { timeline: TIMELINE }), final, settings: { durationMs: 60_000, ratePerSecond: 1, protocols: ['tcp'] } };
}

/** What an agent prints over a six-window run, line by line: interim results, then the final one as output.ts writes it. */
function agentOutput(peers = 60): { lines: string[]; final: AgentResult; secondCopyAt: number } {
  const text: string[] = [];
  const writer = new DocumentWriter((chunk) => text.push(chunk));
  text.push(`netprobe-agent[node-1]: probing ${peers} peer(s)\n`);
  for (let w = 1; w <= 5; w++) writer.write(writer.prepare(resultAfter(w, peers)).lines);
  const final = resultAfter(6, peers, true);
  const before = text.join('').split('\n').length - 1;
  writer.writeFinal(final);
  const lines = text.join('').split('\n').filter(Boolean);
  return { lines, final, secondCopyAt: before + (lines.length - before) / 2 };
}

/** The served log when the kubelet rotated the file just before line `cut`. */
function servedAfterRotation(lines: readonly string[], cut: number): string {
  const log = new CriLog();
  lines.forEach((line, i) => {
    if (i === cut) log.rotate();
    log.write('stdout', Buffer.from(`${line}\n`));
  });
  log.close();
  return log.served();
}

function errorOf(text: string): string {
  try {
    parseAgentResult(text, SOURCE);
  } catch (error) {
    expect(error).toBeInstanceOf(AgentResultError);
    return (error as Error).message;
  }
  throw new Error('expected the log to be refused');
}

describe('an interim result never stands in for the final one', () => {
  test('a truncated final line after an interim one: what is missing is said, not 20 attempts for 60', () => {
    const interim = JSON.stringify({ ...resultAfter(2, 1), final: false });
    const final = JSON.stringify(resultAfter(6, 1, true));
    const log = `${interim}\n${final.slice(0, final.length - 100)}\n`;
    expect(errorOf(log)).toMatch(/^pod netprobe-x-p-0 on node-1: the final result is cut off \(.*\); the last whole one is an interim result \(ended 00:00:30Z, 2 of 6 windows, 20 probes\)$/);
    // A Ctrl-C'd run reports what the interim result measured.
    expect(parseAgentResult(log, SOURCE, { interrupted: true }).series[0].attempts).toBe(20);
  });

  test('an agent stopped after its interim results: no final result, and how far it got', () => {
    const log = `${JSON.stringify({ ...resultAfter(3, 1), final: false })}\n`;
    expect(errorOf(log)).toBe(`${SOURCE}: no final result: the last whole one is an interim result (ended 00:00:30Z, 3 of 6 windows, 30 probes); was the agent stopped before the end, or its log cut?`);
  });
});

describe('one rotation of the log, wherever it falls', () => {
  const { lines, final, secondCopyAt } = agentOutput();

  test('no line is long enough for the runtime to split', () => {
    expect(Math.max(...lines.map((line) => Buffer.byteLength(line)))).toBeLessThan(CRI_MAX_LINE_BYTES);
    // …so the final result, which is larger, comes in parts.
    expect(JSON.stringify(final).length).toBeGreaterThan(2 * CRI_MAX_LINE_BYTES);
  });

  test('up to the second copy of the final result: the whole final result is read', () => {
    for (let cut = 0; cut <= secondCopyAt; cut++) expect(parseAgentResult(servedAfterRotation(lines, cut), SOURCE)).toEqual(final);
  });

  test('inside the second copy (the first is then in the rotated file): the missing parts are named, never an interim result used', () => {
    for (let cut = secondCopyAt + 1; cut < lines.length; cut++) {
      expect(errorOf(servedAfterRotation(lines, cut))).toMatch(/: (the final result|the result document) is incomplete: parts? [\d, and-]+ of \d+ never arrived/);
    }
  });

  test('a document in parts reads back exactly, whatever its characters', () => {
    const doc = { kind: 'x', warnings: ['ünïcödé ✓ 𝄞 '.repeat(2000)], n: Array.from({ length: 5000 }, (_, i) => i) };
    const text: string[] = [];
    new DocumentWriter((chunk) => text.push(chunk)).writeFinal(doc);
    const written = text.join('').split('\n').filter(Boolean);
    expect(written.length).toBeGreaterThan(4);
    expect(Math.max(...written.map((line) => Buffer.byteLength(line)))).toBeLessThan(CRI_MAX_LINE_BYTES);
    // Compared as text: a failing deep comparison of this would print megabytes.
    expect(JSON.stringify(readDocuments(text.join('')).complete.at(-1)) === JSON.stringify(doc)).toBe(true);
  });
});
