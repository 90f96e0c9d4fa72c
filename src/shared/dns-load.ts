// The 'dns-load' agent mode: its plan (CLI → agent) and its result (agent → CLI).
// A loader ramps the query rate against the cluster DNS in steps, resperf-style
// (resperf(1), DNS-OARC dnsperf: the query rate rises until the server stops
// answering all of it). Versioned like the probe result: the CLI refuses a
// schemaVersion it does not know.
import type { HistogramJSON } from './histogram.ts';

export const DNS_LOAD_MODE = 'dns-load';
export const DNS_LOAD_PLAN_VERSION = 1;
export const DNS_LOAD_RESULT_KIND = 'netprobe-dns-load-result';
/** 2: histograms in the dense form (histogram.ts). */
export const DNS_LOAD_RESULT_SCHEMA_VERSION = 2;

export interface DnsLoadPlan {
  mode: typeof DNS_LOAD_MODE;
  planVersion: typeof DNS_LOAD_PLAN_VERSION;
  runToken: string;
  node: string;
  /** Wall-clock time (ISO 8601) of the first step, the same for every loader, so that their rates add up. */
  startAt?: string;
  /** Resolver address; absent = the first nameserver in the pod's /etc/resolv.conf (the cluster DNS, or NodeLocal DNSCache). */
  server?: string;
  port?: number;
  /** Names as an application asks them: each is expanded with the pod's search list and ndots, as its resolver would. */
  names: string[];
  /** Queries per second this loader offers in each step. */
  stepQps: number[];
  stepMs: number;
  /** resolv.conf(5) timeout and attempts: an unanswered query is resent after the timeout. */
  resolverTimeoutMs: number;
  resolverAttempts: number;
  /** Queries (one socket each) waiting for an answer at most; beyond, a query is not sent and counts as unsent. */
  maxOutstanding: number;
  /** The ramp stops once a step's share of queries not answered on their first send passes this. */
  stopLossRatio: number;
}

/** How one name is looked up through the search list. */
export interface NameLookup {
  name: string;
  /** The names tried, in order, up to the first with an answer (or all of them). */
  tried: string[];
  /** A and AAAA per name tried (glibc and musl ask both in parallel). */
  queriesPerLookup: number;
  /** The rcode of the last name tried (its A query). */
  rcode: string;
}

export interface DnsLoadStep {
  /** The rate this loader was to offer. */
  offeredQps: number;
  durationMs: number;
  /** Queries due in the step: sent + unsent. */
  planned: number;
  sent: number;
  /** Not sent: maxOutstanding queries were already waiting. */
  unsent: number;
  /** Answered at all (on the first send or after resends). */
  answered: number;
  /** Of those, answered only after 1, 2, … resends: at the resolver-timeout marks (~5 s, ~10 s). */
  answeredAtResolverMarks: number[];
  timeouts: number;
  /** Socket errors by outcome (e.g. ENOBUFS, EMFILE). */
  errors: Record<string, number>;
  /** Still waiting when the run was stopped: not counted as lost. */
  abandoned: number;
  rcodes: Record<string, number>;
  /** Answer time of the answered queries, in ms. */
  latency: HistogramJSON;
}

export interface DnsLoadResult {
  kind: typeof DNS_LOAD_RESULT_KIND;
  schemaVersion: typeof DNS_LOAD_RESULT_SCHEMA_VERSION;
  node: string;
  runToken: string;
  startedAt: string;
  endedAt: string;
  /** The resolver loaded and the pod's search settings. */
  resolver: { server: string; port: number; search: string[]; ndots: number };
  lookups: NameLookup[];
  steps: DnsLoadStep[];
  /** Why the ramp ended before its last step, or null. */
  stoppedEarly: string | null;
  self: { cpuMs: number; maxRssBytes: number };
  warnings: string[];
}
