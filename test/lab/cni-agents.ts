// The CNI's per-node agent as the API shows it: one hostNetwork pod per node, named and labelled
// as kube-flannel.yml (kube-flannel-ds, app=flannel) or calico.yaml (calico-node,
// k8s-app=calico-node) make them, so `kubectl get pods -A` and netprobe find the agents. The lab
// programs the network itself (net/vxlan.ts, net/routed.ts): the images run `sleep`
// (runtime/images.ts), and "the agent died" is a fault on the network, not on these pods.
import type { ObjectInput } from './api/store.ts';
import type { Overlay } from './state.ts';

export const FLANNEL_IMAGE = 'docker.io/flannel/flannel:v0.26.7';
export const CALICO_NODE_IMAGE = 'docker.io/calico/node:v3.29.1';

const AGENTS: Record<Overlay, { name: string; labels: Record<string, string>; image: string }> = {
  vxlan: { name: 'kube-flannel-ds', labels: { app: 'flannel', 'k8s-app': 'flannel', tier: 'node' }, image: FLANNEL_IMAGE },
  routed: { name: 'calico-node', labels: { 'k8s-app': 'calico-node' }, image: CALICO_NODE_IMAGE },
};

export function cniAgentObjects(overlay: Overlay, nodes: readonly string[]): ObjectInput[] {
  const agent = AGENTS[overlay];
  return nodes.map((node) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `${agent.name}-${node}`, namespace: 'kube-system', labels: agent.labels },
    spec: {
      hostNetwork: true,
      containers: [{ name: agent.name, image: agent.image }],
      // As the DaemonSet controller pins its pods, and as both manifests tolerate every taint.
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } },
      tolerations: [{ operator: 'Exists' }],
      priorityClassName: 'system-node-critical',
    },
  }));
}
