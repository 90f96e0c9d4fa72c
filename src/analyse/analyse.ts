// collect → analyse → render: agent results in, the matrix report out.
import type { AgentResult } from '../shared/agent-result.ts';
import { PROTOCOLS } from '../shared/plan.ts';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, type MatrixReport, type PairReport, type RunInfo, type Thresholds } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { byNodeName } from '../shared/node-order.ts';
import { findings } from './findings.ts';
import { nodeReports, type NodeInfo, type NoDataEntry } from './nodes.ts';
import { resolveThresholds } from './options.ts';
import { cellKey, tallyPairs } from './pairs.ts';
import { judgePairs } from './verdicts.ts';

export type { NodeInfo, NoDataEntry };

export interface AnalysisInput {
  run: RunInfo;
  /** Nodes as the API lists them (nodes with results or no-data entries are added if missing). */
  nodes: readonly NodeInfo[];
  /** Validated agent results (see parseAgentResult), one per node. */
  results: readonly AgentResult[];
  /** Nodes without a result, with the reason. */
  noData?: readonly NoDataEntry[];
  thresholds?: Partial<Thresholds>;
}

export function analyse(input: AnalysisInput): MatrixReport {
  const thresholds = resolveThresholds(input.thresholds);
  const nodes = nodeReports(input.nodes, input.results, input.noData ?? []);
  const judged = judgePairs(tallyPairs(input.results), thresholds).sort((a, b) => byPairOrder(a.report, b.report));
  // Before the pairs are read: pairs that a pattern explains get its flag here.
  const reportFindings = findings({ nodes: new Map(nodes.map((node) => [node.name, node])), judged, cells: groupBy(judged, (j) => cellKey(j.report)), thresholds });
  return {
    kind: REPORT_KIND,
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: input.run,
    thresholds,
    nodes,
    pairs: judged.map((j) => j.report),
    findings: reportFindings,
  };
}

const PATH_ORDER = ['pod', 'host', 'service'];

function byPairOrder(a: PairReport, b: PairReport): number {
  return PATH_ORDER.indexOf(a.path) - PATH_ORDER.indexOf(b.path)
    || PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol)
    || byNodeName(a.source, b.source)
    || byNodeName(a.destination, b.destination);
}
