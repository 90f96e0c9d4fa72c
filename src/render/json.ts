// `-o json`: the report as it is (docs/report-schema.md). Key order is the order analysis
// builds every object in, so the output is stable from run to run. Made in pieces, byte for
// byte what JSON.stringify(report, null, 2) makes: a 5,000-node run's report is ~100 MB of
// JSON, which as one string would double the CLI's memory. Long lists (pairs, a pattern's
// evidence) and what holds them are taken apart; anything else (a pair row) is one piece.
import type { MatrixReport } from '../shared/report.ts';
import type { CompareReport } from '../compare/compare-report.ts';
import type { NodesReport } from '../shared/nodes-report.ts';
import type { DnsReport } from '../dns/report.ts';

type Report = MatrixReport | CompareReport | NodesReport | DnsReport;

const INDENT = '  ';
/** A list longer than this is written element by element. */
const LONG_LIST = 16;

export function renderJson(report: Report): string {
  return [...jsonChunks(report)].join('');
}

/** The pieces of renderJson's text, in order, ending with its final newline. */
export function* jsonChunks(report: Report): Generator<string> {
  yield* pieces(report, 0);
  yield '\n';
}

function* pieces(value: unknown, depth: number): Generator<string> {
  const pad = INDENT.repeat(depth + 1);
  if (Array.isArray(value) && value.length > 0 && holdsLongList(value)) {
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '[' : ','}\n${pad}`;
      // As JSON.stringify: what JSON cannot hold is null in a list.
      yield* pieces(isJsonValue(value[i]) ? value[i] : null, depth + 1);
    }
    yield `\n${INDENT.repeat(depth)}]`;
    return;
  }
  if (isPlainObject(value) && holdsLongList(value)) {
    const entries = Object.entries(value).filter(([, v]) => isJsonValue(v));
    if (entries.length > 0) {
      for (let i = 0; i < entries.length; i++) {
        yield `${i === 0 ? '{' : ','}\n${pad}${JSON.stringify(entries[i][0])}: `;
        yield* pieces(entries[i][1], depth + 1);
      }
      yield `\n${INDENT.repeat(depth)}}`;
      return;
    }
  }
  // Nested as it would be at this depth: JSON.stringify indents from column 0.
  yield (JSON.stringify(value, null, INDENT.length) ?? 'null').replaceAll('\n', `\n${INDENT.repeat(depth)}`);
}

/** A long list, or something holding one: worth writing in pieces. */
function holdsLongList(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > LONG_LIST || value.some(holdsLongList);
  return isPlainObject(value) && Object.values(value).some(holdsLongList);
}

/** What JSON.stringify keeps in an object (it drops undefined, functions and symbols). */
function isJsonValue(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** An object JSON.stringify writes key by key (not one with toJSON, like a Date). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { toJSON?: unknown }).toJSON !== 'function';
}
