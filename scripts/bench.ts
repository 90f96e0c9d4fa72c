// npm run bench [-- agent|matrix|analysis|startup|truth|scale]: figures, not pass/fail.
// - agent: what the agent costs at the default rate probing 50 peers × TCP/UDP/DNS
//   (target ≤ 5 % of one core, ≤ 80 MiB RSS), on loopback with a real dnsmasq;
// - matrix: kubectl netprobe's pipeline on 4-, 10- and 20-node labs with a 10 s window:
//   wall time, overhead beyond the window (target ≤ 10 s), API requests (target O(N)),
//   the agents' CPU and peak RSS;
// - analysis: analysis + rendering of synthetic results for 500 nodes (target ≤ 2 s, ≤ 500 MiB);
// - scale (only when named, ~20 min here, more on a busy machine): the default matrix on hollow labs of 100,
//   1,000 and 5,000 nodes (BENCH_SCALE_NODES=a,b to choose) and a 300-node full mesh
//   (BENCH_SCALE_MESH=0: not): wall time and overhead beyond the window, how long after the
//   window the last prober was done and the lab daemon's CPU (its hollow agents' results take
//   the one core it runs on), API requests and 429s,
//   the bundled CLI's (dist/kubectl-netprobe) peak RSS (target ≤ 500 MiB) and analysis CPU (target ≤ 5 s)
//   with its default table, the same with -o json and its size, the roster's size;
// - startup: `kubectl-netprobe --version`, the standalone executable (npm run release) against
//   the Node bundle (npm run build), and the archives' sizes;
// - truth (only when named, ~25 min): faults placed at random on the lab, how often the matrix
//   flags the right pair and no other (scripts/bench-truth.ts); `-- FLAGS` go to every matrix run.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { analyse } from '../src/analyse/analyse.ts';
import { readDocuments } from '../src/collect/documents.ts';
import { parseAgentResult } from '../src/collect/parse-agent-result.ts';
import { agentCode } from '../src/deploy/agent-code.ts';
import { START_DELAY_MS } from '../src/deploy/matrix/context.ts';
import { runMatrix } from '../src/deploy/run-matrix.ts';
import { createKubeClient, loadKubeConfig } from '../src/kube/client-node.ts';
import { allPairs, DEFAULT_SAMPLE, sampleOnRing } from '../src/plan/pairs.ts';
import { groupBy } from '../src/shared/group-by.ts';
import { renderJson } from '../src/render/json.ts';
import { renderTable } from '../src/render/table.ts';
import { agentResult, healthyNoise, nodeNames, probeSeries, RESOLVER, RUN } from '../test/support/agent-results.ts';
import { LabSession } from '../test/support/lab-session.ts';
import { readState } from '../test/lab/state.ts';
import type { MatrixReport } from '../src/shared/report.ts';
import { benchTruth } from './bench-truth.ts';
import { buildAgent, buildCli } from './build.ts';
import { release } from './release.ts';
import type { AgentResult } from '../src/shared/agent-result.ts';
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan, type ConfirmPlan } from '../src/shared/plan.ts';

const PEERS = 50;
const DURATION_MS = Number(process.env.BENCH_AGENT_SECONDS ?? 30) * 1000;
const TCP_PORT = 29100;
const UDP_PORT = 29101;
const DNS_PORT = 29153;

function runAgent(agent: string, plan: AgentPlan): Promise<{ result: AgentResult; wallMs: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [agent, '--plan', JSON.stringify(plan)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  return new Promise((resolve, reject) => child.on('close', (code) => {
    if (code !== 0) return reject(new Error(`agent ${plan.node} exited ${code}`));
    // The last whole document: the final result (src/agent/output.ts may write it in parts).
    resolve({ result: readDocuments(out).complete.at(-1) as unknown as AgentResult, wallMs: performance.now() - started });
  }));
}

function startDnsmasq(): (() => void) | undefined {
  if (spawnSync('dnsmasq', ['--version']).status !== 0) return undefined;
  const dns = spawn('dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--listen-address=127.0.0.1', '--bind-interfaces',
    `--port=${DNS_PORT}`, '--pid-file=', '--address=/kubernetes.default.svc.cluster.local/198.18.64.1', '--local=/cluster.local/'], { stdio: 'ignore' });
  return () => dns.kill();
}

function describe(label: string, { result, wallMs }: { result: AgentResult; wallMs: number }): string {
  const cpuPercent = (result.self.cpuMs / wallMs) * 100;
  const probes = result.series.reduce((n, s) => n + s.attempts, 0);
  const confirmations = result.series.reduce((n, s) => n + (s.confirmation?.attempts ?? 0), 0);
  return `${label}: ${probes} probes${confirmations ? ` and ${confirmations} confirmation probes` : ''} in ${(wallMs / 1000).toFixed(1)} s wall, CPU ${result.self.cpuMs.toFixed(0)} ms = ${cpuPercent.toFixed(2)} % of one core, peak RSS ${(result.self.maxRssBytes / 2 ** 20).toFixed(1)} MiB`;
}

/** Measures the bundle, as pods run it (the TypeScript source would add the type stripper's memory). */
async function benchAgent(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bench-'));
  const agent = await buildAgent(join(dir, 'agent.cjs'));
  const stopDns = startDnsmasq();
  const runToken = 'bench';
  const common = {
    planVersion: 1 as const, runToken, ratePerSecond: PLAN_DEFAULTS.ratePerSecond, durationMs: DURATION_MS,
    ...PROBE_DEFAULTS,
  };
  const peers = Array.from({ length: PEERS }, (_, i) => ({ node: `peer-${i}`, ip: '127.0.0.1', tcpPort: TCP_PORT, udpPort: UDP_PORT, path: 'pod' as const }));
  const prober = (confirm?: ConfirmPlan) => runAgent(agent, {
    ...common, node: 'prober', protocols: stopDns ? ['tcp', 'udp', 'dns'] : ['tcp', 'udp'], peers, ...(confirm && { confirm }),
    dns: { server: '127.0.0.1', port: DNS_PORT, names: ['kubernetes.default.svc.cluster.local'], queryTimeoutMs: 2000, resolverTimeoutMs: 5000, resolverAttempts: 2 },
  });
  // One responder stands in for 50 peers: the prober's cost does not depend on how many processes answer.
  const serve = (ms: number) => runAgent(agent, { ...common, node: 'responder', protocols: ['tcp', 'udp'], peers: [], listen: { host: '127.0.0.1', tcpPort: TCP_PORT, udpPort: UDP_PORT }, serveMs: ms });
  const responder = serve(DURATION_MS + 8000);
  await new Promise((r) => setTimeout(r, 1000));
  const plain = await prober();
  const served = await responder;
  // Again with confirmation: at a 0.5 % threshold no clean series is decided in 30 probes, so all of them
  // are confirmed, at the budget, for the whole of maxMs.
  const confirm: ConfirmPlan = { maxMs: 10_000, ratePerSecond: 10, maxProbesPerSecond: 200, maxProbesPerSeries: 300, rule: { threshold: 0.005, flagAt: 400, clearAt: 20 } };
  const confirmResponder = serve(DURATION_MS + confirm.maxMs + 8000);
  await new Promise((r) => setTimeout(r, 1000));
  const confirming = await prober(confirm);
  await confirmResponder;
  stopDns?.();
  rmSync(dir, { recursive: true, force: true });
  console.log(`agent, ${PEERS} peers × ${stopDns ? 'tcp/udp/dns' : 'tcp/udp (no dnsmasq: DNS not measured)'} at ${PLAN_DEFAULTS.ratePerSecond}/s for ${DURATION_MS / 1000} s`);
  console.log(`  ${describe('prober   ', plain)}; its latency floor: TCP connect p50 ${plain.result.latencyFloor?.tcpConnect.p50} ms, UDP echo p50 ${plain.result.latencyFloor?.udpEcho?.p50} ms`);
  console.log(`  ${describe('responder', served)} (answering ${PEERS} peers' TCP and UDP)`);
  console.log(`  ${describe('prober, then confirming', confirming)} (confirming at up to ${confirm.maxProbesPerSecond}/s for ${confirm.maxMs / 1000} s)`);
}

/** One matrix run through the same stages the CLI runs, against a fresh lab of `nodes` nodes. */
async function benchMatrix(nodes: number): Promise<void> {
  const lab = new LabSession();
  try {
    await lab.up('--nodes', String(nodes));
    const client = createKubeClient(loadKubeConfig({ kubeconfig: lab.kubeconfig }));
    const names = (await client.listNodes()).map((n) => n.metadata!.name!);
    const before = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    const runId = randomBytes(3).toString('hex');
    const windowMs = 10_000;
    const started = performance.now();
    const outcome = await runMatrix(client, { kind: 'pairs', pairs: allPairs(names) }, {
      runId, namespace: `netprobe-${runId}`, ownNamespace: true, namespaceLabels: {}, image: 'node:22-alpine', tolerations: [],
      paths: ['pod'], service: false, protocols: ['tcp', 'udp', 'dns'], durationMs: windowMs, ratePerSecond: 1,
      dnsNames: ['kubernetes.default.svc.cluster.local'], tcpPort: 7400, udpPort: 7401, startTimeoutMs: 60_000, keep: false,
    }, await agentCode(), { phase: () => {}, status: () => {}, warn: (t) => console.log(`  warning: ${t}`) }, new AbortController().signal);
    const wallMs = performance.now() - started;
    const after = await lab.labApi('/lab/v1/requests') as Record<string, number>;
    const requests = Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)] as const).filter(([, n]) => n > 0);
    const total = requests.reduce((sum, [, n]) => sum + n, 0);
    const cpu = outcome.measured.agents.map((r) => r.self.cpuMs / (Date.parse(r.endedAt) - Date.parse(r.startedAt)) * 100);
    const rss = outcome.measured.agents.map((r) => r.self.maxRssBytes / 2 ** 20);
    console.log(`matrix, ${nodes} nodes (${nodes * (nodes - 1)} pairs), 10 s window: ${(wallMs / 1000).toFixed(1)} s wall, overhead ${((wallMs - windowMs) / 1000).toFixed(1)} s; `
      + `${total} API requests (${(total / nodes).toFixed(1)} per node); probers: CPU max ${Math.max(...cpu).toFixed(1)} % of a core, peak RSS max ${Math.max(...rss).toFixed(1)} MiB`
      + `${outcome.noData.length ? `; no data from ${outcome.noData.length} node(s)` : ''}`);
    console.log(`  requests: ${requests.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  } finally {
    await lab.down();
  }
}

/**
 * Synthetic results parsed from JSON as collect would, then analysed and rendered:
 * 500 nodes with the default ring sample (a 500-node full mesh is 250k pairs, which
 * netprobe does not probe unless asked), and a 200-node full mesh for scale.
 */
function benchAnalysis(nodes: number, sample: number | null): void {
  const names = nodeNames(nodes);
  const pairs = sample === null ? allPairs(names) : sampleOnRing(names, sample);
  const noise = healthyNoise(7);
  const destinations = groupBy(pairs, (p) => p.source);
  const texts = names.map((source) => JSON.stringify(agentResult(source, [
    ...(['tcp', 'udp'] as const).flatMap((protocol) => (destinations.get(source) ?? []).map((p) => probeSeries(p.destination, protocol, noise(source, p.destination, protocol)))),
    probeSeries(RESOLVER, 'dns', noise(source, RESOLVER, 'dns')),
  ])));
  const results = texts.map((text, i) => parseAgentResult(text, `synthetic agent ${i}`));
  texts.length = 0;
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const started = performance.now();
  const report = analyse({ run: RUN, nodes: names.map((name) => ({ name })), results });
  const analysedMs = performance.now() - started;
  const table = renderTable(report, { color: false, width: 120 });
  const json = renderJson(report);
  const totalMs = performance.now() - started;
  console.log(`analysis, ${nodes} nodes, ${sample === null ? 'full mesh' : `--sample ${sample}`} (${pairs.length} pairs, ${report.pairs.length} pair rows): analyse ${(analysedMs / 1000).toFixed(2)} s, `
    + `with table and json ${(totalMs / 1000).toFixed(2)} s; RSS ${(rssBefore / 2 ** 20).toFixed(0)} → ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB `
    + `(inputs included; table ${table.length} chars, json ${(json.length / 2 ** 20).toFixed(1)} MiB, ${report.findings.length} findings)`);
}

/** A CLI run's figures, from its own last line on stderr (requests, 429s, analysis CPU, peak RSS) and the clock. */
interface ScaleRun {
  wallMs: number;
  requests: number;
  throttled: number;
  analysisCpuS: number;
  peakMiB: number;
  outputBytes: number;
  rosterKiB: number | null;
  /** Nodes reported without data (read from -o json; null for a table). */
  noData: number | null;
  /** The CLI's stderr lines, each with when it came. */
  phases: string[];
  /** From the probe window's end (the probers' planned start + the window) to "collecting results": when the last prober had finished. */
  windowToCollectS: number | null;
  /** CPU the lab's daemon (API stand-in, hollow kubelets and agents) spent during the run. */
  labCpuS: number;
}

/** `kubectl netprobe matrix` as a user runs it (its own process), its output (the default table, or -o json) to a file; each stderr line with when it came (s from the start). */
async function scaleRun(lab: LabSession, dir: string, cli: string, format: 'table' | 'json', args: string[], windowS: number): Promise<ScaleRun> {
  const out = join(dir, `report-${randomBytes(3).toString('hex')}.${format === 'json' ? 'json' : 'txt'}`);
  const daemon = labDaemonPid(lab);
  const labCpuBefore = cpuSecondsOf(daemon);
  const started = performance.now();
  let collectingAt: number | null = null;
  let windowEnd: number | null = null;
  const child = spawn(process.execPath, [cli, 'matrix', '-o', format, '--out', out, '--kubeconfig', lab.kubeconfig, ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const phases: string[] = [];
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      phases.push(`${((performance.now() - started) / 1000).toFixed(0)}s ${line.slice(0, 60)}`);
      if (line === 'collecting results') collectingAt = performance.now();
      // "probing from N pod(s) for 30s ... (56s to start them all)", or a start START_DELAY_MS away.
      if (line.startsWith('probing from ')) windowEnd = performance.now() + (Number(/\((\d+)s to start them all\)/.exec(line)?.[1] ?? START_DELAY_MS / 1000) + windowS) * 1000;
    }
    stderr += chunk;
  });
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  const run = { code, stderr };
  const wallMs = performance.now() - started;
  const labCpuS = cpuSecondsOf(daemon) - labCpuBefore;

  const cost = /^done: (\d+) API requests(?: \((\d+) answered 429[^)]*\))?; analysis and output ([\d.]+)s CPU; peak memory (\d+) MiB$/m.exec(run.stderr);
  if (run.code !== 0 || !cost) throw new Error(`matrix ${args.join(' ')} failed (exit ${run.code}):\n${run.stderr.slice(-3000)}`);
  const roster = /from the run's roster: \d+ nodes, (\d+) KiB/.exec(run.stderr);
  const report = format === 'json' ? JSON.parse(readFileSync(out, 'utf8')) as MatrixReport : null;
  return {
    wallMs, requests: Number(cost[1]), throttled: Number(cost[2] ?? 0), analysisCpuS: Number(cost[3]), peakMiB: Number(cost[4]),
    outputBytes: statSync(out).size, rosterKiB: roster ? Number(roster[1]) : null, noData: report && report.nodes.filter((n) => n.status !== 'ok').length, phases,
    windowToCollectS: windowEnd !== null && collectingAt !== null ? (collectingAt - windowEnd) / 1000 : null, labCpuS,
  };
}

function labDaemonPid(lab: LabSession): number {
  const state = readState(join(lab.dir, 'state'));
  if (!state) throw new Error(`no lab state in ${lab.dir}`);
  return state.daemonPid;
}

/** A process's user + system CPU from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on Linux). */
function cpuSecondsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * The default matrix (ring sample, TCP/UDP/DNS, 30 s, its table) on hollow labs of 100, 1,000
 * and 5,000 nodes with the control plane's default costs (100 pods/s bound, 100 requests/s per
 * client), then a 300-node full mesh: what the CLI costs beyond the window, and what bounds it.
 * Each lab runs it twice: as it is, and with -o json (the largest output, ~1 KB a pair).
 */
async function benchScale(): Promise<void> {
  const windowS = 30;
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bench-scale-'));
  // The CLI as users run it, the bundle (dist/kubectl-netprobe), not the sources through Node's
  // type stripping: those load ~300 modules and cost ~80 MiB more before any work is done.
  const cli = await buildCli(join(dir, 'bundle', 'kubectl-netprobe'));
  const timings: string[] = [];
  const rowOf = async (label: string, nodes: number, lab: LabSession, args: string[]) => {
    const run = (format: 'table' | 'json') => scaleRun(lab, dir, cli, format, ['--duration', `${windowS}s`, '--timeout', '5m', ...args], windowS);
    const r = await run('table');
    const json = await run('json');
    timings.push(`${label}: ${r.phases.join(' | ')}`);
    const line = `| ${label} | ${(r.wallMs / 1000).toFixed(0)} s | ${(r.wallMs / 1000 - windowS).toFixed(0)} s | ${r.windowToCollectS === null ? '-' : `${r.windowToCollectS.toFixed(0)} s`} | ${r.labCpuS.toFixed(0)} s `
      + `| ${r.requests} (${(r.requests / nodes).toFixed(2)}/node) | ${r.throttled} | ${r.peakMiB} MiB | ${r.analysisCpuS.toFixed(1)} s `
      + `| ${json.peakMiB} MiB, ${json.analysisCpuS.toFixed(1)} s, ${(json.outputBytes / 2 ** 20).toFixed(1)} MiB | ${r.rosterKiB === null ? '-' : `${r.rosterKiB} KiB`} |${json.noData ? ` ${json.noData} no-data` : ''}`;
    console.log(line);
  };
  console.log('| hollow lab | wall | beyond the 30 s window | window end → collecting | lab daemon CPU | API requests | 429s | CLI peak RSS | analysis + table CPU | with -o json: peak RSS, CPU, size | roster |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  try {
    for (const nodes of (process.env.BENCH_SCALE_NODES ?? '100,1000,5000').split(',').map(Number)) {
      const lab = new LabSession();
      try {
        await lab.up('--nodes', String(nodes), '--hollow');
        await rowOf(`${nodes} nodes, --sample 16`, nodes, lab, []);
      } finally {
        await lab.down();
      }
    }
    if (process.env.BENCH_SCALE_MESH === '0') return;
    const lab = new LabSession();
    try {
      await lab.up('--nodes', '300', '--hollow');
      await rowOf('300 nodes, full mesh (--sample 299)', 300, lab, ['--sample', '299']);
    } finally {
      await lab.down();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    console.log('\nwhere the time went (s from the start, the CLI\'s stderr):');
    for (const line of timings) console.log(`  ${line}`);
  }
}

/** Median and 90th percentile wall time of `runs` starts of a command, after one to warm the page cache. */
function startupMs(cmd: string, args: string[], runs = 20): { median: number; p90: number } {
  execFileSync(cmd, args, { stdio: 'ignore' });
  const times = Array.from({ length: runs }, () => {
    const started = performance.now();
    execFileSync(cmd, args, { stdio: 'ignore' });
    return performance.now() - started;
  }).sort((a, b) => a - b);
  return { median: times[Math.floor(runs / 2)], p90: times[Math.floor(runs * 0.9)] };
}

async function benchStartup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bench-startup-'));
  try {
    const bundle = await buildCli(join(dir, 'bundle', 'kubectl-netprobe'));
    const { archives } = await release({ outDir: join(dir, 'release'), manifestPath: join(dir, 'krew-plugin.yaml'), fetch: true });
    for (const a of archives) console.log(`archive ${a.platform.name}: ${(a.bytes / 2 ** 20).toFixed(1)} MiB`);
    const host = archives.find((a) => a.platform.node === `${process.platform}-${process.arch}`)!;
    execFileSync('tar', ['-xzf', host.file, '-C', dir]);
    const format = ({ median, p90 }: { median: number; p90: number }) => `median ${median.toFixed(0)} ms, p90 ${p90.toFixed(0)} ms`;
    console.log(`--version, standalone ${host.platform.name} executable: ${format(startupMs(join(dir, 'kubectl-netprobe'), ['--version']))}`);
    console.log(`--version, Node bundle (node ${process.version}): ${format(startupMs(process.execPath, [bundle, '--version']))}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// `npm run bench -- truth -- --confirm 20s`: what follows the second `--` is for the matrix runs.
const args = process.argv.slice(2);
const sections = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
const passThrough = args.includes('--') ? args.slice(args.indexOf('--') + 1) : [];
const wanted = (name: string) => sections.length === 0 || sections.includes(name);
if (wanted('agent')) await benchAgent();
if (wanted('matrix')) {
  if (process.getuid?.() !== 0) console.log('matrix: skipped, the lab needs root');
  else for (const nodes of [4, 10, 20]) await benchMatrix(nodes);
}
if (wanted('analysis')) {
  benchAnalysis(500, DEFAULT_SAMPLE);
  benchAnalysis(200, null);
}
if (wanted('startup')) await benchStartup();
if (sections.includes('truth')) await benchTruth(passThrough);
// Not in the default set: it brings up labs of up to 5,000 hollow nodes.
if (sections.includes('scale')) await benchScale();
