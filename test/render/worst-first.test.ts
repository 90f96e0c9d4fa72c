// The worst pairs listed when the nodes fit no heatmap: the first few of a stable sort, picked
// without sorting them all, and the sort orders as the cells grade.
import { analyse } from '../../src/analyse/analyse.ts';
import { byWorstLatency, byWorstLoss, latencyCell, verdictGrade, worstLossRatio, type CellGrade } from '../../src/render/cells.ts';
import { firstSorted } from '../../src/render/first-sorted.ts';
import type { PairReport } from '../../src/shared/report.ts';
import { seededRandom } from '../support/agent-results.ts';
import { SCENARIOS } from '../support/scenarios.ts';

const PAIRS: PairReport[] = SCENARIOS.flatMap((scenario) => analyse(scenario.input).pairs);

describe('firstSorted', () => {
  // Keys from a small range: most items tie with others, and ties must keep their input order.
  const random = seededRandom(7);
  const items = Array.from({ length: 500 }, (_, id) => ({ id, key: Math.floor(random() * 12) }));
  const byKey = (a: { key: number }, b: { key: number }) => a.key - b.key;
  const ascending = [...items].sort(byKey);

  test.each([0, 1, 15, 499, 500, 501])('the first %i: what sorting all and slicing gives, ties in input order', (count) => {
    for (const input of [items, ascending, [...ascending].reverse(), []]) {
      expect(firstSorted(input, count, byKey)).toEqual([...input].sort(byKey).slice(0, count));
    }
  });
});

describe('worst first', () => {
  const GRADE_ORDER: CellGrade[] = ['critical', 'warning', 'inconclusive', 'clear'];
  const LATENCY_ORDER: CellGrade[] = ['critical', 'warning'];
  const rank = (order: CellGrade[], grade: CellGrade) => (order.includes(grade) ? order.length - order.indexOf(grade) : 0);

  test('by loss: the order of the loss cells one pair makes (verdict, then loss, then p99)', () => {
    const asCells = (a: PairReport, b: PairReport) => rank(GRADE_ORDER, verdictGrade([b])) - rank(GRADE_ORDER, verdictGrade([a]))
      || worstLossRatio([b]) - worstLossRatio([a]) || (b.latencyMs.p99 ?? 0) - (a.latencyMs.p99 ?? 0);
    expect(new Set(PAIRS.map((pair) => verdictGrade([pair])))).toEqual(new Set(GRADE_ORDER));
    expect([...PAIRS].sort(byWorstLoss)).toEqual([...PAIRS].sort(asCells));
  });

  test('by latency: the order of the p99 cells one pair makes (latency flag, then p99)', () => {
    const asCells = (a: PairReport, b: PairReport) => rank(LATENCY_ORDER, latencyCell([b]).grade) - rank(LATENCY_ORDER, latencyCell([a]).grade)
      || (b.latencyMs.p99 ?? 0) - (a.latencyMs.p99 ?? 0);
    expect(PAIRS.some((pair) => latencyCell([pair]).grade !== 'measured')).toBe(true);
    expect([...PAIRS].sort(byWorstLatency)).toEqual([...PAIRS].sort(asCells));
  });
});
