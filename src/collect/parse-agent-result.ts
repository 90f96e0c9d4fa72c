// The agent's result document, from the raw text its pod printed: found (the final one, never
// an interim one in its place), parsed and checked field by field, so that bad agent output becomes one clear error naming its source (and
// a "no data" entry for that node) instead of a TypeError deep in the analysis.
import { AGENT_RESULT_KIND, AGENT_RESULT_SCHEMA_VERSION, NET_COUNTER_NAMES, type AgentResult } from '../shared/agent-result.ts';
import { checkHistogramJSON, type HistogramJSON } from '../shared/histogram.ts';
import { PROTOCOLS, type NetworkPath } from '../shared/plan.ts';
import { describeParts, readDocuments, type AgentDocuments, type IncompleteDocument } from './documents.ts';
import {
  describeValue, readArray, readCount, readCountList, readCounts, readNullable, readNumber, readObject, readOneOf, readString, ShapeError,
} from './shape.ts';

const PATHS: readonly NetworkPath[] = ['pod', 'host', 'service'];
const DNS_VARIANTS = ['single', 'a+aaaa'] as const;

export class AgentResultError extends Error {
  /** Where the text came from, e.g. "pod netprobe-abc on node-3". */
  readonly source: string;
  readonly problem: string;

  constructor(source: string, problem: string) {
    super(`${source}: ${problem}`);
    this.name = 'AgentResultError';
    this.source = source;
    this.problem = problem;
  }
}

export interface ExpectedResult {
  /** The node the pod ran on: the result must say the same. */
  node?: string;
  /** This run's token: a result from another run is refused. */
  runToken?: string;
  /** The run was cut short (Ctrl-C with --window): an interim result is what there is. Otherwise only a final one will do. */
  interrupted?: boolean;
}

/**
 * `text`: everything the agent printed: its result documents (one JSON line each, or in parts)
 * among progress lines. The last whole one must be the final result unless the run was
 * interrupted: an interim result must never stand in for a final one that did not arrive
 * whole. `source` names the text in errors.
 */
export function parseAgentResult(text: string, source: string, expected: ExpectedResult = {}): AgentResult {
  return withSource(source, 'result', () => {
    const documents = readDocuments(text);
    const result = checkAgentResult(lastDocument(text, documents), expected);
    if (result.final === true || expected.interrupted) return result;
    const cut = documents.incomplete.find((d) => d.afterLastComplete);
    const interim = `the last whole one is an interim result (${describeInterim(result)})`;
    if (cut) throw new DocumentError(`the final result is incomplete: ${describeParts(missingParts(cut), cut.of)} never arrived (was the log rotated, or the agent killed while writing?); ${interim}`);
    if (documents.brokenAfterLastComplete) throw new DocumentError(`the final result is cut off (${documents.brokenAfterLastComplete}); ${interim}`);
    throw new DocumentError(`no final result: ${interim}; was the agent stopped before the end, or its log cut?`);
  });
}

/** Any agent document in `text` (the last whole one), checked by `check`; what is wrong with it is one AgentResultError naming `source`. */
export function parseAgentDocument<T>(text: string, source: string, what: string, check: (doc: unknown) => T): T {
  return withSource(source, what, () => check(findDocument(text)));
}

function withSource<T>(source: string, what: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof ShapeError) throw new AgentResultError(source, `bad ${what} document: ${error.message}`);
    if (error instanceof DocumentError) throw new AgentResultError(source, error.message);
    throw error;
  }
}

export class DocumentError extends Error {}

/** The last whole document in what an agent printed. */
export function findDocument(text: string): unknown {
  return lastDocument(text, readDocuments(text));
}

function lastDocument(text: string, documents: AgentDocuments): Record<string, unknown> {
  const last = documents.complete.at(-1);
  if (last) return last;
  if (text.trim() === '') throw new DocumentError('the agent printed nothing: no result document (did it start, or was it killed before the end?)');
  const cut = documents.incomplete.at(-1);
  if (cut) throw new DocumentError(`the result document is incomplete: ${describeParts(missingParts(cut), cut.of)} never arrived (was the log rotated, or the agent killed while writing?)`);
  if (documents.firstParseError !== null) {
    throw new DocumentError(`the result document is cut off or not valid JSON (${documents.firstParseError}): was the agent killed or its log truncated?`);
  }
  const lastLine = documents.lastLine;
  throw new DocumentError(`no result document in the agent's output; its last line was: ${lastLine.length > 120 ? `${lastLine.slice(0, 120)}…` : lastLine}`);
}

function missingParts(cut: IncompleteDocument): number[] {
  return Array.from({ length: cut.of }, (_, i) => i + 1).filter((part) => !cut.have.includes(part));
}

/** "ended 12:00:20Z, 2 of 6 windows, 40 probes". */
function describeInterim(result: AgentResult): string {
  const probes = result.series.reduce((n, s) => n + s.attempts, 0);
  const windows = result.timeline
    ? `, ${Math.max(0, ...result.series.map((s) => s.windows?.attempts.length ?? 0))} of ${Math.ceil(result.settings.durationMs / result.timeline.windowMs)} windows`
    : '';
  return `ended ${result.endedAt.slice(11, 19)}Z${windows}, ${probes} probes`;
}

/** What every agent document starts with: its kind and schema version (named `schema` in errors), node and run. */
export interface DocumentHeader {
  kind: string;
  schemaVersion: number;
  /** "agent result", "node inspection": what the kind is called in errors. */
  what: string;
  schema: string;
}

/** The document as an object, once its kind, schema version, node and run are the expected ones. */
export function readDocumentHeader(value: unknown, header: DocumentHeader, expected: ExpectedResult): Record<string, unknown> {
  const doc = readObject(value, 'the document');
  if (doc.kind !== header.kind) throw new DocumentError(`not a netprobe ${header.what} (kind ${describeValue(doc.kind)}, expected "${header.kind}")`);
  if (doc.schemaVersion !== header.schemaVersion) {
    throw new DocumentError(`${header.schema} schema ${describeValue(doc.schemaVersion)}, this netprobe reads ${header.schemaVersion}: use matching versions of the agent and the CLI`);
  }
  const node = readString(doc.node, 'node');
  const runToken = readString(doc.runToken, 'runToken');
  if (expected.node !== undefined && node !== expected.node) throw new DocumentError(`the result says it comes from node ${node}, but the pod ran on ${expected.node}`);
  if (expected.runToken !== undefined && runToken !== expected.runToken) throw new DocumentError(`the result belongs to another run (token ${runToken})`);
  return doc;
}

function checkAgentResult(value: unknown, expected: ExpectedResult): AgentResult {
  const doc = readDocumentHeader(value, { kind: AGENT_RESULT_KIND, schemaVersion: AGENT_RESULT_SCHEMA_VERSION, what: 'agent result', schema: 'agent' }, expected);
  readString(doc.startedAt, 'startedAt');
  readString(doc.endedAt, 'endedAt');
  if (doc.network !== undefined) readOneOf(doc.network, 'network', ['pod', 'host']);
  if (doc.final !== undefined && typeof doc.final !== 'boolean') throw new ShapeError(`final should be true or false, got ${describeValue(doc.final)}`);

  const kernel = readObject(doc.kernel, 'kernel');
  readString(kernel.release, 'kernel.release');
  readNullable(kernel.synLinearTimeouts, 'kernel.synLinearTimeouts', readCount);
  readCount(kernel.synRetries, 'kernel.synRetries');

  const settings = readObject(doc.settings, 'settings');
  readNumber(settings.durationMs, 'settings.durationMs');
  readNumber(settings.ratePerSecond, 'settings.ratePerSecond');
  readArray(settings.protocols, 'settings.protocols').forEach((p, i) => readOneOf(p, `settings.protocols[${i}]`, PROTOCOLS));

  if (doc.timeline !== undefined) {
    const timeline = readObject(doc.timeline, 'timeline');
    if (Number.isNaN(Date.parse(readString(timeline.originAt, 'timeline.originAt')))) throw new ShapeError('timeline.originAt is not a time');
    if (readNumber(timeline.windowMs, 'timeline.windowMs') <= 0) throw new ShapeError('timeline.windowMs must be > 0');
  }
  readArray(doc.series, 'series').forEach((series, i) => checkSeries(series, `series[${i}]`));

  const counters = readObject(doc.counters, 'counters');
  for (const phase of ['start', 'end', 'delta']) {
    const values = readObject(counters[phase], `counters.${phase}`);
    // Deltas of monotonic counters are >= 0; start and end are plain readings.
    for (const name of NET_COUNTER_NAMES) (phase === 'delta' ? readCount : readNumber)(values[name], `counters.${phase}.${name}`);
  }
  readArray(doc.warnings, 'warnings').forEach((w, i) => readString(w, `warnings[${i}]`));
  return doc as unknown as AgentResult;
}

function checkSeries(value: unknown, at: string): void {
  const series = readObject(value, at);
  const protocol = readOneOf(series.protocol, `${at}.protocol`, PROTOCOLS);
  readString(series.destination, `${at}.destination`);
  readOneOf(series.path, `${at}.path`, PATHS);
  readString(series.target, `${at}.target`);
  const attempts = readCount(series.attempts, `${at}.attempts`);
  const successes = readCount(series.successes, `${at}.successes`);
  if (successes > attempts) throw new ShapeError(`${at} has ${successes} successes out of ${attempts} attempts`);
  const samples = checkHistogram(series.latency, `${at}.latency`);
  if (samples > successes) throw new ShapeError(`${at}.latency holds ${samples} samples for ${successes} successes`);
  const outcomes = readCounts(series.outcomes, `${at}.outcomes`);
  const outcomeTotal = Object.values(outcomes).reduce((a, b) => a + b, 0);
  if (outcomeTotal !== attempts || (outcomes.ok ?? 0) !== successes) {
    throw new ShapeError(`${at}.outcomes add up to ${outcomeTotal} probes (${outcomes.ok ?? 0} ok), but attempts is ${attempts} and successes ${successes}`);
  }
  if (series.windows !== undefined) checkWindows(series.windows, `${at}.windows`, attempts);
  if (protocol === 'tcp') {
    const tcp = readObject(series.tcp, `${at}.tcp`);
    readCount(tcp.synRetransmits, `${at}.tcp.synRetransmits`);
    checkHistogram(tcp.requestLatency, `${at}.tcp.requestLatency`);
  }
  if (protocol === 'udp') {
    const udp = readObject(series.udp, `${at}.udp`);
    for (const key of ['duplicates', 'reordered', 'late']) readCount(udp[key], `${at}.udp.${key}`);
    if (udp.direction !== undefined) {
      const direction = readObject(udp.direction, `${at}.udp.direction`);
      const basis = readCount(direction.basis, `${at}.udp.direction.basis`);
      const lost = readCount(direction.requestsLost, `${at}.udp.direction.requestsLost`) + readCount(direction.repliesLost, `${at}.udp.direction.repliesLost`);
      if (lost > basis) throw new ShapeError(`${at}.udp.direction loses ${lost} of ${basis} probes`);
    }
  }
  if (protocol === 'dns') {
    const dns = readObject(series.dns, `${at}.dns`);
    readOneOf(dns.variant, `${at}.dns.variant`, DNS_VARIANTS);
    readCount(dns.timeouts, `${at}.dns.timeouts`);
    readCountList(dns.answeredAtResolverMarks, `${at}.dns.answeredAtResolverMarks`);
    readCounts(dns.rcodes, `${at}.dns.rcodes`);
  }
}

/** Per-window counts: as many windows in each list, trouble within each window's probes, all adding up to the series. */
function checkWindows(value: unknown, at: string, attempts: number): void {
  const windows = readObject(value, at);
  const perWindow = readCountList(windows.attempts, `${at}.attempts`);
  const failures = readCountList(windows.failures, `${at}.failures`);
  const degraded = readCountList(windows.degraded, `${at}.degraded`);
  if (failures.length !== perWindow.length || degraded.length !== perWindow.length) throw new ShapeError(`${at} lists differ in length`);
  perWindow.forEach((n, i) => {
    if (failures[i] + degraded[i] > n) throw new ShapeError(`${at} window ${i} has more trouble than probes`);
  });
  if (perWindow.reduce((a, b) => a + b, 0) !== attempts) throw new ShapeError(`${at}.attempts do not add up to the series' ${attempts} attempts`);
}

/** Checks a histogram's wire form (kept as it is: the pair tallies fold it) and returns its sample count. */
function checkHistogram(value: unknown, at: string): number {
  const histogram = readObject(value, at);
  readNumber(histogram.offset, `${at}.offset`);
  // Its counts (runs of empty buckets are negative) are checked by fromJSON below.
  readArray(histogram.counts, `${at}.counts`);
  readCount(histogram.zeroCount, `${at}.zeroCount`);
  const count = readCount(histogram.count, `${at}.count`);
  readNumber(histogram.sum, `${at}.sum`);
  const min = readNullable(histogram.min, `${at}.min`, readNumber);
  const max = readNullable(histogram.max, `${at}.max`, readNumber);
  if ((count > 0) !== (min !== null && max !== null)) throw new ShapeError(`${at} has count ${count} but min ${describeValue(min)} and max ${describeValue(max)}`);
  try {
    checkHistogramJSON(histogram as unknown as HistogramJSON);
    return count;
  } catch (error) {
    throw new ShapeError(`${at}: ${(error as Error).message}`);
  }
}
