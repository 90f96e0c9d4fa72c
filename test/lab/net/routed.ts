// The Calico-style routed network without encapsulation: every node runs BIRD 2 with an iBGP
// session to every other node (Calico's default node-to-node mesh, AS 64512, TCP 179) and
// announces its pod /24; the peers install `198.19.j.0/24 via <node j> dev eth0 proto bird`.
// Pod packets cross the underlay unchanged (pod MTU 1500). Because the routes come from BGP,
// "bird is not running" on a node is a real fault: its peers withdraw its routes at once.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nsExec, run } from '../../support/netns.ts';
import type { NodeAddressing } from './topology.ts';

/** Calico's default AS number. */
const AS_NUMBER = 64512;
const CONVERGE_POLL_MS = 50;

const birdDir = (labDir: string): string => join(labDir, 'bird');
const birdFile = (labDir: string, node: NodeAddressing, ext: string): string => join(birdDir(labDir), `${node.name}.${ext}`);

function birdConfig(node: NodeAddressing, peers: NodeAddressing[]): string {
  return `router id ${node.internalIP};
log stderr all;
protocol device { scan time 10; }
# The node's pod block is cni0's connected route: announce it.
protocol direct { ipv4; interface "cni0"; }
protocol kernel { ipv4 { import none; export where source = RTS_BGP; }; }
template bgp mesh {
  local ${node.internalIP} as ${AS_NUMBER};
  direct;
  # The lab wants sessions up in about a second, not after BIRD's default 5 s connect delay.
  connect delay time 1; connect retry time 1; error wait time 1, 5;
  ipv4 { import all; export where source = RTS_DEVICE; next hop self; };
}
${peers.map((p) => `protocol bgp ${p.name} from mesh { neighbor ${p.internalIP} as ${AS_NUMBER}; }`).join('\n')}
`;
}

/** Starts BIRD in the node's namespace (in the background: it outlives a CLI that restarts it). */
export function startBird(labDir: string, node: NodeAddressing): number {
  const log = openSync(birdFile(labDir, node, 'log'), 'a');
  const child = spawn('ip', ['netns', 'exec', node.netns, 'bird', '-f', '-c', birdFile(labDir, node, 'conf'), '-s', birdFile(labDir, node, 'ctl')], {
    detached: true, stdio: ['ignore', log, log],
  });
  closeSync(log);
  child.unref();
  return child.pid!;
}

/** BIRD's pid in the node's namespace, if it runs. */
export function birdPid(node: NodeAddressing): number | undefined {
  const pids = run('ip', ['netns', 'pids', node.netns]).split(/\s+/).filter(Boolean).map(Number);
  return pids.find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'bird';
    } catch {
      return false;
    }
  });
}

export function buildBgpMesh(labDir: string, nodes: NodeAddressing[], recordPid: (pid: number) => void): void {
  mkdirSync(birdDir(labDir), { recursive: true });
  for (const node of nodes) {
    writeFileSync(birdFile(labDir, node, 'conf'), birdConfig(node, nodes.filter((p) => p !== node)));
    recordPid(startBird(labDir, node));
  }
}

/** Resolves once every node has a BGP route to every other node's pod block. */
export async function waitForBgpRoutes(nodes: NodeAddressing[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const missing = (): string[] => nodes.flatMap((node) => {
    const routes = nsExec(node.netns, 'ip', ['route', 'show', 'proto', 'bird']);
    return nodes.filter((p) => p !== node && !routes.includes(`${p.podCIDR} via ${p.internalIP}`)).map((p) => `${node.name}→${p.name}`);
  });
  for (let left = missing(); left.length > 0; left = missing()) {
    if (Date.now() > deadline) throw new Error(`BGP routes missing after ${timeoutMs / 1000} s: ${left.join(', ')}`);
    await new Promise((r) => setTimeout(r, CONVERGE_POLL_MS));
  }
}
