// The lab daemon: builds the network and runtime, serves the Kubernetes API on top of them,
// creates the cluster DNS, and stays up until `down` stops it. Started in the background by
// `npm run lab -- up`, which waits for the state file to say `ready`.
import { parseArgs } from 'node:util';
import { startApiServer } from './api/server.ts';
import { createLab, parseByteSize } from './lab.ts';
import { cniAgentObjects } from './cni-agents.ts';
import { kubeDnsObjects, waitForClusterDns } from './kube-dns.ts';
import { nodeAddressing, parseKernelVersions, withKernelVersions } from './net/topology.ts';
import { labDir, type Overlay } from './state.ts';

const DNS_READY_TIMEOUT_MS = 20_000;

const { values } = parseArgs({
  options: {
    nodes: { type: 'string' },
    overlay: { type: 'string' },
    tainted: { type: 'string' },
    kubeconfig: { type: 'string' },
    kernel: { type: 'string', multiple: true, default: [] },
    'container-log-max-size': { type: 'string' },
    ipv6: { type: 'boolean', default: false },
  },
  strict: true,
});

// `down` cleans up from the state file; on SIGTERM there is nothing left for the daemon to do.
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => process.exit(0));

const dir = labDir();
const lab = await createLab({
  dir,
  nodes: Number(values.nodes),
  overlay: values.overlay as Overlay,
  tainted: Number(values.tainted ?? 0),
  kubeconfig: values.kubeconfig!,
  ipv6: values.ipv6,
  ...(values['container-log-max-size'] && { containerLogMaxSizeBytes: parseByteSize(values['container-log-max-size'], '--container-log-max-size') }),
});
const kernelVersions = parseKernelVersions(values.kernel, nodeAddressing(lab.store.current.prefix, lab.network.nodes.length, lab.store.current.rootless, lab.store.current.ipv6));
const api = await startApiServer({
  nodes: withKernelVersions(lab.network.nodes, kernelVersions), runtime: lab.runtime, network: lab.network,
  host: '127.0.0.1', stateDir: dir,
  onError: (err) => process.stderr.write(`${new Date().toISOString()} ${err.message}\n`),
});
api.kubeconfig(lab.store.current.kubeconfig);
lab.store.update((s) => { s.apiServer = api.url; });
// Without root nothing could reach dnsmasq at the kube-dns ClusterIP (no DNAT): no cluster DNS.
if (!lab.store.current.rootless) {
  api.seed([...kubeDnsObjects(lab.network.nodes.length), ...cniAgentObjects(values.overlay as Overlay, lab.network.nodes.map((n) => n.name))]);
  await waitForClusterDns(lab.network.nodes[0].netns, DNS_READY_TIMEOUT_MS);
}
lab.store.update((s) => { s.ready = true; });
process.stdout.write(`lab ${lab.store.current.prefix} ready: ${lab.network.nodes.length} nodes, API ${api.url}\n`);
