// Before the ramp: how each name is looked up from this pod. Each candidate of the
// search list is asked in turn (A only, one try) until one has an answer, as the stub
// resolver would; the load then replays exactly those queries, A and AAAA for each.
import type { NameLookup } from '../shared/dns-load.ts';
import { dnsExchange, type DnsQuestion } from './dns-exchange.ts';
import type { ResolvConf } from './resolv-conf.ts';
import { queriesPerLookup, searchCandidates, TRY_TYPES } from './search-path.ts';

/** A try that takes longer than this counts as unanswered: the ramp must not start late. */
const TRY_TIMEOUT_MS = 1000;

export async function discoverLookup(name: string, conf: ResolvConf, server: string, port: number): Promise<NameLookup> {
  const candidates = searchCandidates(name, conf.search, conf.ndots);
  const tried: string[] = [];
  let rcode = 'none';
  for (const candidate of candidates) {
    tried.push(candidate);
    const answer = await dnsExchange(server, port, [{ name: candidate, type: 'A' }], TRY_TIMEOUT_MS, 1);
    rcode = answer.outcome === 'ok' ? answer.rcodes[0] : answer.outcome;
    if (answer.answerRecords > 0) return { name, tried, queriesPerLookup: queriesPerLookup(candidates.length, tried.length), rcode };
  }
  return { name, tried, queriesPerLookup: queriesPerLookup(candidates.length, undefined), rcode };
}

/** The queries the lookups send, in order: the ramp cycles through them. */
export function queryMix(lookups: readonly NameLookup[]): DnsQuestion[] {
  return lookups.flatMap((l) => l.tried.flatMap((name) => TRY_TYPES.map((type) => ({ name, type }))));
}
