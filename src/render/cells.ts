// What one heatmap cell shows: the worst loss among its pairs' protocols (probe loss, or
// SYN-level loss when connects succeed only after retransmits) and the pairs' verdict, as a
// mark a reader sees without colour: "4.8!" flagged critical, "4.8*" flagged warning, "0?"
// inconclusive (too few probes to tell), "0" clear. Or (-o wide) the worst p99, marked by
// latency flags alone.
import type { Protocol } from '../shared/plan.ts';
import type { PairReport, PairStatus } from '../shared/report.ts';

/** 'measured': a p99 cell without a latency flag (latency has no clear side a cell could show). */
export type CellGrade = 'critical' | 'warning' | 'clear' | 'inconclusive' | 'measured' | 'diagonal' | 'unmeasured' | 'no-data';

export interface HeatCell {
  text: string;
  grade: CellGrade;
}

const STATUS_RANK: Record<PairStatus, number> = { ok: 0, warning: 1, critical: 2 };
const VERDICT_RANK: Record<CellGrade, number> = { critical: 3, warning: 2, inconclusive: 1, clear: 0, measured: 0, diagonal: 0, unmeasured: 0, 'no-data': 0 };
const MARKERS: Partial<Record<CellGrade, string>> = { warning: '*', critical: '!', inconclusive: '?' };

export const DIAGONAL_CELL: HeatCell = { text: '\\', grade: 'diagonal' };
export const UNMEASURED_CELL: HeatCell = { text: '·', grade: 'unmeasured' };
export const NO_DATA_CELL: HeatCell = { text: 'n/a', grade: 'no-data' };

/** Pooled over the pairs per protocol (one pair, or all pairs between two groups), the worst protocol. */
export function worstLossRatio(pairs: readonly PairReport[]): number {
  // The sums in one pass over the pairs: a zone's cell pools tens of thousands.
  const pooled = new Map<Protocol, { attempts: number; lost: number; synRetransmits: number }>();
  for (const pair of pairs) {
    let sums = pooled.get(pair.protocol);
    if (!sums) pooled.set(pair.protocol, (sums = { attempts: 0, lost: 0, synRetransmits: 0 }));
    sums.attempts += pair.attempts;
    sums.lost += lostProbes(pair);
    sums.synRetransmits += countedSynRetransmits(pair);
  }
  let worst = 0;
  for (const { attempts, lost, synRetransmits } of pooled.values()) worst = Math.max(worst, lossRatio(attempts, lost, synRetransmits));
  return worst;
}

/** worstLossRatio([pair]) without the lists: sorting a large run's pairs calls it hundreds of thousands of times. */
function pairLossRatio(pair: PairReport): number {
  return lossRatio(pair.attempts, lostProbes(pair), countedSynRetransmits(pair));
}

/** Probe loss, or SYN-level loss when connects succeed only after retransmits, whichever is worse; 0 with nothing sent. */
function lossRatio(attempts: number, lost: number, synRetransmits: number): number {
  return attempts > 0 ? Math.max(0, lost / attempts, synRetransmits / (attempts + synRetransmits)) : 0;
}

function lostProbes(pair: PairReport): number {
  return pair.attempts - pair.successes;
}

function countedSynRetransmits(pair: PairReport): number {
  return pair.synLoss ? pair.synRetransmits : 0;
}

/** The pairs' verdict as a cell grade: the worst of their grades (flagged critical, flagged warning, inconclusive, clear). */
export function verdictGrade(pairs: readonly PairReport[]): CellGrade {
  return pairs.reduce<CellGrade>((worst, pair) => {
    const grade = pairGrade(pair);
    return VERDICT_RANK[grade] > VERDICT_RANK[worst] ? grade : worst;
  }, 'clear');
}

/** One pair's grade: its status when not ok, else inconclusive or clear. */
function pairGrade(pair: PairReport): CellGrade {
  if (pair.status !== 'ok') return pair.status;
  return pair.verdict === 'inconclusive' ? 'inconclusive' : 'clear';
}

/** The verdict a list of pairs shows: "flagged critical", "flagged warning", "clear" or "inconclusive". */
export function verdictWord(pair: PairReport): string {
  return pair.verdict === 'flagged' ? `flagged ${pair.status}` : pair.verdict;
}

export function lossCell(pairs: readonly PairReport[]): HeatCell {
  if (pairs.every((pair) => pair.attempts === 0)) return UNMEASURED_CELL;
  const grade = verdictGrade(pairs);
  return { text: compactNumber(worstLossRatio(pairs) * 100) + (MARKERS[grade] ?? ''), grade };
}

/** Worst verdict first (flagged critical, flagged warning, inconclusive, clear), then the highest loss, then the highest p99. */
export function byWorstLoss(a: PairReport, b: PairReport): number {
  return VERDICT_RANK[pairGrade(b)] - VERDICT_RANK[pairGrade(a)] || pairLossRatio(b) - pairLossRatio(a) || (b.latencyMs.p99 ?? 0) - (a.latencyMs.p99 ?? 0);
}

/** The worst p99 in ms ("-" when nothing succeeded); loss has its own heatmap, so only latency flags grade it. */
export function latencyCell(pairs: readonly PairReport[]): HeatCell {
  if (pairs.every((pair) => pair.attempts === 0)) return UNMEASURED_CELL;
  const status = latencyStatus(pairs);
  const grade: CellGrade = status === 'ok' ? 'measured' : status;
  const p99 = worstP99(pairs);
  return { text: (p99 === null ? '-' : compactMs(p99)) + (MARKERS[grade] ?? ''), grade };
}

/** Latency-flagged first, then the highest p99. */
export function byWorstLatency(a: PairReport, b: PairReport): number {
  return STATUS_RANK[pairLatencyStatus(b)] - STATUS_RANK[pairLatencyStatus(a)] || (b.latencyMs.p99 ?? 0) - (a.latencyMs.p99 ?? 0);
}

function latencyStatus(pairs: readonly PairReport[]): PairStatus {
  return pairs.reduce<PairStatus>((worst, pair) => {
    const status = pairLatencyStatus(pair);
    return STATUS_RANK[status] > STATUS_RANK[worst] ? status : worst;
  }, 'ok');
}

/** A pair's status if its latency is flagged, else ok. */
function pairLatencyStatus(pair: PairReport): PairStatus {
  return pair.flags.includes('latency') ? pair.status : 'ok';
}

/** Percentiles of different pairs do not pool: the highest stands for the cell. */
function worstP99(pairs: readonly PairReport[]): number | null {
  const p99s = pairs.map((pair) => pair.latencyMs.p99).filter((ms) => ms !== null);
  return p99s.length ? Math.max(...p99s) : null;
}

/** At most three characters: "0", "<.1", "0.5", "9.9", "12", "100" (percent, or ms). */
function compactNumber(value: number): string {
  if (value === 0) return '0';
  if (value < 0.1) return '<.1';
  if (value < 9.95) return value.toFixed(1);
  return String(Math.round(value));
}

/** Milliseconds up to "999", then whole seconds: "1s", "5s". */
function compactMs(ms: number): string {
  return ms < 999.5 ? compactNumber(ms) : `${Math.round(ms / 1000)}s`;
}
