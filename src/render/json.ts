// `-o json`: the report as it is (docs/report-schema.md). Key order is the order analysis
// builds every object in, so the output is stable from run to run. Made in pieces, byte for
// byte what JSON.stringify(report, null, 2) makes: a 5,000-node run's report is ~100 MB of
// JSON, which as one string would double the CLI's memory. Long lists (pairs, a pattern's
// evidence) and what holds them are taken apart; a row of a long list (a pair) is one piece,
// unless its text is large and it holds a long list itself (a finding with its evidence).
import type { MatrixReport } from '../shared/report.ts';
import type { CompareReport } from '../compare/compare-report.ts';
import type { NodesReport } from '../shared/nodes-report.ts';
import type { DnsReport } from '../dns/report.ts';

type Report = MatrixReport | CompareReport | NodesReport | DnsReport;

const INDENT = '  ';
/** A list longer than this is written element by element. */
const LONG_LIST = 16;
/** A row of a long list with more text than this is taken apart if it holds a long list (a pair row has ~1,000). */
const LARGE_ROW = 8 * 1024;

export function renderJson(report: Report): string {
  return [...jsonChunks(report)].join('');
}

/** The pieces of renderJson's text, in order, ending with its final newline. */
export function* jsonChunks(report: Report): Generator<string> {
  yield* pieces(report, 0);
  yield '\n';
}

function* pieces(value: unknown, depth: number): Generator<string> {
  if (!holdsLongList(value)) {
    yield jsonAtDepth(value, depth);
    return;
  }
  const list = Array.isArray(value) ? value : null;
  const object = value as Record<string, unknown>;
  // As JSON.stringify: an object leaves out what JSON cannot hold, a list writes it as null.
  const keys = list ? [] : Object.keys(object).filter((key) => isJsonValue(object[key]));
  const count = list ? list.length : keys.length;
  const longList = list !== null && list.length > LONG_LIST;
  const pad = INDENT.repeat(depth + 1);
  for (let i = 0; i < count; i++) {
    const member = list ? (isJsonValue(list[i]) ? list[i] : null) : object[keys[i]];
    const prefix = `${i === 0 ? (list ? '[' : '{') : ','}\n${pad}${list ? '' : `${JSON.stringify(keys[i])}: `}`;
    // A member written whole (a pair row) is one piece with its prefix: no generator per row.
    const whole = wholeText(member, depth + 1, longList);
    if (whole === null) {
      yield prefix;
      yield* pieces(member, depth + 1);
    } else {
      yield prefix + whole;
    }
  }
  yield `\n${INDENT.repeat(depth)}${list ? ']' : '}'}`;
}

/**
 * A member's text when it is one piece, null when it is taken apart. A row of a long list is
 * written first and looked into only when large: walking every value of 165,000 pair rows to
 * find no long list in any cost a third of -o json.
 */
function wholeText(member: unknown, depth: number, inLongList: boolean): string | null {
  if (!inLongList) return holdsLongList(member) ? null : jsonAtDepth(member, depth);
  const text = jsonAtDepth(member, depth);
  return text.length <= LARGE_ROW || !holdsLongList(member) ? text : null;
}

/**
 * JSON.stringify(value, null, 2) indented as it is `depth` levels down. JSON.stringify indents
 * from column 0: nested in `depth` one-item lists, the value comes out at its depth, and the
 * lists' brackets are cut off (cheaper than re-indenting the text line by line).
 */
function jsonAtDepth(value: unknown, depth: number): string {
  let nested = value;
  for (let level = 0; level < depth; level++) nested = [nested];
  const text = JSON.stringify(nested, null, INDENT.length) ?? 'null';
  // Level k (1 to depth) opens with "[\n" and 2k blanks and closes with "\n", 2(k - 1) blanks and "]".
  return text.slice(depth * (depth + 3), text.length - depth * (depth + 1));
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
