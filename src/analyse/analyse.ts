// collect → analyse → render: agent results in, the matrix report out.
import type { AgentResult } from '../shared/agent-result.ts';
import { PROTOCOLS } from '../shared/plan.ts';
import { REPORT_KIND, REPORT_SCHEMA_VERSION, type Coverage, type MatrixReport, type PolicyEvidence, type RunInfo, type Thresholds } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { byNodeName } from '../shared/node-order.ts';
import { burstFindings } from './bursts.ts';
import { findings } from './findings.ts';
import { timeline } from './timeline.ts';
import { Measurements, type AgentSummary } from './measurements.ts';
import { nodeReports, type NodeInfo, type NoDataEntry } from './nodes.ts';
import { resolveThresholds } from './options.ts';
import { cellKey } from './pairs.ts';
import type { FindingContext } from './finding-context.ts';
import { judgePairs, settleVerdicts, type JudgedPair } from './verdicts.ts';

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
  // By heatmap cell only when a finding asks (most runs have none): 165,000 keys at 5,000 nodes.
  let cells: Map<string, JudgedPair[]> | undefined;
  let bySource: Map<string, JudgedPair[]> | undefined;
  const context: FindingContext = {
    nodes: new Map(nodes.map((node) => [node.name, node])), judged, thresholds, burstWindows, policies: input.policies, run,
    get cells() { return (cells ??= groupBy(judged, (j) => cellKey(j.report))); },
    get bySource() { return (bySource ??= groupBy(judged, (j) => j.report.source)); },
  };
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

/**
 * By path, family, protocol, source, destination. Each pair's place is one number, made once:
 * names ranked once (a collator per comparison is slow on N² pairs), then the rows sorted by
 * it (a comparator that looked each part up took ~0.5 s at 165,000 pairs).
 */
function sortPairs(judged: JudgedPair[]): void {
  const names = new Set<string>();
  for (const { report } of judged) names.add(report.source).add(report.destination);
  const rank = new Map([...names].sort(byNodeName).map((name, i) => [name, i]));
  const n = rank.size;
  const place = new Float64Array(judged.length);
  judged.forEach(({ report }, i) => {
    const network = PATH_ORDER.indexOf(report.path) * 2 + Number(report.family === 'ipv6');
    // Exact while below 2^53: (3 · 2 · 4) · n² at n = 10^6 names is 2.4e13.
    place[i] = ((network * PROTOCOLS.length + PROTOCOLS.indexOf(report.protocol)) * n + rank.get(report.source)!) * n + rank.get(report.destination)!;
  });
  const order = Uint32Array.from(judged.keys()).sort((a, b) => place[a] - place[b]);
  const sorted = Array.from(order, (i) => judged[i]);
  sorted.forEach((pair, i) => (judged[i] = pair));
}
