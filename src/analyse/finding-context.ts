// What every finding rule reads: the nodes, the judged pairs (also by heatmap cell and by source) and the thresholds.
import type { NodeReport, PolicyEvidence, Thresholds } from '../shared/report.ts';
import type { JudgedPair, RunJudgement } from './verdicts.ts';

export interface FindingContext {
  nodes: ReadonlyMap<string, NodeReport>;
  judged: readonly JudgedPair[];
  /** The judged pairs by heatmap cell (cellKey: path, source, destination). */
  cells: ReadonlyMap<string, readonly JudgedPair[]>;
  /** The judged pairs by source node, in the pairs' order. */
  bySource: ReadonlyMap<string, readonly JudgedPair[]>;
  thresholds: Thresholds;
  /** --window: the windows with a burst, whose probes the pairs are judged without. */
  burstWindows: readonly number[];
  /** When every probe failed: the policies that could deny them (src/collect/policies.ts). */
  policies?: PolicyEvidence;
  /** How many tests the run's flags were controlled over, and the loss-like rule. */
  run: RunJudgement;
}
