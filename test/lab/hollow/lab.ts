// The hollow lab put together: its nodes (addresses from addresses.ts, labels as the real lab's),
// the fault file, the network model and the runtime. The daemon serves the same Kubernetes API
// on top of it as on the real lab.
import { randomBytes } from 'node:crypto';
import { NO_COSTS } from '../api/flow-control.ts';
import { KUBERNETES_VERSION } from '../api/discovery.ts';
import { hollowNodeIP, hollowPodBlockSize, hollowPodCIDR } from '../addresses.ts';
import type { LabNode } from '../contracts.ts';
import type { LabOptions } from '../lab.ts';
import { labNodes, nodeName, type NodeAddressing } from '../net/topology.ts';
import { LabStateStore } from '../state.ts';
import { FaultBook } from './faults.ts';
import { HollowNetwork } from './network.ts';
import { NetworkModel } from './network-model.ts';
import { HollowRuntime } from './runtime.ts';

/** What hollow nodes say they run: a report reading nodeInfo shows the run was a simulation. */
export const HOLLOW_NODE_INFO = {
  osImage: 'netprobe hollow lab (simulated: no processes, no packets)',
  containerRuntimeVersion: 'hollow://netprobe-lab-simulation',
  kubeletVersion: KUBERNETES_VERSION.gitVersion.replace(/-.*$/, '-hollow'),
};
/** A pod block's addresses less the network address, the gateway and the broadcast address. */
const BLOCK_OVERHEAD = 3;
const KUBELET_MAX_PODS = 110;

export interface HollowLab {
  store: LabStateStore;
  network: HollowNetwork;
  runtime: HollowRuntime;
}

export function hollowAddressing(count: number): NodeAddressing[] {
  return Array.from({ length: count }, (_, k) => ({ index: k + 1, name: nodeName(k + 1), netns: '', internalIP: hollowNodeIP(k + 1), podCIDR: hollowPodCIDR(k + 1, count) }));
}

export function hollowNodes(count: number, tainted: number): LabNode[] {
  const maxPods = Math.min(KUBELET_MAX_PODS, hollowPodBlockSize(count) - BLOCK_OVERHEAD);
  return labNodes(hollowAddressing(count), tainted).map((node) => ({ ...node, nodeInfo: HOLLOW_NODE_INFO, maxPods }));
}

export function createHollowLab(options: LabOptions & Required<Pick<LabOptions, 'hollow'>>): HollowLab {
  const { seed, fixedSeed } = options.hollow;
  const store = new LabStateStore(options.dir, {
    prefix: `hollow-${randomBytes(2).toString('hex')}`, nodes: options.nodes, overlay: options.overlay, tainted: options.tainted,
    rootless: false, hollow: options.hollow, costs: options.costs ?? NO_COSTS,
    daemonPid: process.pid, ready: false, kubeconfig: options.kubeconfig,
    namespaces: [], pods: [], pids: [], paths: [],
  });
  const network = new HollowNetwork(hollowNodes(options.nodes, options.tainted));
  const runtime = new HollowRuntime({ network, model: new NetworkModel(seed), faults: new FaultBook(options.dir), seed, fixedSeed, dir: options.dir });
  return { store, network, runtime };
}
