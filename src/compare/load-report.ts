// Reads a report that `matrix -o json|yaml --out FILE` wrote, and refuses anything else in
// one line naming the file: the fields compare reads are checked, the rest is carried along.
import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, type MatrixReport } from '../shared/report.ts';
import type { LoadedReport } from './compare.ts';

export class ReportFileError extends Error {}

type Check = (value: unknown) => boolean;
const isString: Check = (v) => typeof v === 'string';
const isCount: Check = (v) => Number.isInteger(v) && (v as number) >= 0;
const isMsOrNull: Check = (v) => v === null || (typeof v === 'number' && v >= 0);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

const NODE_FIELDS: Record<string, Check> = {
  name: isString,
  kernelVersion: (v) => v === null || isString(v),
  status: (v) => v === 'ok' || v === 'no-data',
};
const PAIR_FIELDS: Record<string, Check> = {
  source: isString, destination: isString, protocol: isString, path: isString,
  attempts: isCount, successes: isCount, synRetransmits: isCount,
};
const LATENCY_FIELDS: Record<string, Check> = { p50: isMsOrNull, p90: isMsOrNull, p99: isMsOrNull, max: isMsOrNull };

export function loadReport(file: string): LoadedReport {
  const fail = (why: string): never => { throw new ReportFileError(`${file}: ${why}`); };
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`cannot read it (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
  let document: unknown;
  try {
    // `-o json` starts with '{'; anything else is read as `-o yaml`.
    document = text.trimStart().startsWith('{') ? JSON.parse(text) : load(text);
  } catch (err) {
    return fail(`not JSON or YAML (${(err as Error).message.split('\n')[0]})`);
  }
  const expected = `a ${REPORT_KIND} (write one with: kubectl netprobe matrix -o json --out FILE)`;
  if (!isObject(document)) return fail(`not ${expected}`);
  if (document.kind !== REPORT_KIND) return fail(`kind is ${JSON.stringify(document.kind ?? null)}, not ${expected}`);
  if (document.schemaVersion !== REPORT_SCHEMA_VERSION) return fail(`schemaVersion ${JSON.stringify(document.schemaVersion ?? null)} is not ${REPORT_SCHEMA_VERSION}, the version this netprobe reads`);
  const run = document.run;
  if (!isObject(run) || !isString(run.id) || !isObject(run.settings)) fail('run is missing its id or settings');
  checkList(document.nodes, 'nodes', NODE_FIELDS, fail);
  checkList(document.pairs, 'pairs', PAIR_FIELDS, fail);
  (document.pairs as Record<string, unknown>[]).forEach((pair, i) => {
    if (!isObject(pair.latencyMs)) fail(`pairs[${i}].latencyMs is missing`);
    checkFields(pair.latencyMs as Record<string, unknown>, `pairs[${i}].latencyMs`, LATENCY_FIELDS, fail);
    if ((pair.successes as number) > (pair.attempts as number)) fail(`pairs[${i}] has more successes than attempts`);
  });
  return { file, report: document as unknown as MatrixReport };
}

function checkList(list: unknown, name: string, fields: Record<string, Check>, fail: (why: string) => never): void {
  if (!Array.isArray(list)) fail(`${name} is not a list`);
  (list as unknown[]).forEach((item, i) => {
    if (!isObject(item)) fail(`${name}[${i}] is not an object`);
    checkFields(item as Record<string, unknown>, `${name}[${i}]`, fields, fail);
  });
}

function checkFields(item: Record<string, unknown>, where: string, fields: Record<string, Check>, fail: (why: string) => never): void {
  for (const [field, check] of Object.entries(fields)) {
    if (!check(item[field])) fail(`${where}.${field} is ${JSON.stringify(item[field] ?? null)}, which a matrix report never has`);
  }
}
