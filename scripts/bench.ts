// npm run bench: figures, not pass/fail. Prints what the agent costs at the
// default rate while probing 50 peers × TCP/UDP/DNS (target: ≤ 5 % of one core,
// ≤ 80 MiB RSS), measured on loopback with the real agent processes and a real dnsmasq.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildAgent } from './build.ts';
import type { AgentResult } from '../src/shared/agent-result.ts';
import { PLAN_DEFAULTS, PROBE_DEFAULTS, type AgentPlan } from '../src/shared/plan.ts';

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
    resolve({ result: JSON.parse(out) as AgentResult, wallMs: performance.now() - started });
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
  return `${label}: ${probes} probes in ${(wallMs / 1000).toFixed(1)} s wall, CPU ${result.self.cpuMs.toFixed(0)} ms = ${cpuPercent.toFixed(2)} % of one core, peak RSS ${(result.self.maxRssBytes / 2 ** 20).toFixed(1)} MiB`;
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
  // One responder stands in for 50 peers: the prober's cost does not depend on how many processes answer.
  const responder = runAgent(agent, { ...common, node: 'responder', protocols: ['tcp', 'udp'], peers: [], listen: { host: '127.0.0.1', tcpPort: TCP_PORT, udpPort: UDP_PORT }, serveMs: DURATION_MS + 8000 });
  await new Promise((r) => setTimeout(r, 1000));
  const peers = Array.from({ length: PEERS }, (_, i) => ({ node: `peer-${i}`, ip: '127.0.0.1', tcpPort: TCP_PORT, udpPort: UDP_PORT, path: 'pod' as const }));
  const prober = await runAgent(agent, {
    ...common, node: 'prober', protocols: stopDns ? ['tcp', 'udp', 'dns'] : ['tcp', 'udp'], peers,
    dns: { server: '127.0.0.1', port: DNS_PORT, names: ['kubernetes.default.svc.cluster.local'], queryTimeoutMs: 2000, resolverTimeoutMs: 5000, resolverAttempts: 2 },
  });
  const served = await responder;
  stopDns?.();
  rmSync(dir, { recursive: true, force: true });
  console.log(`agent, ${PEERS} peers × ${stopDns ? 'tcp/udp/dns' : 'tcp/udp (no dnsmasq: DNS not measured)'} at ${PLAN_DEFAULTS.ratePerSecond}/s for ${DURATION_MS / 1000} s`);
  console.log(`  ${describe('prober   ', prober)}`);
  console.log(`  ${describe('responder', served)} (answering ${PEERS} peers' TCP and UDP)`);
}

await benchAgent();
