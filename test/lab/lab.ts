// The lab's real half put together: state file, network and pod runtime. The daemon adds the
// Kubernetes API on top; tests use this directly to exercise the network without the API.
import { randomBytes } from 'node:crypto';
import { IS_ROOT, run } from '../support/netns.ts';
import { NO_COSTS, type ControlPlaneCosts } from './api/flow-control.ts';
import type { LabNetworkControl, PodRuntime } from './contracts.ts';
import { createHollowLab } from './hollow/lab.ts';
import { LabNetwork } from './net/network.ts';
import { PodNetwork } from './net/pod-network.ts';
import { RootlessNetwork, RootlessPods } from './net/rootless.ts';
import { dnsHostsDir, dnsmasqArgs } from './net/dns.ts';
import { KUBELET_LOG_POLICY } from './runtime/cri-log.ts';
import { ProcessRuntime } from './runtime/process-runtime.ts';
import { LabStateStore, type Overlay } from './state.ts';
import { HOLLOW_MAX_NODES, MAX_NODES } from './addresses.ts';

export interface LabOptions {
  dir: string;
  nodes: number;
  overlay: Overlay;
  tainted: number;
  kubeconfig: string;
  /** Where the kubelets rotate containers' logs (containerLogMaxSize; the kubelet's 10 MiB by default). */
  containerLogMaxSizeBytes?: number;
  /** Dual-stack: IPv6 nodes and pods beside the IPv4 ones (vxlan overlay, as root). */
  ipv6?: boolean;
  /** What the control plane costs clients (recorded here; the daemon applies them once the lab is up). */
  costs?: ControlPlaneCosts;
  /** A hollow lab (hollow/): simulated nodes, pods and network, no root needed; the seed of its draws. */
  hollow?: { seed: number; fixedSeed: boolean };
}

export interface Lab {
  store: LabStateStore;
  network: LabNetworkControl;
  runtime: PodRuntime;
}

export function validateLabOptions(options: Pick<LabOptions, 'nodes' | 'overlay' | 'tainted' | 'hollow'>): void {
  // The real lab's limit is its address plan (a /24 per node) and this machine; the hollow one's, the issue's 5,000.
  const max = options.hollow ? HOLLOW_MAX_NODES : MAX_NODES;
  if (!Number.isInteger(options.nodes) || options.nodes < 1 || options.nodes > max) throw new Error(`--nodes must be from 1 to ${max}${options.hollow ? '' : ` (up to ${HOLLOW_MAX_NODES} with --hollow)`}, not ${options.nodes}`);
  if (options.overlay !== 'vxlan' && options.overlay !== 'routed') throw new Error(`--overlay must be vxlan or routed, not ${options.overlay}`);
  if (!Number.isInteger(options.tainted) || options.tainted < 0 || options.tainted >= options.nodes) throw new Error(`--tainted must be from 0 to ${options.nodes - 1} (at least one node must take pods), not ${options.tainted}`);
}

/** "64Ki", "10Mi", "1Gi" or plain bytes, as Kubernetes quantities write sizes. */
export function parseByteSize(text: string, flag: string): number {
  const match = /^(\d+)(Ki|Mi|Gi)?$/.exec(text);
  if (!match || Number(match[1]) === 0) throw new Error(`${flag} must be a size like 64Ki or 10Mi, not "${text}"`);
  return Number(match[1]) * { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30 }[match[2] ?? '']!;
}

/** A prefix no namespace has yet: two labs (parallel test runs) never share one, and `down`
 *  of one, which also removes unrecorded namespaces by prefix, never touches the other's. */
function freshPrefix(): string {
  const taken = run('ip', ['netns', 'list']);
  for (;;) {
    const prefix = `nplab-${randomBytes(2).toString('hex')}`;
    if (!taken.includes(`${prefix}-`)) return prefix;
  }
}

/** How long BGP may take to converge (about a second here) before the lab gives up. */
const NETWORK_READY_TIMEOUT_MS = 15_000;

export async function createLab(options: LabOptions): Promise<Lab> {
  validateLabOptions(options);
  if (options.hollow) return createHollowLab({ ...options, hollow: options.hollow });
  const prefix = freshPrefix();
  const rootless = !IS_ROOT;
  const store = new LabStateStore(options.dir, {
    prefix, nodes: options.nodes, overlay: options.overlay, tainted: options.tainted, rootless, costs: options.costs ?? NO_COSTS, ...(options.ipv6 && { ipv6: true }),
    daemonPid: process.pid, ready: false, kubeconfig: options.kubeconfig,
    namespaces: [], pods: [], pids: [], paths: [],
  });
  const runtimeOptions = {
    store, dnsmasqArgs: dnsmasqArgs(dnsHostsDir(options.dir)),
    logRotation: { ...KUBELET_LOG_POLICY, ...(options.containerLogMaxSizeBytes && { maxSizeBytes: options.containerLogMaxSizeBytes }) },
  };
  if (rootless) {
    return { store, network: new RootlessNetwork(options.nodes, options.tainted), runtime: new ProcessRuntime({ ...runtimeOptions, sandboxes: new RootlessPods() }) };
  }
  const network = new LabNetwork({ prefix, nodes: options.nodes, overlay: options.overlay, tainted: options.tainted, ipv6: options.ipv6, store });
  await network.ready(NETWORK_READY_TIMEOUT_MS);
  return { store, network, runtime: new ProcessRuntime({ ...runtimeOptions, sandboxes: new PodNetwork(prefix, network.podMTU, store) }) };
}
