// What one heatmap cell shows: the worst loss among its pairs' protocols (probe loss, or
// SYN-level loss when connects succeed only after retransmits), graded by the pairs' status.
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
  return { text: compactPercent(worstLossRatio(pairs)) + MARKERS[status], grade: status };
}

/** At most three characters: "0", "<.1", "0.5", "9.9", "12", "100" (percent). */
function compactPercent(ratio: number): string {
  const percent = ratio * 100;
  if (percent === 0) return '0';
  if (percent < 0.1) return '<.1';
  if (percent < 9.95) return percent.toFixed(1);
  return String(Math.round(percent));
}

function sum(pairs: readonly PairReport[], value: (pair: PairReport) => number): number {
  return pairs.reduce((total, pair) => total + value(pair), 0);
}
