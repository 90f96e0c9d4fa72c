// npm run bench -- truth [-- MATRIX FLAGS…]: how often `kubectl netprobe matrix` tells the truth
// about a fault placed at random on a real lab (issue 9 part 2). Figures, not pass/fail.
//
// Trials: each picks, from a seeded generator (BENCH_TRUTH_SEED; printed), a kind (syn-drop,
// udp-loss, dns-drop, blackhole --percent, slow), a size band uniformly (2–4, 5–9, 10–19, 20–40 %),
// a whole percent within it, and a directed pair of nodes (dns-drop: a node; the lab's fault
// drops that node's queries to any DNS server). slow is the lab's rate limit (HTB; the lab has no
// netem): it has a rate, no loss size, and is reported on rows of its own, outside the goals.
// The built plugin runs through the real kubectl as a user runs it, `kubectl netprobe matrix -o
// json` at its defaults (30 s; for BENCH_TRUTH_LONG_TRIALS of the trials `--duration 5m`), plus
// `--keep` so the probers' own results can be read afterwards for their `decidedAfterMs` (the
// report does not carry it), then `kubectl netprobe cleanup`. Flags after a second `--` are
// passed to every run (e.g. `-- --confirm 20s`).
//
// What counts (scripts/truth-score.ts says it exactly): a trial detects its fault when the
// faulty pair's verdict is 'flagged' (either direction for the round-trip kinds; a → b TCP for
// syn-drop; a's DNS pair for dns-drop) and, for UDP, no loss finding on it names a wrong
// direction; udp-loss must have one naming the right one. A flag on any pair the fault cannot
// touch is a false flag (and, without the right one, a miss). Detection rates carry a 95 % Wilson
// interval (src/analyse/wilson.ts): with a few trials per row they are wide, and say so.
//
// Time to a verdict: the agent's decidedAfterMs of the faulty series (ms from probing start
// until its stopping rule decided), when the CLI gave the agents a rule (plan.confirm); else
// "not judged". Wall: the CLI's whole run.
//
// Trials run on BENCH_TRUTH_LABS labs at once (default 2, each BENCH_TRUTH_NODES = 5 nodes, up
// once, faults cleared between trials), so the 5-minute trials fit beside the short ones. A trial
// waits while the machine's gc_thresh3 is below its value at the start (another lab's
// neigh-overflow fault lowers it for everyone) or its load is over BENCH_TRUTH_MAX_LOAD; a run
// during which gc_thresh3 drops is stopped, and one that left a node without data (the lab's pods
// did not get ready) is not scored: both are run again later. A run that failed otherwise is run
// again later, twice at most, then left out and counted. After any of these the lab is replaced.
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { wilsonInterval } from '../src/analyse/wilson.ts';
import { readDocuments } from '../src/collect/documents.ts';
import { LABEL_ROLE } from '../src/deploy/labels.ts';
import { createKubeClient, loadKubeConfig } from '../src/kube/client-node.ts';
import type { AgentResult } from '../src/shared/agent-result.ts';
import { countOf, formatPercent } from '../src/shared/format.ts';
import type { MatrixReport } from '../src/shared/report.ts';
import { seededRandom } from '../test/support/agent-results.ts';
import { kubectlPath } from '../test/support/kubectl.ts';
import { LabSession } from '../test/support/lab-session.ts';
import { buildCli } from './build.ts';
import { FAULT_KINDS, pairRole, scoreTrial, type TrialScore, type TruthFault } from './truth-score.ts';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const SETTINGS = {
  shortTrials: env('BENCH_TRUTH_TRIALS', 24),
  longTrials: env('BENCH_TRUTH_LONG_TRIALS', 6),
  longDuration: process.env.BENCH_TRUTH_LONG_DURATION ?? '5m',
  seed: env('BENCH_TRUTH_SEED', Math.floor(Math.random() * 2 ** 31)),
  nodes: env('BENCH_TRUTH_NODES', 5),
  labs: env('BENCH_TRUTH_LABS', 2),
  maxLoad: env('BENCH_TRUTH_MAX_LOAD', 20),
  /** One JSON line per trial (fault, score, times, the kube-dns nodes and the report), for a closer look. */
  out: process.env.BENCH_TRUTH_OUT,
};
const RETRIES = 2;
/** Size bands (whole percent, inclusive): the goals are stated at 2 % and 10 %. */
const BANDS = [[2, 4], [5, 9], [10, 19], [20, 40]] as const;
/** slow's rates, kbit/s: the probes' 16 KiB TCP payloads at 1/s already offer ~130 kbit/s per pair. */
const SLOW_RATES = [250, 500, 1000, 2000];
const GC_THRESH3 = '/proc/sys/net/ipv4/neigh/default/gc_thresh3';

const GOALS = { shortDetection: 0.95, shortFromPercent: 10, longDetection: 0.95, longFromPercent: 2 };

interface Trial {
  index: number;
  fault: TruthFault;
  /** undefined: the CLI's default (30 s). */
  duration?: string;
  attempt: number;
}

interface TrialRecord {
  trial: Trial;
  score: TrialScore;
  /** The faulty series' earliest decidedAfterMs; null: never decided; undefined: the agents were given no rule. */
  decidedAfterMs: number | null | undefined;
  wallMs: number;
  /** The faulty pairs as the report judged them: 'a -> b udp flagged, 5/31 lost', for a look at the misses. */
  targetPairs: string[];
}

const nodeNames = (n: number) => Array.from({ length: n }, (_, i) => `node${i + 1}`);

export function planTrials(seed: number, short: number, long: number, longDuration: string, nodes: readonly string[]): Trial[] {
  const random = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)];
  const fault = (): TruthFault => {
    const kind = pick(FAULT_KINDS);
    const from = pick(nodes);
    const to = pick(nodes.filter((n) => n !== from));
    if (kind === 'slow') return { kind, from, to, rateKbit: pick(SLOW_RATES) };
    const [lo, hi] = pick(BANDS);
    const percent = lo + Math.floor(random() * (hi - lo + 1));
    return kind === 'dns-drop' ? { kind, from, percent } : { kind, from, to, percent };
  };
  const trials = Array.from({ length: short + long }, (_, index): Trial => ({ index, fault: fault(), attempt: 0, ...(index >= short && { duration: longDuration }) }));
  // The long ones spread among the short ones, so a bench cut short (Ctrl-C) has measured some of each.
  const spread = (t: Trial) => (t.duration ? (t.index - short + 0.5) / long : (t.index + 0.5) / short);
  return trials.sort((a, b) => spread(a) - spread(b));
}

function faultArgs(f: TruthFault): string[] {
  return ['--kind', f.kind, '--from', f.from, ...(f.to ? ['--to', f.to] : []),
    ...(f.percent !== undefined ? ['--percent', String(f.percent)] : []), ...(f.rateKbit !== undefined ? ['--rate', String(f.rateKbit)] : [])];
}

const describeFault = (f: TruthFault) => `${f.kind} ${f.from}${f.to ? ` → ${f.to}` : ''} ${f.rateKbit !== undefined ? `${f.rateKbit} kbit/s` : `${f.percent} %`}`;

const readGcThresh3 = () => Number(readFileSync(GC_THRESH3, 'utf8'));

/**
 * Until the machine is fit for a trial: another lab's neigh-overflow fault has given gc_thresh3
 * back (it lowers it for the whole machine), and the load is under BENCH_TRUTH_MAX_LOAD (the lab
 * kubelet's readiness probe forks `ip netns exec … bash` with a 1 s timeout: on a machine at a
 * load of ~100 it never passes, and no responder gets ready).
 */
async function machineReady(baseline: number, lab: string): Promise<void> {
  const why = () => (readGcThresh3() < baseline ? `gc_thresh3 is ${readGcThresh3()}, under its ${baseline} at the start (another lab's neigh-overflow fault)`
    : loadavg()[0] > SETTINGS.maxLoad ? `the load average is ${loadavg()[0].toFixed(0)}, over ${SETTINGS.maxLoad}` : null);
  const reason = why();
  if (reason === null) return;
  console.log(`  ${lab}: ${reason}: waiting`);
  while (why() !== null && !interrupted) await new Promise((r) => setTimeout(r, 2000));
}

/** The children and labs to stop on Ctrl-C. */
const running = new Set<ChildProcess>();
let interrupted = false;

/** Runs a command to its end; past `timeoutMs` or on `stop` it gets a SIGINT (the plugin then removes its pods itself). */
function run(cmd: string, args: string[], envVars: NodeJS.ProcessEnv, timeoutMs: number, stop?: AbortSignal): Promise<{ code: number; stdout: string; stderr: string }> {
  const child = spawn(cmd, args, { env: { ...process.env, ...envVars }, stdio: ['ignore', 'pipe', 'pipe'] });
  stop?.addEventListener('abort', () => child.kill('SIGINT'));
  // Ctrl-C came while this was being started: it does not wait for the next one.
  if (interrupted) child.kill('SIGINT');
  running.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGINT'), timeoutMs);
  return new Promise((resolve) => child.on('close', (code) => {
    clearTimeout(timer);
    running.delete(child);
    resolve({ code: code ?? 1, stdout, stderr });
  }));
}

/** One lab and the plugin built for it, run through the real kubectl. */
class TruthLab {
  /** Replaced by a fresh lab after a run that went wrong (a lowered gc_thresh3 has left labs with responders that never got ready). */
  session = new LabSession();
  readonly name: string;
  /** The built plugin first, then the project's Node (the plugin's `#!/usr/bin/env node`). */
  private readonly path: string;

  constructor(name: string, binDir: string) {
    this.name = name;
    this.path = `${binDir}:${dirname(process.execPath)}:${process.env.PATH}`;
  }

  async up(nodes: number): Promise<Set<string>> {
    await this.session.up('--nodes', String(nodes));
    const client = createKubeClient(loadKubeConfig({ kubeconfig: this.session.kubeconfig }));
    const dns = await client.listPods('kube-system', 'k8s-app=kube-dns');
    return new Set(dns.items.map((p) => p.spec!.nodeName!));
  }

  async renew(nodes: number): Promise<Set<string>> {
    await this.session.down();
    this.session = new LabSession();
    return this.up(nodes);
  }

  netprobe(args: string[], timeoutMs: number, stop?: AbortSignal) {
    return run(kubectlPath(), ['netprobe', ...args, '--kubeconfig', this.session.kubeconfig], { PATH: this.path, NO_COLOR: '1' }, timeoutMs, stop);
  }

  /** The probers' final results, as --keep left them. */
  async proberResults(namespace: string): Promise<AgentResult[]> {
    const client = createKubeClient(loadKubeConfig({ kubeconfig: this.session.kubeconfig }));
    const pods = await client.listPods(namespace, `${LABEL_ROLE}=prober`);
    return Promise.all(pods.items.map(async (pod) => readDocuments(await client.podLogs(namespace, pod.metadata!.name!)).complete.at(-1) as unknown as AgentResult));
  }
}

const durationMs = (text: string) => {
  const m = /^(\d+)(s|m)$/.exec(text);
  if (!m) throw new Error(`BENCH_TRUTH_LONG_DURATION: say e.g. 5m or 90s, not ${text}`);
  return Number(m[1]) * (m[2] === 'm' ? 60_000 : 1000);
};

/** The faulty series' earliest decision (see TrialRecord.decidedAfterMs). */
function faultyDecidedAfterMs(results: readonly AgentResult[], fault: TruthFault, dnsNodes: ReadonlySet<string>): number | null | undefined {
  const series = results.flatMap((r) => r.series.map((s) => ({ ...s, source: r.node })))
    .filter((s) => pairRole(s, fault, dnsNodes) === 'target' && s.decidedAfterMs !== undefined);
  if (series.length === 0) return undefined;
  const decided = series.map((s) => s.decidedAfterMs).filter((ms): ms is number => ms !== null);
  return decided.length ? Math.min(...decided) : null;
}

/** retry: the run failed (counted against RETRIES); disturbed: the lab's trouble, not the run's (gc_thresh3 lowered meanwhile, pods that never got ready): always run again. */
type TrialOutcome = { record: TrialRecord; report: MatrixReport } | { retry: string; disturbed?: true };

async function runTrial(lab: TruthLab, trial: Trial, dnsNodes: ReadonlySet<string>, passThrough: string[], gcBaseline: number): Promise<TrialOutcome> {
  await machineReady(gcBaseline, lab.name);
  if (interrupted) return { retry: 'interrupted', disturbed: true };
  await lab.session.lab('fault', 'clear');
  await lab.session.fault(...faultArgs(trial.fault));
  // A run during which it is lowered is stopped at once, and run again later.
  let lowestGcThresh = readGcThresh3();
  const disturbed = new AbortController();
  const watch = setInterval(() => {
    lowestGcThresh = Math.min(lowestGcThresh, readGcThresh3());
    if (lowestGcThresh < gcBaseline) disturbed.abort();
  }, 200);
  const windowMs = durationMs(trial.duration ?? '30s');
  const started = performance.now();
  const result = await lab.netprobe(['matrix', '-o', 'json', '--keep', ...(trial.duration ? ['--duration', trial.duration] : []), ...passThrough], windowMs + 240_000, disturbed.signal);
  const wallMs = performance.now() - started;
  clearInterval(watch);
  await lab.session.lab('fault', 'clear');
  try {
    if (lowestGcThresh < gcBaseline) return { retry: `gc_thresh3 fell to ${lowestGcThresh} during the run (another lab's neigh-overflow fault): stopped`, disturbed: true };
    if (result.code !== 0) return { retry: `the run exited ${result.code}: ${result.stderr.trim().split('\n').at(-1)}` };
    const report = JSON.parse(result.stdout) as MatrixReport;
    // A node without data as a source or as a destination leaves its pairs out: not a run to score.
    const noData = report.nodes.flatMap((n) => [
      ...(n.status === 'ok' ? [] : [`${n.name} (${n.noDataReason})`]),
      ...(n.paths ?? []).filter((p) => p.destinationNoData).map((p) => `${n.name} as a destination (${p.destinationNoData})`),
    ]);
    // The lab's, not netprobe's: its pods did not get ready (an overloaded machine) or died.
    if (noData.length) return { retry: `no data from ${noData.join(', ')}`, disturbed: true };
    const results = await lab.proberResults(String(report.run.settings.namespace ?? `netprobe-${report.run.id}`));
    const targetPairs = report.pairs.filter((p) => pairRole(p, trial.fault, dnsNodes) === 'target')
      .map((p) => `${p.source} -> ${p.destination} ${p.protocol} ${p.verdict}, ${p.attempts - p.successes}/${p.attempts} lost${p.synLoss?.ratio ? `, SYN loss ${formatPercent(p.synLoss.ratio)}` : ''}${p.flags.length ? ` (${p.flags.join(', ')})` : ''}`);
    return { report, record: { trial, score: scoreTrial(report, trial.fault, dnsNodes), decidedAfterMs: faultyDecidedAfterMs(results, trial.fault, dnsNodes), wallMs, targetPairs } };
  } finally {
    await lab.netprobe(['cleanup'], 60_000);
  }
}

function describeRecord({ trial, score, decidedAfterMs, wallMs, targetPairs }: TrialRecord): string {
  const parts = [
    score.detected ? 'detected' : `missed (faulty pair ${score.target}: ${targetPairs.join('; ')})`,
    ...(score.direction ? [`UDP direction ${score.direction}`] : []),
    score.falseFlags ? `false flags: ${score.falseFlagged.join(', ')}` : `no false flag of ${score.cleanJudged} clean pairs`,
    decidedAfterMs === undefined ? 'not judged by the agent' : decidedAfterMs === null ? 'never decided by the agent' : `decided after ${(decidedAfterMs / 1000).toFixed(1)} s`,
    `${(wallMs / 1000).toFixed(0)} s wall`,
  ];
  return `trial ${trial.index + 1} ${describeFault(trial.fault)} ${trial.duration ?? '30s'}: ${parts.join('; ')}`;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const seconds = (ms: number | null) => (ms === null ? '—' : `${(ms / 1000).toFixed(1)} s`);

function rate(k: number, n: number): string {
  if (n === 0) return '—';
  const { low, high } = wilsonInterval(k, n);
  return `${k}/${n} = ${formatPercent(k / n)} [${formatPercent(low)}, ${formatPercent(high)}]`;
}

function band(f: TruthFault): string {
  if (f.rateKbit !== undefined) return `${f.rateKbit} kbit/s`;
  const [lo, hi] = BANDS.find(([lo, hi]) => f.percent! >= lo && f.percent! <= hi)!;
  return `${lo}–${hi} %`;
}

function decisionTime(records: readonly TrialRecord[]): string {
  const judged = records.filter((r) => r.decidedAfterMs !== undefined);
  if (judged.length === 0) return 'not judged';
  const decided = judged.map((r) => r.decidedAfterMs).filter((ms): ms is number => ms !== null);
  return `${seconds(median(decided))}${decided.length < judged.length ? ` (${judged.length - decided.length} never)` : ''}`;
}

function row(cells: string[], widths: number[]): string {
  return cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
}

function printTable(records: readonly TrialRecord[]): void {
  const groups = new Map<string, TrialRecord[]>();
  // Short runs first, then by kind, then by size (or slow's rate).
  const rank = (r: TrialRecord) => [r.trial.duration ? 1 : 0, FAULT_KINDS.indexOf(r.trial.fault.kind), r.trial.fault.rateKbit ?? r.trial.fault.percent!];
  const byRank = (a: TrialRecord, b: TrialRecord) => {
    const [x, y] = [rank(a), rank(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  };
  for (const r of [...records].sort(byRank)) {
    const key = `${r.trial.duration ?? '30s'}|${r.trial.fault.kind}|${band(r.trial.fault)}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const header = ['duration', 'kind', 'size', 'trials', 'detected [95 % Wilson]', 'inconcl.', 'clear', 'dir. wrong', 'false flags / clean pairs', 'clean inconcl.', 'verdict p50', 'wall p50'];
  const lines = [...groups].map(([key, rs]) => {
    const [duration, kind, size] = key.split('|');
    const clean = rs.reduce((n, r) => n + r.score.cleanJudged, 0);
    return [duration, kind, size, String(rs.length), rate(rs.filter((r) => r.score.detected).length, rs.length),
      String(rs.filter((r) => r.score.target === 'inconclusive').length), String(rs.filter((r) => r.score.target === 'clear').length),
      String(rs.filter((r) => r.score.direction === 'wrong').length),
      `${rs.reduce((n, r) => n + r.score.falseFlags, 0)}/${clean}`,
      clean ? formatPercent(rs.reduce((n, r) => n + r.score.cleanInconclusive, 0) / clean) : '—',
      decisionTime(rs), seconds(median(rs.map((r) => r.wallMs)))];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  console.log(row(header, widths));
  for (const l of lines) console.log(row(l, widths));
}

function printGoals(records: readonly TrialRecord[], longDuration: string): void {
  const sized = records.filter((r) => r.trial.fault.percent !== undefined);
  const goal = (label: string, rs: TrialRecord[], target: number) => {
    const k = rs.filter((r) => r.score.detected).length;
    if (rs.length === 0) return console.log(`  ${label}: goal ≥ ${formatPercent(target)}; no such trial`);
    const { low } = wilsonInterval(k, rs.length);
    const verdict = k / rs.length < target ? 'MISSED' : low < target ? `met by the point estimate; ${countOf(rs.length, 'trial')} cannot show it at 95 % confidence (lower bound ${formatPercent(low)})` : 'met';
    console.log(`  ${label}: goal ≥ ${formatPercent(target)}; measured ${rate(k, rs.length)}: ${verdict}`);
  };
  goal(`30 s, faults ≥ ${GOALS.shortFromPercent} %`, sized.filter((r) => !r.trial.duration && r.trial.fault.percent! >= GOALS.shortFromPercent), GOALS.shortDetection);
  goal(`--duration ${longDuration}, faults ≥ ${GOALS.longFromPercent} %`, sized.filter((r) => r.trial.duration && r.trial.fault.percent! >= GOALS.longFromPercent), GOALS.longDetection);
  const falseFlags = records.reduce((n, r) => n + r.score.falseFlags, 0);
  const clean = records.reduce((n, r) => n + r.score.cleanJudged, 0);
  const withFalse = records.filter((r) => r.score.falseFlags > 0);
  console.log(`  no clean pair flagged over every trial: ${falseFlags} of ${clean} clean pairs flagged in ${withFalse.length} of ${records.length} trials `
    + `(${rate(falseFlags, clean)}): ${falseFlags === 0 ? 'met' : 'MISSED'}`);
}

export async function benchTruth(passThrough: string[]): Promise<void> {
  if (process.getuid?.() !== 0) return console.log('truth: skipped, the lab needs root');
  const { shortTrials, longTrials, longDuration, seed, nodes, labs: labCount, out } = SETTINGS;
  durationMs(longDuration);
  const queue = planTrials(seed, shortTrials, longTrials, longDuration, nodeNames(nodes));
  console.log(`truth: seed ${seed}; ${shortTrials} trials at the default 30 s and ${longTrials} at --duration ${longDuration}, on ${countOf(labCount, 'lab')} of ${nodes} nodes`
    + `${passThrough.length ? `; matrix flags: ${passThrough.join(' ')}` : ''} (BENCH_TRUTH_SEED, BENCH_TRUTH_TRIALS, BENCH_TRUTH_LONG_TRIALS, BENCH_TRUTH_LONG_DURATION, BENCH_TRUTH_NODES, BENCH_TRUTH_LABS, BENCH_TRUTH_MAX_LOAD)`);
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-bench-truth-'));
  const labs = Array.from({ length: labCount }, (_, i) => new TruthLab(`lab ${i + 1}`, join(dir, 'bin')));
  const records: TrialRecord[] = [];
  const leftOut: string[] = [];
  const onSigint = () => {
    interrupted = true;
    console.log('truth: interrupted; stopping the runs and bringing the labs down');
    for (const child of running) child.kill('SIGINT');
  };
  process.on('SIGINT', onSigint);
  const started = performance.now();
  try {
    await buildCli(join(dir, 'bin', 'kubectl-netprobe'));
    const gcBaseline = readGcThresh3();
    const lane = async (lab: TruthLab) => {
      let dnsNodes = await lab.up(nodes);
      for (let trial = queue.shift(); trial && !interrupted; trial = queue.shift()) {
        const outcome = await runTrial(lab, trial, dnsNodes, passThrough, gcBaseline);
        if (interrupted) break;
        if ('retry' in outcome) {
          const what = `trial ${trial.index + 1} ${describeFault(trial.fault)}: ${outcome.retry}`;
          if (outcome.disturbed || trial.attempt < RETRIES) {
            console.log(`  ${lab.name}: ${what}; again later`);
            queue.push({ ...trial, attempt: trial.attempt + (outcome.disturbed ? 0 : 1) });
          } else leftOut.push(what);
          dnsNodes = await lab.renew(nodes);
          continue;
        }
        records.push(outcome.record);
        console.log(`  ${lab.name}: ${describeRecord(outcome.record)}`);
        if (out) appendFileSync(out, `${JSON.stringify({ ...outcome.record, dnsNodes: [...dnsNodes], report: outcome.report })}\n`);
      }
    };
    // Every lab is brought down whatever the others did.
    const lanes = await Promise.allSettled(labs.map(lane));
    for (const l of lanes) if (l.status === 'rejected') console.log(`  a lab failed: ${l.reason instanceof Error ? l.reason.message : l.reason}`);
  } finally {
    for (const lab of labs) await lab.session.down().catch((err: Error) => console.log(`  ${lab.name}: ${err.message}`));
    rmSync(dir, { recursive: true, force: true });
    process.off('SIGINT', onSigint);
  }
  console.log(`truth: ${interrupted ? 'interrupted; what was measured: ' : ''}${records.length} trials in ${((performance.now() - started) / 60_000).toFixed(1)} min${leftOut.length ? `; left out after ${RETRIES + 1} attempts: ${leftOut.join('; ')}` : ''}`);
  printTable(records);
  console.log('goals (issue 9):');
  printGoals(records, longDuration);
  if (interrupted) process.exit(130);
}
