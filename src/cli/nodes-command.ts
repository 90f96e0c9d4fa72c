// kubectl netprobe nodes: list nodes and pods → one inspector pod per node (host network)
// → judge every check → render. Exit 0 all pass (WARN included), 2 any FAIL, 1 on errors.
import { randomBytes } from 'node:crypto';
import type { InferredOptionTypes } from 'yargs';
import { agentCode } from '../deploy/agent-code.ts';
import { RunAborted } from '../deploy/session.ts';
import { tolerationsFrom } from '../deploy/manifests.ts';
import { createKubeClient, loadKubeConfig } from '../kube/client-node.ts';
import { clusterFacts } from '../nodes/cluster-facts.ts';
import { judgeNodes } from '../nodes/judge.ts';
import { runInspection } from '../nodes/run-inspection.ts';
import { toClusterNode } from '../plan/cluster-node.ts';
import { PlanError, selectNodes } from '../plan/select-nodes.ts';
import { renderJson } from '../render/json.ts';
import { renderNodesJUnit } from '../render/junit-nodes.ts';
import { renderNodesTable } from '../render/nodes-table.ts';
import { renderYaml } from '../render/yaml.ts';
import type { NodesReport } from '../shared/nodes-report.ts';
import type { CONNECTION_OPTIONS } from './connection-options.ts';
import { EXIT_GATE, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes.ts';
import { interruptible } from './interrupt.ts';
import { MATRIX_OPTIONS } from './matrix-command.ts';
import { useColor, writeOutput } from './output.ts';
import { parseDuration, parseLabels, parseList, parseOneOf } from './parse-options.ts';
import { stderrProgress } from './progress.ts';

export const NODES_FORMATS = ['table', 'json', 'yaml', 'junit'] as const;
type NodesFormat = (typeof NODES_FORMATS)[number];

export const NODES_OPTIONS = {
  nodes: MATRIX_OPTIONS.nodes,
  selector: MATRIX_OPTIONS.selector,
  image: MATRIX_OPTIONS.image,
  'namespace-labels': MATRIX_OPTIONS['namespace-labels'],
  tolerations: MATRIX_OPTIONS.tolerations,
  'tolerate-all': MATRIX_OPTIONS['tolerate-all'],
  timeout: MATRIX_OPTIONS.timeout,
  keep: MATRIX_OPTIONS.keep,
  output: { alias: 'o', type: 'string', default: 'table', describe: `output format: ${NODES_FORMATS.join('|')} (docs/nodes-report.md)` },
  out: MATRIX_OPTIONS.out,
} as const;

export const NODES_EPILOGUE = 'Needs host-network pods: netprobe\'s own namespace is labelled pod-security.kubernetes.io/enforce=privileged; '
  + 'with -n NS, label NS so. Exit status: 0 every check passed (warnings included), 2 some check FAILed, 1 error.';

type NodesArgs = InferredOptionTypes<typeof CONNECTION_OPTIONS & typeof NODES_OPTIONS>;

export async function runNodesCommand(args: NodesArgs): Promise<number> {
  const format = parseOneOf<NodesFormat>(NODES_FORMATS, args.output, '--output');
  const startTimeoutMs = parseDuration(args.timeout, '--timeout');
  const tolerations = tolerationsFrom(parseList(args.tolerations), args['tolerate-all']);
  const namespaceLabels = parseLabels(args['namespace-labels'], '--namespace-labels');

  const client = createKubeClient(loadKubeConfig({ kubeconfig: args.kubeconfig, context: args.context }));
  const progress = stderrProgress();
  const [allNodes, pods] = await Promise.all([client.listNodes(), client.listPods(undefined)]);
  const listed = args.selector ? (await client.listNodes(args.selector)).map(toClusterNode) : allNodes.map(toClusterNode);
  const selected = selectNodes(listed, { names: args.nodes ? parseList(args.nodes) : undefined, minNodes: 1 }, args.selector);
  selected.notes.forEach((note) => progress.phase(note));
  const names = selected.nodes.map((n) => n.name);

  const runId = randomBytes(3).toString('hex');
  const namespace = args.namespace ?? `netprobe-${runId}`;
  progress.phase(`run ${runId}: inspecting ${names.length} node(s) (${client.describeTarget})`);
  try {
    return await interruptible(runId, async (signal) => {
      const outcome = await runInspection(client, names, {
        runId, namespace, ownNamespace: args.namespace === undefined, namespaceLabels, image: args.image, tolerations, startTimeoutMs, keep: args.keep,
      }, await agentCode(), progress, signal);
      if (outcome.inspections.length === 0) throw new PlanError(`no node could be inspected: ${[...outcome.noData].map(([n, why]) => `${n}: ${why}`).join('; ')}`);
      const report = judgeNodes({
        run: { id: runId, start: outcome.start.toISOString(), end: outcome.end.toISOString(), namespace, image: args.image },
        cluster: clusterFacts(allNodes, pods.items),
        nodes: names,
        inspections: outcome.inspections,
        noData: outcome.noData,
      });
      progress.done();
      writeReport(report, format, args);
      return report.summary.fail > 0 ? EXIT_GATE : EXIT_OK;
    });
  } catch (err) {
    if (err instanceof RunAborted) return EXIT_INTERRUPTED;
    throw err;
  }
}

function writeReport(report: NodesReport, format: NodesFormat, args: NodesArgs): void {
  const text = format === 'json' ? renderJson(report)
    : format === 'yaml' ? renderYaml(report)
      : format === 'junit' ? renderNodesJUnit(report)
      : renderNodesTable(report, { color: !args.out && useColor(process.stdout), width: process.stdout.columns });
  writeOutput(text, args.out);
}
