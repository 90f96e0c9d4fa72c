// `npm run lab -- up | down | status | fault add | fault clear`: the lab's command line.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { IS_ROOT } from '../support/netns.ts';
import { parseByteSize, validateLabOptions } from './lab.ts';
import { FAULT_KINDS, addFault, clearFaults, listFaults, type FaultFamily, type FaultKind } from './net/faults.ts';
import { nodeAddressing, parseKernelVersions } from './net/topology.ts';
import { ensurePrerequisites } from './prerequisites.ts';
import { labDir, readState, type LabState, type Overlay } from './state.ts';
import { down, isAlive } from './teardown.ts';

const READY_TIMEOUT_MS = 60_000;
const ROOTLESS_NOTE = 'without root: pods are plain processes on 127.0.0.0/8 addresses; no Service DNAT, cluster DNS or faults (they need network namespaces and nftables)';
const USAGE = `usage: npm run lab -- <command>
  up --nodes N [--overlay vxlan|routed] [--kubeconfig PATH] [--tainted K] [--kernel NODE=VERSION ...] [--container-log-max-size SIZE] [--ipv6]
    (--kernel: the kernel version the API reports for NODE, e.g. node3=6.12.0-canary;
     --container-log-max-size: where the kubelets rotate containers' logs, default 10Mi as the kubelet's;
     --ipv6: dual-stack, IPv6 nodes and pods in 2001:db8::/32 beside IPv4 (vxlan overlay, as root))
  down
  status
  fault add --kind ${FAULT_KINDS.join('|')} --from NODE [--to NODE] [--percent P] [--mtu BYTES] [--rate KBIT] [--qps Q] [--family ipv4|ipv6]
    (bird-stop: routed labs only; fdb-flush: vxlan labs only)
  fault clear
The lab lives in $NETPROBE_LAB_DIR (default ${labDir()}).`;

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
    },
    strict: true,
  });
  if (values.nodes === undefined) throw new Error('up needs --nodes N');
  if (values.ipv6 && !IS_ROOT) throw new Error('--ipv6 needs root: IPv6 addresses live in the lab\'s network namespaces');
  if (values.ipv6 && values.overlay !== 'vxlan') throw new Error('--ipv6 needs --overlay vxlan (the routed overlay\'s BGP announces IPv4 only)');
  if (values['container-log-max-size'] !== undefined) parseByteSize(values['container-log-max-size'], '--container-log-max-size');
  const options = { nodes: Number(values.nodes), overlay: values.overlay as Overlay, tainted: Number(values.tainted) };
  validateLabOptions(options);
  if (IS_ROOT) ensurePrerequisites(options.overlay);
  parseKernelVersions(values.kernel, nodeAddressing('', options.nodes, true));
  const dir = labDir();
  const existing = readState(dir);
  if (existing && isAlive(existing.daemonPid)) {
    if (values.kernel.length) throw new Error('a lab is already up; --kernel applies when a lab starts: run `npm run lab -- down` first');
    if (existing.nodes === options.nodes && existing.overlay === options.overlay && existing.tainted === options.tainted && !!existing.ipv6 === values.ipv6) {
      process.stdout.write(`the lab is already up (${existing.nodes} nodes, ${existing.overlay}); kubeconfig: ${existing.kubeconfig}\n`);
      return;
    }
    throw new Error(`a lab with ${existing.nodes} nodes (${existing.overlay}, ${existing.tainted} tainted) is already up; run \`npm run lab -- down\` first`);
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
    ...values.kernel.flatMap((spec) => ['--kernel', spec]),
    ...(values['container-log-max-size'] ? ['--container-log-max-size', values['container-log-max-size']] : []),
    ...(values.ipv6 ? ['--ipv6'] : []),
  ], { detached: true, stdio: ['ignore', log, log], env: { ...process.env, NETPROBE_LAB_DIR: dir } });
  closeSync(log);
  daemon.unref();
  let exited = false;
  daemon.once('exit', () => { exited = true; });
  while (!readState(dir)?.ready) {
    if (exited || Date.now() - started > READY_TIMEOUT_MS) {
      const why = existsSync(logFile) ? readFileSync(logFile, 'utf8').trim() : '';
      if (!exited) daemon.kill('SIGKILL');
      await down(dir);
      throw new Error(`the lab did not come up${exited ? '' : ` within ${READY_TIMEOUT_MS / 1000} s`}; removed what it had made.\n${why}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  process.stdout.write(`lab up: ${options.nodes} nodes (${options.overlay}${values.ipv6 ? ', dual-stack' : ''}) in ${((Date.now() - started) / 1000).toFixed(1)} s\nkubeconfig: ${kubeconfig}\n`);
  if (!IS_ROOT) process.stdout.write(`${ROOTLESS_NOTE}\n`);
}

function status(): void {
  const dir = labDir();
  const state = readState(dir);
  if (!state) {
    process.stdout.write('no lab is up\n');
    return;
  }
  const nodes = nodeAddressing(state.prefix, state.nodes, state.rootless, state.ipv6);
  const lines = [
    ...(state.rootless ? [ROOTLESS_NOTE] : []),
    `lab ${state.prefix}: ${state.nodes} nodes, overlay ${state.overlay}, daemon ${isAlive(state.daemonPid) ? `running (pid ${state.daemonPid})` : 'NOT running (run down)'}`,
    `kubeconfig: ${state.kubeconfig}`,
    'nodes:',
    ...nodes.map((n) => `  ${n.name}  ${n.internalIP}${n.internalIP6 ? ` ${n.internalIP6}` : ''}  pods ${n.podCIDR}${n.podCIDR6 ? ` ${n.podCIDR6}` : ''}${n.index <= state.tainted ? '  tainted control-plane:NoSchedule' : ''}`),
    `pods (${state.pods.length}):`,
    ...state.pods.map((p) => `  ${p.namespace}/${p.name}  ${p.ip}  on ${p.node}`),
  ];
  const faults = state.rootless ? [] : listFaults({ nodes, overlay: state.overlay, dir });
  lines.push(`faults (${faults.length}):`, ...faults.map((f) => `  ${Object.entries(f).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ')}`));
  process.stdout.write(lines.join('\n') + '\n');
}

async function fault(args: string[]): Promise<void> {
  const [action, ...rest] = args;
  const dir = labDir();
  const state = runningLab(dir);
  if (state.rootless) throw new Error(`faults need a lab started as root: ${ROOTLESS_NOTE}`);
  const target = { nodes: nodeAddressing(state.prefix, state.nodes, false, state.ipv6), overlay: state.overlay, dir };
  if (action === 'clear') {
    await clearFaults(target);
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
  if (!values.kind || !values.from) throw new Error('fault add needs --kind and --from');
  const num = (v: string | undefined): number | undefined => (v === undefined ? undefined : Number(v));
  const added = addFault(target, {
    kind: values.kind as FaultKind, from: values.from, to: values.to, percent: num(values.percent), mtu: num(values.mtu), rateKbit: num(values.rate), qps: num(values.qps),
    ...(values.family !== undefined && { family: values.family as FaultFamily }),
  });
  process.stdout.write(`fault added: ${Object.entries(added).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
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
