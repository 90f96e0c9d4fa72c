// What one heatmap cell shows: the worst loss among its pairs' protocols (probe loss, or
// SYN-level loss when connects succeed only after retransmits), graded by the pairs' status;
// or (-o wide) the worst p99, graded by latency flags alone.
import type { PairReport, PairStatus } from '../shared/report.ts';

export type CellGrade = PairStatus | 'diagonal' | 'unmeasured' | 'no-data';

export interface HeatCell {
  text: string;
  grade: CellGrade;
}

const STATUS_RANK: Record<PairStatus, number> = { ok: 0, warning: 1, critical: 2 };
const MARKERS: Record<PairStatus, string> = { ok: '', warning: '*', critical: '!' };

export const DIAGONAL_CELL: HeatCell = { text: '\\', grade: 'diagonal' };
export const UNMEASURED_CELL: HeatCell = { text: '·', grade: 'unmeasured' };
export const NO_DATA_CELL: HeatCell = { text: 'n/a', grade: 'no-data' };

export function worstStatus(pairs: readonly PairReport[]): PairStatus {
  return pairs.reduce<PairStatus>((worst, pair) => (STATUS_RANK[pair.status] > STATUS_RANK[worst] ? pair.status : worst), 'ok');
}

/** Pooled over the pairs per protocol (one pair, or all pairs between two groups), the worst protocol. */
export function worstLossRatio(pairs: readonly PairReport[]): number {
  let worst = 0;
  for (const protocol of new Set(pairs.map((pair) => pair.protocol))) {
    const ofProtocol = pairs.filter((pair) => pair.protocol === protocol);
    const attempts = sum(ofProtocol, (pair) => pair.attempts);
    const lost = sum(ofProtocol, (pair) => pair.attempts - pair.successes);
    const synRetransmits = sum(ofProtocol, (pair) => (pair.synLoss ? pair.synRetransmits : 0));
    if (attempts > 0) worst = Math.max(worst, lost / attempts, synRetransmits / (attempts + synRetransmits));
  }
  return worst;
}

export function lossCell(pairs: readonly PairReport[]): HeatCell {
  if (pairs.every((pair) => pair.attempts === 0)) return UNMEASURED_CELL;
  const status = worstStatus(pairs);
  return { text: compactNumber(worstLossRatio(pairs) * 100) + MARKERS[status], grade: status };
}

/** Worst status first, then the highest loss, then the highest p99. */
export function byWorstLoss(a: PairReport, b: PairReport): number {
  return STATUS_RANK[b.status] - STATUS_RANK[a.status] || worstLossRatio([b]) - worstLossRatio([a]) || (b.latencyMs.p99 ?? 0) - (a.latencyMs.p99 ?? 0);
}

/** The worst p99 in ms ("-" when nothing succeeded); loss has its own heatmap, so only latency flags grade it. */
export function latencyCell(pairs: readonly PairReport[]): HeatCell {
  if (pairs.every((pair) => pair.attempts === 0)) return UNMEASURED_CELL;
  const status = latencyStatus(pairs);
  const p99 = worstP99(pairs);
  return { text: (p99 === null ? '-' : compactMs(p99)) + MARKERS[status], grade: status };
}

/** Latency-flagged first, then the highest p99. */
export function byWorstLatency(a: PairReport, b: PairReport): number {
  return STATUS_RANK[latencyStatus([b])] - STATUS_RANK[latencyStatus([a])] || (worstP99([b]) ?? 0) - (worstP99([a]) ?? 0);
}

function latencyStatus(pairs: readonly PairReport[]): PairStatus {
  return worstStatus(pairs.filter((pair) => pair.flags.includes('latency')));
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

function sum(pairs: readonly PairReport[], value: (pair: PairReport) => number): number {
  return pairs.reduce((total, pair) => total + value(pair), 0);
}
