// kubectl netprobe dns: the cluster's DNS set-up → a stepped load ramp from loader pods
// → the knee → replicas for a peak, beside the autoscaler formula. Exit 0; 2 when
// --peak-qps is given and needs more replicas than run; 1 on errors; 130 interrupted.
import { randomBytes } from 'node:crypto';
import { agentCode } from '../deploy/agent-code.ts';
import { tolerationsFrom } from '../deploy/manifests.ts';
import { runDnsLoad } from '../deploy/run-dns-load.ts';
import { RunAborted } from '../deploy/session.ts';
import { readClusterDns } from '../dns/cluster-dns.ts';
import { DEFAULT_HEADROOM } from '../dns/recommend.ts';
import { renderDnsTable } from '../dns/render-table.ts';
import { buildDnsReport, type DnsReport } from '../dns/report.ts';
import { createKubeClient, loadKubeConfig } from '../kube/client-node.ts';
import { toClusterNode } from '../plan/cluster-node.ts';
import { PlanError, selectNodes } from '../plan/select-nodes.ts';
import { renderJson } from '../render/json.ts';
import { renderYaml } from '../render/yaml.ts';
import { EXIT_GATE, EXIT_INTERRUPTED, EXIT_OK } from './exit-codes.ts';
import { interruptible } from './interrupt.ts';
import { MATRIX_OPTIONS } from './matrix-command.ts';
import { useColor, writeOutput } from './output.ts';
import { parseDuration, parseLabels, parseList, parseOneOf, UsageError } from './parse-options.ts';
import { stderrProgress } from './progress.ts';

export const DNS_FORMATS = ['table', 'json', 'yaml'] as const;
type DnsFormat = (typeof DNS_FORMATS)[number];
/** Shorter steps measure the start-up of a rate more than the rate: one second at least. */
const MIN_STEP_MS = 1000;

export const DNS_OPTIONS = {
  'max-qps': { type: 'number', default: 1000, describe: 'the ramp\'s last step, in DNS queries per second over all loaders (it stops earlier past the knee)' },
  steps: { type: 'number', default: 10, describe: 'steps of the ramp: step i offers max-qps × i / steps' },
  duration: { type: 'string', default: '30s', describe: 'the whole ramp (each step lasts duration / steps, at least 1s)' },
  names: { type: 'string', default: 'kubernetes.default', describe: 'names to look up, comma-separated, expanded with the pods\' search path and ndots:5 as their resolver does (e.g. kubernetes.default,example.com)' },
  loaders: { type: 'number', default: 3, describe: 'loader pods, one per node (the first Ready nodes by name)' },
  selector: MATRIX_OPTIONS.selector,
  server: { type: 'string', describe: 'load this DNS server IP instead of the pods\' resolver (e.g. the kube-dns ClusterIP behind NodeLocal DNSCache)' },
  loss: { type: 'string', default: '1%', describe: 'a step is clean when at most this share of its queries is not answered on the first send; the knee is the last clean step' },
  'peak-qps': { type: 'number', describe: 'the peak to plan replicas for, in queries/s (CoreDNS: rate(coredns_dns_requests_total)); default: the measured capacity' },
  headroom: { type: 'string', default: `${DEFAULT_HEADROOM * 100}%`, describe: 'spare capacity to keep above the peak' },
  output: { alias: 'o', type: 'string', default: 'table', describe: `output format: ${DNS_FORMATS.join('|')}` },
  ...pick(MATRIX_OPTIONS, 'image', 'namespace-labels', 'tolerations', 'tolerate-all', 'timeout', 'keep', 'out'),
} as const;

function pick<T extends object, K extends keyof T>(from: T, ...keys: K[]): Pick<T, K> {
  return Object.fromEntries(keys.map((k) => [k, from[k]])) as Pick<T, K>;
}

interface DnsArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  'max-qps': number;
  steps: number;
  duration: string;
  names: string;
  loaders: number;
  selector?: string;
  server?: string;
  loss: string;
  'peak-qps'?: number;
  headroom: string;
  image: string;
  'namespace-labels'?: string;
  tolerations?: string;
  'tolerate-all': boolean;
  timeout: string;
  keep: boolean;
  output: string;
  out?: string;
}

export async function runDnsCommand(args: DnsArgs): Promise<number> {
  const format = parseOneOf<DnsFormat>(DNS_FORMATS, args.output, '--output');
  const maxQps = positive(args['max-qps'], '--max-qps');
  const steps = args.steps;
  if (!Number.isInteger(steps) || steps < 1 || steps > 100) throw new UsageError(`--steps: ${steps} is not a whole number from 1 to 100`);
  const stepMs = parseDuration(args.duration, '--duration') / steps;
  if (stepMs < MIN_STEP_MS) throw new UsageError(`--duration ${args.duration} over ${steps} steps makes ${stepMs} ms steps: give each step at least 1s`);
  const names = parseList(args.names);
  if (names.length === 0) throw new UsageError('--names names nothing');
  if (!Number.isInteger(args.loaders) || args.loaders < 1) throw new UsageError(`--loaders: ${args.loaders} is not a whole number >= 1`);
  const lossThreshold = parseShare(args.loss, '--loss');
  const headroom = parseShare(args.headroom, '--headroom', 10);
  const peakQps = args['peak-qps'] === undefined ? undefined : positive(args['peak-qps'], '--peak-qps');
  const startTimeoutMs = parseDuration(args.timeout, '--timeout');
  const tolerations = tolerationsFrom(parseList(args.tolerations), args['tolerate-all']);
  const namespaceLabels = parseLabels(args['namespace-labels'], '--namespace-labels');

  const client = createKubeClient(loadKubeConfig({ kubeconfig: args.kubeconfig, context: args.context }));
  const progress = stderrProgress();
  const allNodes = await client.listNodes();
  const listed = args.selector ? (await client.listNodes(args.selector)).map(toClusterNode) : allNodes.map(toClusterNode);
  const selected = selectNodes(listed.filter((n) => !n.unschedulable), { minNodes: 1 }, args.selector);
  selected.notes.forEach((note) => progress.phase(note));
  const facts = await readClusterDns(client, allNodes);
  if (facts.readyReplicas === 0) progress.warn('no ready DNS pod with k8s-app=kube-dns in kube-system: the load goes to whatever the pods\' resolver is');

  const runId = randomBytes(3).toString('hex');
  const namespace = args.namespace ?? `netprobe-${runId}`;
  const loaders = selected.nodes.slice(0, args.loaders).map((n) => n.name);
  const stepQps = Array.from({ length: steps }, (_, i) => (maxQps * (i + 1)) / steps);
  progress.phase(`run ${runId}: ${facts.readyReplicas} DNS replica(s), ${facts.nodes} nodes, ${facts.cores} cores; loading from ${loaders.join(', ')} (${client.describeTarget})`);
  try {
    const outcome = await interruptible(runId, async (signal) => runDnsLoad(client, {
      runId, namespace, ownNamespace: args.namespace === undefined, namespaceLabels, image: args.image, tolerations,
      loaders, names, stepQps, stepMs, server: args.server, lossThreshold, startTimeoutMs, keep: args.keep,
    }, await agentCode(), progress, signal));
    if (outcome.results.length === 0) throw new PlanError(`no loader produced a result: ${outcome.noData.map((n) => `${n.node}: ${n.reason}`).join('; ')}`);
    const report = buildDnsReport({
      id: runId, start: outcome.start.toISOString(), end: outcome.end.toISOString(),
      settings: { maxQps, steps, stepMs, names, lossThreshold, headroom, ...(peakQps !== undefined && { peakQps }), loaders, image: args.image, namespace },
    }, facts, outcome.results, outcome.noData);
    progress.done();
    writeOutput(render(report, format, !args.out && useColor(process.stdout)), args.out);
    const short = peakQps !== undefined && report.recommendation !== null && report.recommendation.replicas > facts.readyReplicas;
    if (short) process.stderr.write(`the DNS runs ${facts.readyReplicas} replica(s); ${report.recommendation!.replicas} are needed for ${peakQps} queries/s\n`);
    return short ? EXIT_GATE : EXIT_OK;
  } catch (err) {
    if (err instanceof RunAborted) return EXIT_INTERRUPTED;
    throw err;
  }
}

function render(report: DnsReport, format: DnsFormat, color: boolean): string {
  switch (format) {
    case 'json': return renderJson(report);
    case 'yaml': return renderYaml(report);
    case 'table': return renderDnsTable(report, color);
  }
}

function positive(value: number, flag: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`${flag}: ${value} is not a number > 0`);
  return value;
}

/** "1%" or "0.01" → 0.01; at most `max`. */
export function parseShare(text: string, flag: string, max = 1): number {
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text.trim());
  const value = match ? Number(match[1]) / (match[2] ? 100 : 1) : NaN;
  if (!(value >= 0 && value <= max)) throw new UsageError(`${flag}: "${text}" is not a share like 1% or 0.01${max > 1 ? ` (at most ${max * 100}%)` : ''}`);
  return value;
}
