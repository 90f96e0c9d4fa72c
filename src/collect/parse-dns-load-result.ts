// A loader's dns-load result from its pod's log, checked field by field like a probe
// result (parse-agent-result.ts), so bad output becomes one error naming its source.
import { DNS_LOAD_RESULT_KIND, DNS_LOAD_RESULT_SCHEMA_VERSION, type DnsLoadResult } from '../shared/dns-load.ts';
import { LatencyHistogram, type HistogramJSON } from '../shared/histogram.ts';
import { parseAgentDocument, readDocumentHeader, type ExpectedResult } from './parse-agent-result.ts';
import { readArray, readCount, readCountList, readCounts, readNullable, readNumber, readObject, readString, ShapeError } from './shape.ts';

export function parseDnsLoadResult(text: string, source: string, expected: ExpectedResult): DnsLoadResult {
  return parseAgentDocument(text, source, 'dns-load', (doc) => checkDnsLoadResult(doc, expected));
}

function checkDnsLoadResult(value: unknown, expected: ExpectedResult): DnsLoadResult {
  const doc = readDocumentHeader(value, { kind: DNS_LOAD_RESULT_KIND, schemaVersion: DNS_LOAD_RESULT_SCHEMA_VERSION, what: 'dns-load result', schema: 'dns-load' }, expected);
  const resolver = readObject(doc.resolver, 'resolver');
  readString(resolver.server, 'resolver.server');
  readCount(resolver.port, 'resolver.port');
  readArray(resolver.search, 'resolver.search').forEach((d, i) => readString(d, `resolver.search[${i}]`));
  readCount(resolver.ndots, 'resolver.ndots');
  readArray(doc.lookups, 'lookups').forEach((v, i) => {
    const lookup = readObject(v, `lookups[${i}]`);
    readString(lookup.name, `lookups[${i}].name`);
    readArray(lookup.tried, `lookups[${i}].tried`).forEach((n, j) => readString(n, `lookups[${i}].tried[${j}]`));
    readCount(lookup.queriesPerLookup, `lookups[${i}].queriesPerLookup`);
    readString(lookup.rcode, `lookups[${i}].rcode`);
  });
  readArray(doc.steps, 'steps').forEach((v, i) => {
    const at = `steps[${i}]`;
    const step = readObject(v, at);
    readNumber(step.offeredQps, `${at}.offeredQps`);
    readNumber(step.durationMs, `${at}.durationMs`);
    const [planned, sent, unsent, answered, timeouts, abandoned] = ['planned', 'sent', 'unsent', 'answered', 'timeouts', 'abandoned'].map((k) => readCount(step[k], `${at}.${k}`));
    const errors = Object.values(readCounts(step.errors, `${at}.errors`)).reduce((a, b) => a + b, 0);
    if (sent + unsent !== planned) throw new ShapeError(`${at}: ${sent} sent and ${unsent} unsent, but ${planned} planned`);
    if (answered + timeouts + errors + abandoned !== sent) throw new ShapeError(`${at}: ${answered} answered, ${timeouts} timeouts, ${errors} errors and ${abandoned} abandoned do not add up to ${sent} sent`);
    readCountList(step.answeredAtResolverMarks, `${at}.answeredAtResolverMarks`);
    readCounts(step.rcodes, `${at}.rcodes`);
    try {
      LatencyHistogram.fromJSON(readObject(step.latency, `${at}.latency`) as unknown as HistogramJSON);
    } catch (error) {
      throw new ShapeError(`${at}.latency: ${(error as Error).message}`);
    }
  });
  readNullable(doc.stoppedEarly, 'stoppedEarly', readString);
  readArray(doc.warnings, 'warnings').forEach((w, i) => readString(w, `warnings[${i}]`));
  return doc as unknown as DnsLoadResult;
}
