// kubectl netprobe matrix: plan → deploy → probe → collect → analyse → render.
import type { V1Toleration } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { analyse } from '../analyse/analyse.ts';
import { agentCode } from '../deploy/agent-code.ts';
import { runMatrix, type MatrixRunSettings } from '../deploy/run-matrix.ts';
import { RunAborted } from '../deploy/session.ts';
import { tolerationsFrom } from '../deploy/manifests.ts';
import { createKubeClient, loadKubeConfig } from '../kube/client-node.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { toClusterNode, type ClusterNode } from '../plan/cluster-node.ts';
import { allPairs, DEFAULT_SAMPLE, FULL_MESH_MAX_NODES, parsePairs, probedPairCount, ringSelection, selectionNodes, type PeerSelection } from '../plan/pairs.ts';
import { planCoverage } from '../plan/coverage.ts';
import { PlanError, selectNodes, type SkippedNode } from '../plan/select-nodes.ts';
import { CONFIRM_DEFAULTS, PROTOCOLS, type ConfirmPlan, type Protocol } from '../shared/plan.ts';
import { resolveThresholds } from '../analyse/options.ts';
import { evidenceRule, plannedTests } from '../analyse/verdicts.ts';
import { htmlNodeLimit, htmlTooLarge, htmlViewCount } from '../render/html-heatmap.ts';
import { EXIT_GATE, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes.ts';
import { failedConditions, parseFailOn } from './fail-on.ts';
import { interruptible } from './interrupt.ts';
import { OUTPUT_FORMATS, useColor, writeRenderedReport, type OutputFormat } from './output.ts';
import { parseDuration, parseLabels, parseList, parseOneOf, parseRate, UsageError } from './parse-options.ts';
import { stderrProgress } from './progress.ts';

/** --network: which paths to probe. */
export const NETWORKS = ['pod', 'host', 'both'] as const;

export const MATRIX_OPTIONS = {
  nodes: { type: 'string', describe: 'comma-separated node names (default: all Ready nodes)' },
  selector: { alias: 'l', type: 'string', describe: 'node label selector, e.g. topology.kubernetes.io/zone=a' },
  'max-nodes': { type: 'number', describe: 'probe at most this many nodes' },
  pairs: { type: 'string', describe: 'only these directed pairs: a:b,c:d' },
  'both-ways': { type: 'boolean', default: false, describe: 'with --pairs: also each reverse direction' },
  pods: { type: 'string', describe: 'ns/podA,ns/podB: probe between the nodes hosting these pods' },
  sample: { type: 'number', describe: `each node probes K peers on a hash ring (each is probed by K others); default: all pairs up to ${FULL_MESH_MAX_NODES} nodes, ${DEFAULT_SAMPLE} peers beyond` },
  protocols: { type: 'string', default: 'tcp,udp,dns', describe: 'any of tcp,udp,dns' },
  network: { type: 'string', default: 'pod', describe: 'pod, host or both (pod vs node network tells overlay from underlay trouble)' },
  service: { type: 'boolean', default: false, describe: 'also probe through a ClusterIP Service per node (kube-proxy DNAT)' },
  'dns-name': { type: 'string', default: 'kubernetes.default.svc.cluster.local', describe: 'comma-separated fully qualified names to resolve' },
  duration: { type: 'string', default: '30s', describe: 'probing window, e.g. 30s, 5m' },
  window: { type: 'string', describe: 'also count failures per window (e.g. 1m): bursts over time; Ctrl-C still reports what was measured' },
  rate: { type: 'number', default: 1, describe: 'probes per second per pair and protocol' },
  confirm: { type: 'string', default: '10s', describe: 'after the window, probe the pairs not yet flagged or clear for at most this long (0: off); the run takes at most this much longer' },
  'confirm-rate': { type: 'number', default: CONFIRM_DEFAULTS.ratePerSecond, describe: 'probes per second per pair and protocol while confirming' },
  'confirm-budget': { type: 'number', default: CONFIRM_DEFAULTS.maxProbesPerSecond, describe: 'confirmation probes per second per prober, all its pairs together' },
  image: { type: 'string', default: 'node:22-alpine', describe: 'image with Node.js >= 18 for the probe pods (point it at your mirror)' },
  'namespace-labels': { type: 'string', describe: 'labels for the run namespace, e.g. pod-security.kubernetes.io/enforce=privileged' },
  tolerations: { type: 'string', describe: 'taints to tolerate: key[=value][:Effect],…' },
  'tolerate-all': { type: 'boolean', default: false, describe: 'run on every node whatever its taints' },
  timeout: { type: 'string', default: '2m', describe: 'how long pods may take to be scheduled and started' },
  port: { type: 'number', default: 7400, describe: 'TCP port of the responders; UDP uses port+1' },
  keep: { type: 'boolean', default: false, describe: 'leave the pods for debugging (prints how to remove them)' },
  output: { alias: 'o', type: 'string', default: 'table', describe: `output format: ${OUTPUT_FORMATS.join('|')}` },
  out: { type: 'string', describe: 'write the output to this file instead of stdout' },
  'group-by': { type: 'string', describe: 'heatmap of groups: a node label, or "kernel"' },
  'fail-on': { type: 'string', describe: 'exit 2 when met, e.g. "loss>1%,p99>200ms,dnsTimeouts>0"' },
} as const;

interface MatrixArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  nodes?: string;
  selector?: string;
  'max-nodes'?: number;
  pairs?: string;
  'both-ways': boolean;
  pods?: string;
  sample?: number;
  window?: string;
  protocols: string;
  network: string;
  service: boolean;
  'dns-name': string;
  duration: string;
  rate: number;
  confirm: string;
  'confirm-rate': number;
  'confirm-budget': number;
  image: string;
  'namespace-labels'?: string;
  tolerations?: string;
  'tolerate-all': boolean;
  timeout: string;
  port: number;
  keep: boolean;
  output: string;
  out?: string;
  'group-by'?: string;
  'fail-on'?: string;
}

export async function runMatrixCommand(args: MatrixArgs): Promise<number> {
  // Everything that can be wrong with the flags fails here, before the cluster is touched.
  const format = parseOneOf<OutputFormat>(OUTPUT_FORMATS, args.output, '--output');
  const protocols = parseList(args.protocols).map((p) => parseOneOf<Protocol>(PROTOCOLS, p, '--protocols'));
  if (protocols.length === 0) throw new UsageError('--protocols names none of tcp, udp, dns');
  const network = parseOneOf(NETWORKS, args.network, '--network');
  const failOn = args['fail-on'] ? parseFailOn(args['fail-on']) : [];
  const durationMs = parseDuration(args.duration, '--duration');
  const startTimeoutMs = parseDuration(args.timeout, '--timeout');
  const windowMs = args.window === undefined ? undefined : parseDuration(args.window, '--window');
  if (windowMs !== undefined && windowMs > durationMs) throw new UsageError(`--window ${args.window} is longer than --duration ${args.duration}`);
  const rate = parseRate(args.rate, '--rate');
  const confirmMs = parseDuration(args.confirm, '--confirm', { allowZero: true });
  const confirmRate = parseRate(args['confirm-rate'], '--confirm-rate');
  const confirmBudget = args['confirm-budget'];
  if (!Number.isFinite(confirmBudget) || confirmBudget < confirmRate) throw new UsageError(`--confirm-budget: ${confirmBudget} is not a rate of at least --confirm-rate (${confirmRate}/s)`);
  if (!Number.isInteger(args.port) || args.port < 1024 || args.port > 65534) throw new UsageError(`--port: ${args.port} is not a port 1024..65534 (non-root pods cannot bind below 1024)`);
  if (args['max-nodes'] !== undefined && (!Number.isInteger(args['max-nodes']) || args['max-nodes'] < 2)) throw new UsageError('--max-nodes must be a whole number >= 2');
  const tolerations = tolerationsFrom(parseList(args.tolerations), args['tolerate-all']);
  const namespaceLabels = parseLabels(args['namespace-labels'], '--namespace-labels');

  const kc = loadKubeConfig({ kubeconfig: args.kubeconfig, context: args.context });
  const progress = stderrProgress();
  const client = createKubeClient(kc, {
    onSlowdown: (rate, retryAfter) => progress.phase(`the API server asks netprobe to slow down (429, Retry-After ${retryAfter}s): ${rate.toFixed(rate < 10 ? 1 : 0)} requests/s now`),
  });

  const listed = (await client.listNodes(args.selector)).map(toClusterNode);
  const { nodes, skipped, selection, notes } = await choosePeers(client, listed, args, tolerations, windowMs !== undefined);
  notes.forEach((note) => progress.phase(note));
  const pairs = probedPairCount(selection, windowMs ? Math.ceil(durationMs / windowMs) : 1);
  // Before anything is deployed: a page that cannot be made would lose the run at its end.
  if (format === 'html') {
    const views = htmlViewCount(protocols.filter((p) => p !== 'dns').length * ((network === 'both' ? 2 : 1) + (args.service ? 1 : 0)));
    if (nodes.length > htmlNodeLimit(views)) throw new UsageError(htmlTooLarge(nodes.length, views));
  }

  const runId = randomBytes(3).toString('hex');
  const settings: MatrixRunSettings = {
    runId,
    namespace: args.namespace ?? `netprobe-${runId}`,
    ownNamespace: args.namespace === undefined,
    namespaceLabels,
    image: args.image,
    tolerations,
    paths: network === 'both' ? ['pod', 'host'] : [network],
    service: args.service,
    protocols,
    durationMs,
    ratePerSecond: rate,
    dnsNames: parseList(args['dns-name']),
    tcpPort: args.port,
    udpPort: args.port + 1,
    startTimeoutMs,
    keep: args.keep,
    windowMs,
    ...(confirmMs > 0 && {
      confirm: confirmPlan(confirmMs, confirmRate, confirmBudget, plannedRunTests(selection, pairs, network === 'both' ? 2 : 1, args.service, protocols)),
    }),
  };
  progress.phase(`run ${runId}: ${nodes.length} nodes, ${pairs} directed pairs, ${protocols.join('/')} on the ${network === 'both' ? 'pod and host networks' : `${network} network`}${args.service ? ' and through Services' : ''} (${client.describeTarget})`);

  try {
    return await interruptible(runId, async (signal) => {
      const outcome = await runMatrix(client, selection, settings, await agentCode(), progress, signal);
      const analysing = process.cpuUsage();
      const report = analyse({
        run: {
          id: runId, start: outcome.start.toISOString(), end: outcome.end.toISOString(),
          settings: {
            durationMs, ratePerSecond: rate, protocols, network, service: args.service, image: args.image, namespace: settings.namespace, pairs,
            containerRuntimes: [...new Set(nodes.map((n) => n.containerRuntime).filter((r) => r !== null))].sort(),
            ...(windowMs && { windowMs }), ...(outcome.interrupted && { interrupted: true }),
            confirm: settings.confirm ? { maxMs: settings.confirm.maxMs, ratePerSecond: settings.confirm.ratePerSecond, maxProbesPerSecond: settings.confirm.maxProbesPerSecond } : null,
          },
        },
        nodes: [...nodes, ...skipped.map((s) => s.node)].map(({ name, internalIP, kernelVersion, containerRuntime, labels }) => ({ name, internalIP, kernelVersion, containerRuntime, labels })),
        results: outcome.measured,
        coverage: planCoverage(selection, nodes.length, durationMs, windowMs),
        noData: [...skipped.map((s) => ({ node: s.node.name, reason: s.reason })), ...outcome.noData],
        policies: outcome.policies,
      });
      await writeRenderedReport(report, format, { color: !args.out && useColor(process.stdout), width: process.stdout.columns, groupBy: args['group-by'] }, args.out);
      progress.phase(runSummary(client, process.cpuUsage(analysing)));
      progress.done();
      const failed = failedConditions(report, failOn);
      for (const line of failed) process.stderr.write(`--fail-on met: ${line}\n`);
      if (outcome.interrupted) return EXIT_INTERRUPTED;
      return failed.length ? EXIT_GATE : EXIT_OK;
    });
  } catch (err) {
    if (err instanceof RunAborted) return EXIT_INTERRUPTED;
    throw err;
  }
}

/**
 * Confirmation's plan: the agent stops confirming a series once the analysis's own rule would
 * decide it (PHASE-B §1): flag at the e-BH level of a single discovery among the run's tests,
 * clear at the analysis's per-pair level; every series at most rate × duration probes.
 */
function confirmPlan(maxMs: number, ratePerSecond: number, maxProbesPerSecond: number, tests: number): ConfirmPlan {
  return { maxMs, ratePerSecond, maxProbesPerSecond, maxProbesPerSeries: Math.ceil((maxMs / 1000) * ratePerSecond), rule: evidenceRule(resolveThresholds(), tests) };
}

/**
 * The tests the analysis will make (its e-BH m), from the plan: each pair's TCP and UDP per
 * network probed (a pod-network prober also through the Services), each prober's DNS once.
 * An upper bound, as plannedTests is; a dual-stack cluster's IPv6 pairs are not yet known here.
 */
function plannedRunTests(selection: PeerSelection, pairs: number, networks: number, service: boolean, protocols: readonly Protocol[]): number {
  const perPair = plannedTests(protocols.filter((p) => p !== 'dns').map((protocol) => ({ protocol })));
  const perProber = protocols.includes('dns') ? plannedTests([{ protocol: 'dns' }]) : 0;
  return pairs * perPair * (networks + (service ? 1 : 0)) + selectionNodes(selection).sources.length * perProber;
}

/** What the run cost: its API requests (an operator of a big cluster wants to know), the CLI's CPU for analysis and output, and its peak memory. */
function runSummary(client: KubeClient, analysis: NodeJS.CpuUsage): string {
  const { requests, throttled, waitedMs } = client.requestStats();
  const paced = throttled > 0 ? ` (${throttled} answered 429, waited ${Math.round(waitedMs / 1000)}s in all)` : '';
  return `done: ${requests} API requests${paced}; analysis and output ${((analysis.user + analysis.system) / 1e6).toFixed(1)}s CPU; peak memory ${Math.round(process.resourceUsage().maxRSS / 1024)} MiB`;
}

async function choosePeers(
  client: KubeClient, listed: ClusterNode[], args: MatrixArgs, tolerations: V1Toleration[], windows: boolean,
): Promise<{ nodes: ClusterNode[]; skipped: SkippedNode[]; selection: PeerSelection; notes: string[] }> {
  const notes: string[] = [];
  let names = args.nodes ? parseList(args.nodes) : undefined;
  if (args.pods) {
    const hosts = await nodesOfPods(client, parseList(args.pods));
    hosts.forEach(({ pod, node }) => notes.push(`pod ${pod} runs on node ${node}`));
    names = [...new Set(hosts.map((h) => h.node))];
    if (names.length < 2) throw new PlanError(`the pods ${parseList(args.pods).join(', ')} all run on node ${names[0]}: their traffic never leaves it`);
  }
  const selected = selectNodes(listed, { names, maxNodes: args['max-nodes'], tolerations }, args.selector);
  notes.push(...selected.notes);
  const nodeNames = selected.nodes.map((n) => n.name);
  if (args.pairs && args.sample) throw new UsageError('--pairs and --sample do not go together');
  // With --window a ring sample rotates: a new k successors per window, every pair in time.
  const selection: PeerSelection = args.pairs
    ? { kind: 'pairs', pairs: parsePairs(args.pairs, args['both-ways'], new Set(nodeNames)) }
    : args.sample !== undefined ? ringSelection(nodeNames, args.sample, windows)
      : nodeNames.length > FULL_MESH_MAX_NODES ? ringSelection(nodeNames, DEFAULT_SAMPLE, windows) : { kind: 'pairs', pairs: allPairs(nodeNames) };
  if (!args.pairs && args.sample === undefined && nodeNames.length > FULL_MESH_MAX_NODES) {
    notes.push(`${nodeNames.length} nodes: each probes ${DEFAULT_SAMPLE} ring neighbours and is probed by ${DEFAULT_SAMPLE}${windows ? ', new ones every window' : ''} (--sample ${nodeNames.length - 1} for every pair)`);
  }
  return { nodes: selected.nodes, skipped: selected.skipped, selection, notes };
}

async function nodesOfPods(client: KubeClient, refs: string[]): Promise<{ pod: string; node: string }[]> {
  if (refs.length < 2) throw new UsageError('--pods wants two or more pods: ns/podA,ns/podB');
  return Promise.all(refs.map(async (ref) => {
    const [namespace, name, extra] = ref.split('/');
    if (!namespace || !name || extra !== undefined) throw new UsageError(`--pods: "${ref}" is not NAMESPACE/POD`);
    const pod = await client.readPod(namespace, name);
    if (!pod) throw new PlanError(`pod ${ref} not found`);
    if (!pod.spec?.nodeName) throw new PlanError(`pod ${ref} is not scheduled on a node yet`);
    return { pod: ref, node: pod.spec.nodeName };
  }));
}
