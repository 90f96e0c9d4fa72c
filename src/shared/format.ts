// How report figures read in text: one vocabulary for the analysis' messages and the renderers.
import type { FindingConfidence, FindingKind, PairEvidence, TimelineBurst } from './report.ts';

/** 0 → "0%", 0.0004 → "0.04%", 0.04 → "4.0%", 0.123 → "12%". */
export function formatPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0%';
  if (percent < 0.1) return `${percent.toFixed(2)}%`;
  if (percent < 10) return `${percent.toFixed(1)}%`;
  return `${percent.toFixed(0)}%`;
}

/** 0.421 → "0.42 ms", 7.25 → "7.3 ms", 5012 → "5.0 s". */
export function formatMs(ms: number): string {
  if (ms >= 1000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 10) return `${ms.toFixed(1)} ms`;
  return `${ms.toFixed(0)} ms`;
}

/** "1 node", "3 nodes". */
export function countOf(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

export function pairName(pair: { source: string; destination: string }): string {
  return `${pair.source} -> ${pair.destination}`;
}

const MEASURE_WORDS: Record<PairEvidence['measure'], string> = {
  lost: 'probes lost',
  'syn-retransmits': 'SYNs retransmitted',
  'resolver-marks': 'lookups answered only at the resolver-timeout marks',
  slow: 'samples slower than',
};

/** "12 of 300 probes lost (4.0%, 95% CI 2.3%-6.9%)". */
export function describeProportion(p: Pick<PairEvidence, 'k' | 'n' | 'ratio' | 'low' | 'high' | 'measure' | 'limitMs'>): string {
  const words = p.measure === 'slow' && p.limitMs === undefined ? 'samples above their p99 limit' : MEASURE_WORDS[p.measure];
  const limit = p.limitMs === undefined ? '' : ` ${formatMs(p.limitMs)}`;
  return `${p.k} of ${p.n} ${words}${limit} (${formatPercent(p.ratio)}, 95% CI ${formatPercent(p.low)}-${formatPercent(p.high)})`;
}

/** "node-1 -> node-2 tcp: 12 of 300 probes lost (4.0%, 95% CI 2.3%-6.9%)", and for latency the p99 and its reference. */
export function describePairEvidence(evidence: PairEvidence): string {
  const latency = evidence.p99Ms == null ? '' : `; p99 ${formatMs(evidence.p99Ms)}, cluster median pair p99 ${formatMs(evidence.clusterMedianP99Ms ?? 0)}`;
  return `${pairName(evidence)} ${evidence.protocol}${evidence.family ? ' (IPv6)' : ''}: ${describeProportion(evidence)}${latency}`;
}

/** "198 of 1320 probes in trouble (15%; 22.5 expected at the run's rate outside bursts, p = 2.8e-118)". */
export function describeBurstTrouble(burst: TimelineBurst): string {
  return `${burst.trouble} of ${burst.attempts} probes in trouble (${formatPercent(burst.trouble / burst.attempts)}; `
    + `${burst.expected.toFixed(1)} expected at the run's rate outside bursts, p = ${burst.pValue.toExponential(1)})`;
}

/** What a burst finding's message leaves out: "66 of 66 measured pairs hit in window 4, from 6 probing nodes; protocols dns, tcp, udp". */
export function describeBurstEvidence(burst: TimelineBurst): string {
  return `${burst.pairsHit} of ${burst.pairsMeasured} measured pairs hit in window ${burst.window}, from ${countOf(burst.sourcesHit, 'probing node')}; protocols ${burst.protocols.join(', ')}`;
}

/** 45 000 → "45 s", 840 000 → "14 min", 9e6 → "2.5 h", 3e8 → "3.5 d": how long a run would take. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 90) return `${Math.ceil(seconds)} s`;
  if (seconds < 90 * 60) return `${Math.ceil(seconds / 60)} min`;
  if (seconds < 36 * 3600) return `${(seconds / 3600).toFixed(1)} h`;
  return `${(seconds / 86400).toFixed(1)} d`;
}

/** An e-value from its log, as a person reads it: "3.2", "410", "6.3e7", "10^680" (past a double). */
export function formatEValue(logE: number): string {
  if (logE < Math.log(1000)) return String(Number(Math.exp(logE).toPrecision(2)));
  if (logE < Math.log(1e6)) return String(Math.round(Math.exp(logE)));
  if (logE < 700) return Math.exp(logE).toExponential(1).replace('e+', 'e');
  return `10^${Math.floor(logE / Math.LN10)}`;
}

/** The error bound 1/e: "0.0024", "1.6e-8", "10^-680". */
function formatChance(logE: number): string {
  if (logE >= 700) return `10^-${Math.floor(logE / Math.LN10)}`;
  const p = Math.exp(-logE);
  return p >= 0.001 ? String(Number(p.toPrecision(2))) : p.toExponential(1);
}

/** What a finding's null hypothesis bounds, by its kind: a loss, slow samples, answers at the resolver marks. */
const NULL_WORDS: Partial<Record<FindingKind, (rate: string) => string>> = {
  latency: (rate) => `${rate} or fewer of the samples above the limit`,
  'syn-loss': (rate) => `a SYN loss of ${rate} or less`,
  'dns-conntrack-race': (rate) => `${rate} or fewer lookups answered at the marks`,
};

/**
 * "evidence e = 6.3e7 against a loss of 0.5% or less: chance alone reaches it with probability
 * at most 1.6e-8, however long the probing went on; flagged at a 5.0% false discovery rate over
 * the run's 168 tests (e-BH)".
 */
export function describeConfidence(confidence: FindingConfidence, kind: FindingKind): string {
  const rate = formatPercent(confidence.againstRatio);
  const nullWords = (NULL_WORDS[kind] ?? ((r: string) => `a loss of ${r} or less`))(rate);
  const against = `${confidence.control === 'e-bh' ? 'evidence' : 'pooled evidence'} e = ${formatEValue(confidence.logEvidence)} against ${nullWords}`;
  const chance = `chance alone reaches it with probability at most ${formatChance(confidence.logEvidence)}, however long the probing went on`;
  const control = confidence.control === 'e-bh'
    ? `flagged at a ${formatPercent(confidence.errorRate)} false discovery rate over the run's ${confidence.tests} tests (e-BH)`
    : `found at a ${formatPercent(confidence.errorRate)} error rate over this matrix's ${confidence.tests} pattern tests (Bonferroni)`;
  return `${against}: ${chance}; ${control}`;
}
