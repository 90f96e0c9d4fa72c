// -o json in pieces: the same bytes as JSON.stringify(report, null, 2) for every scenario and
// for the odd values JSON has rules for, written to a file as the stream takes them.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyse } from '../../src/analyse/analyse.ts';
import { writeRenderedReport } from '../../src/cli/output.ts';
import { jsonChunks, renderJson } from '../../src/render/json.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const whole = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

describe('-o json made in pieces', () => {
  test.each(SCENARIOS.map((s) => s.name))('%s: byte for byte what JSON.stringify makes, long lists in pieces', (name) => {
    const report = analyse(SCENARIOS.find((s) => s.name === name)!.input);
    expect(renderJson(report)).toBe(whole(report));
    // Long lists are taken apart: no piece is more than a few rows, however large the report.
    const pieces = [...jsonChunks(report)];
    expect(pieces.length).toBeGreaterThan(report.pairs.length > 16 ? report.pairs.length : 0);
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(16 * 1024);
  });

  test('what JSON.stringify drops or writes as null, empty lists and objects, nested values, dates', () => {
    const odd = {
      kind: 'x', gone: undefined, fn: () => 1, list: [1, undefined, () => 2, { deep: [{ a: [1, { b: 'c' }] }], none: undefined }], empty: [], nothing: {},
      only: { dropped: undefined }, at: new Date(0), text: 'line\nbreak "quoted"', n: null,
    };
    expect(renderJson(odd as unknown as MatrixReport)).toBe(whole(odd));
  });

  test('the same odd values as rows of long lists, at every depth, in pieces', () => {
    const rows = [undefined, () => 1, null, 0, -0, 1e21, Number.NaN, 'line\nbreak "quoted"', new Date(0), [], {}, { gone: undefined }, [undefined], { a: [1, { b: 'c' }] }, true, [[[]]], { at: new Date(1) }];
    const odd = { kind: 'x', rows, deeper: { list: [{ rows }, [rows]] }, long: [rows, { rows }] };
    expect(renderJson(odd as unknown as MatrixReport)).toBe(whole(odd));
    expect([...jsonChunks(odd as unknown as MatrixReport)].length).toBeGreaterThan(4 * rows.length);
  });

  test('rows of a long list holding long lists: small ones whole, large ones taken apart too', () => {
    const evidence = (n: number) => Array.from({ length: n }, (_, i) => ({ source: `node-${i}`, destination: `node-${i + 1}`, loss: i / n }));
    const report = { kind: 'x', findings: Array.from({ length: 20 }, (_, i) => ({ subject: `finding ${i}`, evidence: { pairs: evidence(i % 2 ? 20 : 2000) } })) };
    const pieces = [...jsonChunks(report as unknown as MatrixReport)];
    expect(pieces.join('')).toBe(whole(report));
    expect(Math.max(...pieces.map((p) => p.length))).toBeLessThan(16 * 1024);
    // A small finding is one piece: its separator, then all of its text.
    expect(pieces).toContain(`,\n    ${JSON.stringify(report.findings[1], null, 2).replaceAll('\n', '\n    ')}`);
  });

  test('written to --out in blocks as the stream drains, the same text', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'netprobe-json-'));
    try {
      const report = analyse(SCENARIOS.find((s) => s.name === 'mixed-faults')!.input);
      const out = join(dir, 'report.json');
      await writeRenderedReport(report, 'json', { color: false }, out);
      expect(readFileSync(out, 'utf8')).toBe(whole(report));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
