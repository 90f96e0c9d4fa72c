// `npm run lab -- up | down | status | fault add | fault clear`: the lab's command line.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { randomInt } from 'node:crypto';
import { IS_ROOT } from '../support/netns.ts';
import { hollowPodBlockSize } from './addresses.ts';
import { NO_COSTS, UPSTREAM_COSTS, type ControlPlaneCosts } from './api/flow-control.ts';
import { activeHollowFaults, addHollowFault, clearHollowFaults, HOLLOW_FAULT_KINDS } from './hollow/faults.ts';
import { hollowAddressing } from './hollow/lab.ts';
import { parseByteSize, validateLabOptions } from './lab.ts';
import { FAULT_KINDS, addFaults, clearFaults, faultTarget, listFaults, type Fault, type FaultFamily, type FaultKind } from './net/faults.ts';
import { nodeAddressing, parseKernelVersions } from './net/topology.ts';
import { ensurePrerequisites } from './prerequisites.ts';
import { labDir, readState, type LabState, type Overlay } from './state.ts';
import { down, isAlive } from './teardown.ts';

const READY_TIMEOUT_MS = 60_000;
/** A hollow lab of 5,000 nodes starts its 5,313 system pods before it is up. */
const HOLLOW_READY_TIMEOUT_MS = 180_000;
const ROOTLESS_NOTE = 'without root: pods are plain processes on 127.0.0.0/8 addresses; no Service DNAT, cluster DNS or faults (they need network namespaces and nftables)';
const HOLLOW_NOTE = 'hollow: a simulation of the control plane and the network; no processes run and no packet is sent, agents\' results come from the lab\'s network model and its faults';
/** Status lists every node up to this many; beyond, their ranges. */
const STATUS_NODE_LIST_MAX = 50;
const USAGE = `usage: npm run lab -- <command>
  up --nodes N [--overlay vxlan|routed] [--kubeconfig PATH] [--tainted K] [--kernel NODE=VERSION ...] [--container-log-max-size SIZE] [--ipv6]
     [--hollow [--seed S]] [--scheduler-qps Q] [--api-qps Q] [--api-burst B] [--api-latency MS]
    (--kernel: the kernel version the API reports for NODE, e.g. node3=6.12.0-canary;
     --container-log-max-size: where the kubelets rotate containers' logs, default 10Mi as the kubelet's;
     --ipv6: dual-stack, IPv6 nodes and pods in 2001:db8::/32 beside IPv4 (vxlan overlay, as root);
     --hollow: up to 5000 simulated nodes (IPv4), no root needed; --seed: every run draws the same;
     the control plane's costs: the hollow lab's default to upstream's (${describeCosts(UPSTREAM_COSTS)}), the real lab's to none; 0 = none)
  down
  status
  fault add --kind ${FAULT_KINDS.join('|')} --from NODE [--to NODE] [--percent P] [--mtu BYTES] [--rate KBIT] [--qps Q] [--family ipv4|ipv6]
    (bird-stop: routed labs only; fdb-flush: vxlan labs only;
     neigh-overflow: no --from, machine-wide (lowers the host's gc_thresh1/2/3, restored by clear and down);
     --from '*': the fault from every node at once;
     hollow labs: ${HOLLOW_FAULT_KINDS.join('|')}, and --from/--to '*' for every node)
  fault clear
The lab lives in $NETPROBE_LAB_DIR (default ${labDir()}).`;

function describeCosts(costs: ControlPlaneCosts): string {
  const parts = [
    costs.schedulerQps ? `scheduler ${costs.schedulerQps} pods/s` : 'scheduler unpaced',
    costs.clientQps ? `${costs.clientQps} requests/s per client (burst ${costs.clientBurst}), then 429` : 'no client budget',
    costs.requestLatencyMs ? `${costs.requestLatencyMs} ms per request` : 'no added latency',
  ];
  return parts.join(', ');
}

const describeFault = (fault: Fault | object): string => Object.entries(fault).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ');

/** A flag that must be a whole number >= 0. */
function count(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${flag} must be a whole number >= 0, not ${value}`);
  return n;
}

function runningLab(dir: string): LabState {
  const state = readState(dir);
  if (!state || !isAlive(state.daemonPid)) throw new Error('no lab is up (start one with: npm run lab -- up --nodes N)');
  return state;
}

async function up(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      nodes: { type: 'string' }, overlay: { type: 'string', default: 'vxlan' }, kubeconfig: { type: 'string' }, tainted: { type: 'string', default: '0' },
      kernel: { type: 'string', multiple: true, default: [] },
      'container-log-max-size': { type: 'string' },
      ipv6: { type: 'boolean', default: false },
      hollow: { type: 'boolean', default: false }, seed: { type: 'string' },
      'scheduler-qps': { type: 'string' }, 'api-qps': { type: 'string' }, 'api-burst': { type: 'string' }, 'api-latency': { type: 'string' },
    },
    strict: true,
  });
  if (values.nodes === undefined) throw new Error('up needs --nodes N');
  if (values.ipv6 && values.hollow) throw new Error('--ipv6 and --hollow do not go together: the hollow lab\'s nodes and pods are IPv4 only');
  if (values.ipv6 && !IS_ROOT) throw new Error('--ipv6 needs root: IPv6 addresses live in the lab\'s network namespaces');
  if (values.ipv6 && values.overlay !== 'vxlan') throw new Error('--ipv6 needs --overlay vxlan (the routed overlay\'s BGP announces IPv4 only)');
  if (values['container-log-max-size'] !== undefined) parseByteSize(values['container-log-max-size'], '--container-log-max-size');
  if (values.seed !== undefined && !values.hollow) throw new Error('--seed is for hollow labs (--hollow): the real lab\'s network is not drawn');
  const seed = count(values.seed, '--seed');
  const hollow = values.hollow ? { seed: seed ?? randomInt(2 ** 31), fixedSeed: seed !== undefined } : undefined;
  const options = { nodes: Number(values.nodes), overlay: values.overlay as Overlay, tainted: Number(values.tainted), hollow };
  validateLabOptions(options);
  const defaults = hollow ? UPSTREAM_COSTS : NO_COSTS;
  const clientQps = count(values['api-qps'], '--api-qps') ?? defaults.clientQps;
  const costs: ControlPlaneCosts = {
    schedulerQps: count(values['scheduler-qps'], '--scheduler-qps') ?? defaults.schedulerQps,
    clientQps,
    clientBurst: count(values['api-burst'], '--api-burst') ?? (values['api-qps'] === undefined ? defaults.clientBurst : 2 * clientQps),
    requestLatencyMs: count(values['api-latency'], '--api-latency') ?? defaults.requestLatencyMs,
  };
  if (IS_ROOT && !hollow) ensurePrerequisites(options.overlay);
  parseKernelVersions(values.kernel, nodeAddressing('', options.nodes, true));
  const dir = labDir();
  const existing = readState(dir);
  if (existing && isAlive(existing.daemonPid)) {
    if (values.kernel.length) throw new Error('a lab is already up; --kernel applies when a lab starts: run `npm run lab -- down` first');
    const same = existing.nodes === options.nodes && existing.overlay === options.overlay && existing.tainted === options.tainted && !!existing.ipv6 === values.ipv6 && !!existing.hollow === !!hollow;
    if (same) {
      process.stdout.write(`the lab is already up (${existing.nodes} ${existing.hollow ? 'hollow ' : ''}nodes, ${existing.overlay}); kubeconfig: ${existing.kubeconfig}\n`);
      return;
    }
    throw new Error(`a lab with ${existing.nodes} ${existing.hollow ? 'hollow ' : ''}nodes (${existing.overlay}, ${existing.tainted} tainted) is already up; run \`npm run lab -- down\` first`);
  }
  if (existing) {
    process.stdout.write('a previous lab\'s daemon died; removing what it left\n');
    await down(dir);
  }
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  const kubeconfig = values.kubeconfig ?? join(dir, 'kubeconfig');
  const logFile = join(dir, 'daemon.log');
  const log = openSync(logFile, 'w');
  const started = Date.now();
  const daemon = spawn(process.execPath, [
    fileURLToPath(new URL('./daemon.ts', import.meta.url)),
    '--nodes', String(options.nodes), '--overlay', options.overlay, '--tainted', String(options.tainted), '--kubeconfig', kubeconfig,
    '--costs', JSON.stringify(costs), ...(hollow ? ['--hollow', JSON.stringify(hollow)] : []),
    ...values.kernel.flatMap((spec) => ['--kernel', spec]),
    ...(values['container-log-max-size'] ? ['--container-log-max-size', values['container-log-max-size']] : []),
    ...(values.ipv6 ? ['--ipv6'] : []),
  ], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, NETPROBE_LAB_DIR: dir } });
  closeSync(log);
  daemon.unref();
  let exited = false;
  daemon.once('exit', () => { exited = true; });
  const readyTimeoutMs = hollow ? HOLLOW_READY_TIMEOUT_MS : READY_TIMEOUT_MS;
  while (!readState(dir)?.ready) {
    if (exited || Date.now() - started > readyTimeoutMs) {
      const why = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim() : '';
      if (!exited) daemon.kill('SIGKILL');
      await down(dir);
      throw new Error(`the lab did not come up${exited ? '' : ` within ${readyTimeoutMs / 1000} s`}; removed what it had made.\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const took = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  process.stdout.write(hollow
    ? `lab up: ${options.nodes} hollow nodes in ${took} (seed ${hollow.seed})\nkubeconfig: ${kubeconfig}\n${HOLLOW_NOTE}\n`
    : `lab up: ${options.nodes} nodes (${options.overlay}${values.ipv6 ? ', dual-stack' : ''}) in ${took}\nkubeconfig: ${kubeconfig}\n`);
  if (!IS_ROOT && !hollow) process.stdout.write(`${ROOTLESS_NOTE}\n`);
}

function status(): void {
  const dir = labDir();
  const state = readState(dir);
  if (!state) {
    process.stdout.write('no lab is up\n');
    return;
  }
  const daemon = isAlive(state.daemonPid) ? `running (pid ${state.daemonPid})` : 'NOT running (run down)';
  const lines = state.hollow ? hollowStatus(state, dir, daemon) : realStatus(state, dir, daemon);
  process.stdout.write(lines.join('\n') + '\n');
}

function realStatus(state: LabState, dir: string, daemon: string): string[] {
  const nodes = nodeAddressing(state.prefix, state.nodes, state.rootless, state.ipv6);
  const faults = state.rootless ? [] : listFaults({ nodes, overlay: state.overlay, dir });
  return [
    ...(state.rootless ? [ROOTLESS_NOTE] : []),
    `lab ${state.prefix}: ${state.nodes} nodes, overlay ${state.overlay}, daemon ${daemon}`,
    `kubeconfig: ${state.kubeconfig}`,
    `control plane: ${describeCosts(state.costs)}`,
    'nodes:',
    ...nodes.map((n) => `  ${n.name}  ${n.internalIP}${n.internalIP6 ? ` ${n.internalIP6}` : ''}  pods ${n.podCIDR}${n.podCIDR6 ? ` ${n.podCIDR6}` : ''}${n.index <= state.tainted ? '  tainted control-plane:NoSchedule' : ''}`),
    `pods (${state.pods.length}):`,
    ...state.pods.map((p) => `  ${p.namespace}/${p.name}  ${p.ip}  on ${p.node}`),
    `faults (${faults.length}):`,
    ...faults.map((f) => `  ${describeFault(f)}`),
  ];
}

/** The hollow lab keeps no pod list in its state file (10,000 pods would rewrite it 10,000 times): kubectl shows them. */
function hollowStatus(state: LabState, dir: string, daemon: string): string[] {
  const nodes = hollowAddressing(state.nodes);
  const tainted = (i: number) => (i <= state.tainted ? '  tainted control-plane:NoSchedule' : '');
  const faults = activeHollowFaults(dir);
  return [
    `lab ${state.prefix}: ${state.nodes} hollow nodes, daemon ${daemon}`,
    HOLLOW_NOTE,
    `seed ${state.hollow!.seed} (${state.hollow!.fixedSeed ? 'fixed: every run draws the same' : 'each run draws afresh; up --seed to repeat one'})`,
    `kubeconfig: ${state.kubeconfig}`,
    `control plane: ${describeCosts(state.costs)}`,
    'nodes:',
    ...(nodes.length <= STATUS_NODE_LIST_MAX
      ? nodes.map((n) => `  ${n.name}  ${n.internalIP}  pods ${n.podCIDR}${tainted(n.index)}`)
      : [`  ${nodes[0].name} … ${nodes[nodes.length - 1].name}  ${nodes[0].internalIP} … ${nodes[nodes.length - 1].internalIP}  pods: a /${32 - Math.log2(hollowPodBlockSize(state.nodes))} each, ${nodes[0].podCIDR} … ${nodes[nodes.length - 1].podCIDR}${state.tainted ? `  (node1 … node${state.tainted} tainted control-plane:NoSchedule)` : ''}`]),
    `pods: kubectl --kubeconfig ${state.kubeconfig} get pods -A`,
    `faults (${faults.length}):`,
    ...faults.map(({ since, ...f }) => `  ${describeFault(f)} since=${new Date(since).toISOString()}`),
  ];
}

async function fault(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const dir = labDir();
  const state = runningLab(dir);
  if (state.rootless) throw new Error(`faults need a lab started as root: ${ROOTLESS_NOTE}`);
  const target = faultTarget(state, dir);
  if (action === 'clear') {
    if (state.hollow) clearHollowFaults(dir);
    else await clearFaults(target);
    process.stdout.write('faults cleared\n');
    return;
  }
  if (action !== 'add') throw new Error(USAGE);
  const { values } = parseArgs({
    args: rest,
    options: {
      kind: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, percent: { type: 'string' }, mtu: { type: 'string' }, rate: { type: 'string' }, qps: { type: 'string' },
      family: { type: 'string' },
    },
    strict: true,
  });
  if (!values.kind) throw new Error('fault add needs --kind');
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const requested: Fault = {
    kind: values.kind as FaultKind, from: values.from, to: values.to, percent: num(values.percent), mtu: num(values.mtu), rateKbit: num(values.rate), qps: num(values.qps),
    ...(values.family !== undefined && { family: values.family as FaultFamily }),
  };
  if (state.hollow) {
    const { since, ...added } = addHollowFault(dir, state.nodes, requested);
    process.stdout.write(`fault added: ${describeFault(added)} (hollow: in the network model from ${new Date(since).toISOString()})\n`);
    return;
  }
  for (const added of addFaults(target, requested)) process.stdout.write(`fault added: ${describeFault(added)}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': return up(rest);
    case 'down': {
      const state = await down(labDir());
      process.stdout.write(state ? `lab ${state.prefix} removed\n` : 'no lab was up\n');
      return;
    }
    case 'status': return status();
    case 'fault': return fault(rest);
    default: throw new Error(USAGE);
  }
}

main(process.argv.slice(2)).catch((err: Error) => {
  process.stderr.write(`lab: ${err.message}\n`);
  process.exit(1);
});
