// collect → analyse → render: agent results in, the matrix report out.
import type { AgentResult } from '../shared/agent-result.ts';
import { PROTOCOLS } from '../shared/plan.ts';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, type Coverage, type MatrixReport, type PairReport, type PolicyEvidence, type RunInfo, type Thresholds } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { byNodeName } from '../shared/node-order.ts';
import { burstFindings } from './bursts.ts';
import { findings } from './findings.ts';
import { timeline } from './timeline.ts';
import { Measurements, type AgentSummary } from './measurements.ts';
import { nodeReports, type NodeInfo, type NoDataEntry } from './nodes.ts';
import { resolveThresholds } from './options.ts';
import { cellKey } from './pairs.ts';
import { judgePairs, settleVerdicts } from './verdicts.ts';

export type { NodeInfo, NoDataEntry };

export interface AnalysisInput {
  run: RunInfo;
  /** Nodes as the API lists them (nodes with results or no-data entries are added if missing). */
  nodes: readonly NodeInfo[];
  /**
   * Validated agent results (see parseAgentResult): folded as collect parsed them (a run's
   * thousands of results are never held at once; analysis takes their tallies, so once), or
   * a list, folded here.
   */
  results: Measurements | readonly AgentResult[];
  /** Nodes without a result, with the reason. */
  noData?: readonly NoDataEntry[];
  thresholds?: Partial<Thresholds>;
  /** Listed when every probe failed (everyPairFailed): what could deny them. */
  policies?: PolicyEvidence;
  /** How much of the mesh the plan probes (the CLI computes it from the plan), stated in the report. */
  coverage?: Coverage;
}

export function analyse(input: AnalysisInput): MatrixReport {
  const thresholds = resolveThresholds(input.thresholds);
  const measured = input.results instanceof Measurements ? input.results : Measurements.of(input.results);
  const nodes = nodeReports(input.nodes, measured.agents, input.noData ?? []);
  // Bursts first: the pairs are judged on the rest of the run (verdicts.ts).
  const trouble = timeline(measured.windowed());
  const burstWindows = trouble?.bursts.map((burst) => burst.window) ?? [];
  const { judged, run } = judgePairs(measured.pairs.take(new Set(burstWindows)), thresholds, probeRate(measured.agents));
  sortPairs(judged);
  // Before the pairs are read: pairs that a pattern explains get its flag here, then every other pair its verdict.
  const context = { nodes: new Map(nodes.map((node) => [node.name, node])), judged, cells: groupBy(judged, (j) => cellKey(j.report)), thresholds, burstWindows, policies: input.policies, run };
  const reportFindings = findings(context, burstFindings(trouble));
  settleVerdicts(judged, run);
  return {
    kind: REPORT_KIND,
    schemaVersion: REPORT_SCHEMA_VERSION,
    run: input.run,
    ...(input.coverage && { coverage: input.coverage }),
    thresholds,
    nodes,
    pairs: judged.map((j) => j.report),
    findings: reportFindings,
    ...(trouble && { timeline: trouble }),
  };
}

/** The main window's probes per second per pair and protocol (every agent of a run has the same plan rate). */
function probeRate(agents: readonly AgentSummary[]): number | null {
  const rates = agents.map((agent) => agent.settings.ratePerSecond).filter((rate) => rate > 0);
  return rates.length ? Math.max(...rates) : null;
}

const PATH_ORDER = ['pod', 'host', 'service'];

/** By path, protocol, source, destination; names ranked once (a collator per comparison is slow on N² pairs). */
function sortPairs(judged: { report: PairReport }[]): void {
  const names = [...new Set(judged.flatMap(({ report }) => [report.source, report.destination]))].sort(byNodeName);
  const rank = new Map(names.map((name, i) => [name, i]));
  judged.sort(({ report: a }, { report: b }) =>
    PATH_ORDER.indexOf(a.path) - PATH_ORDER.indexOf(b.path)
    || Number(a.family === 'ipv6') - Number(b.family === 'ipv6')
    || PROTOCOLS.indexOf(a.protocol) - PROTOCOLS.indexOf(b.protocol)
    || rank.get(a.source)! - rank.get(b.source)!
    || rank.get(a.destination)! - rank.get(b.destination)!);
}
