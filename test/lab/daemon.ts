// The lab daemon: builds the network and runtime (real, or hollow), serves the Kubernetes API on
// top of them, creates the cluster DNS and the CNI agents' pods, and stays up until `down` stops
// it. Started in the background by `npm run lab -- up`, which waits for the state file to say
// `ready`. The control plane's costs apply from then on: the system pods were there before.
import { parseArgs } from 'node:util';
import { startApiServer } from './api/server.ts';
import { createLab, parseByteSize } from './lab.ts';
import { cniAgentObjects } from './cni-agents.ts';
import type { HollowNetwork } from './hollow/network.ts';
import type { HollowRuntime } from './hollow/runtime.ts';
import { kubeDnsObjects, kubeDnsReplicas, waitForClusterDns } from './kube-dns.ts';
import { nodeAddressing, parseKernelVersions, withKernelVersions } from './net/topology.ts';
import { labDir, type Overlay } from './state.ts';

const DNS_READY_TIMEOUT_MS = 20_000;
/** 5,000 CNI pods and 313 DNS pods, unthrottled, take a few seconds to be Running. */
const HOLLOW_READY_TIMEOUT_MS = 120_000;

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    overlay: { type: 'string' },
    tainted: { type: 'string' },
    kubeconfig: { type: 'string' },
    kernel: { type: 'string', multiple: true, default: [] },
    'container-log-max-size': { type: 'string' },
    ipv6: { type: 'boolean', default: false },
    costs: { type: 'string' },
    hollow: { type: 'string' },
  },
  strict: true,
});

// `down` cleans up from the state file; on SIGTERM there is nothing left for the daemon to do.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

const dir = labDir();
const overlay = values.overlay as Overlay;
const costs = JSON.parse(values.costs!);
const lab = await createLab({
  dir,
  nodes: Number(values.nodes),
  overlay,
  tainted: Number(values.tainted ?? 0),
  kubeconfig: values.kubeconfig!,
  ipv6: values.ipv6,
  ...(values['container-log-max-size'] && { containerLogMaxSizeBytes: parseByteSize(values['container-log-max-size'], '--container-log-max-size') }),
  costs,
  ...(values.hollow && { hollow: JSON.parse(values.hollow) }),
});
const state = lab.store.current;
const kernelVersions = parseKernelVersions(values.kernel, nodeAddressing(state.prefix, lab.network.nodes.length, state.rootless, state.ipv6));
const api = await startApiServer({
  nodes: withKernelVersions(lab.network.nodes, kernelVersions), runtime: lab.runtime, network: lab.network,
  host: '127.0.0.1', stateDir: dir,
  onError: (err) => process.stderr.write(`${new Date().toISOString()} ${err.message}\n`),
});
api.kubeconfig(state.kubeconfig);
lab.store.update((s) => { s.apiServer = api.url; });
const nodeNames = lab.network.nodes.map((n) => n.name);
if (state.hollow) {
  const objects = [...kubeDnsObjects(nodeNames.length), ...cniAgentObjects(overlay, nodeNames)];
  api.seed(objects);
  await hollowSystemPodsRunning(lab.network as HollowNetwork, lab.runtime as HollowRuntime, objects.filter((o) => o.kind === 'Pod').length, kubeDnsReplicas(nodeNames.length));
} else if (!state.rootless) {
  // Without root nothing could reach dnsmasq at the kube-dns ClusterIP (no DNAT): no cluster DNS.
  api.seed([...kubeDnsObjects(nodeNames.length), ...cniAgentObjects(overlay, nodeNames)]);
  await waitForClusterDns(lab.network.nodes[0].netns, DNS_READY_TIMEOUT_MS);
}
api.setCosts(costs);
lab.store.update((s) => { s.ready = true; });
process.stdout.write(`lab ${state.prefix} ready: ${nodeNames.length} ${state.hollow ? 'hollow ' : ''}nodes, API ${api.url}\n`);

/** Resolves once every system pod runs and the cluster DNS Service has all its replicas as backends. */
async function hollowSystemPodsRunning(network: HollowNetwork, runtime: HollowRuntime, pods: number, dnsReplicas: number): Promise<void> {
  const deadline = Date.now() + HOLLOW_READY_TIMEOUT_MS;
  while (runtime.podCount < pods || network.backendCount('kube-system', 'kube-dns') < dnsReplicas) {
    if (Date.now() > deadline) throw new Error(`the hollow lab's ${pods} system pods were not running within ${HOLLOW_READY_TIMEOUT_MS / 1000} s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
