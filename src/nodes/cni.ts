// The CNIs netprobe recognises, by their agent pods' labels (from each project's manifests)
// and the interfaces they make on a node. tunl0 alone proves little: the ipip module makes
// it whenever loaded, so it counts only when up.
import type { InterfaceInfo } from '../shared/inspection.ts';

export type CniName = 'flannel' | 'calico' | 'weave' | 'cilium';

export interface CniSignature {
  name: CniName;
  /** The per-node agent, as the docs call it. */
  agent: string;
  /** Any of these label sets marks an agent pod. */
  podLabels: Record<string, string>[];
  interfaces: (iface: InterfaceInfo) => boolean;
}

export const CNIS: readonly CniSignature[] = [
  // kube-flannel.yml: DaemonSet kube-flannel-ds, pods labelled app=flannel (k8s-app=flannel since v0.22).
  { name: 'flannel', agent: 'flanneld', podLabels: [{ app: 'flannel' }, { 'k8s-app': 'flannel' }], interfaces: (i) => /^flannel[.-]/.test(i.name) },
  // calico.yaml / the Tigera operator: DaemonSet calico-node, k8s-app=calico-node; tunl0 (IP-in-IP), vxlan.calico, wireguard.cali.
  { name: 'calico', agent: 'calico-node', podLabels: [{ 'k8s-app': 'calico-node' }], interfaces: (i) => ['vxlan.calico', 'wireguard.cali'].includes(i.name) || (i.name === 'tunl0' && i.up) },
  // weave-daemonset-k8s.yaml: name=weave-net; the weave bridge and its fast-datapath VXLAN vxlan-6784.
  { name: 'weave', agent: 'weave-net', podLabels: [{ name: 'weave-net' }], interfaces: (i) => ['weave', 'vxlan-6784', 'datapath'].includes(i.name) },
  // cilium's DaemonSet: k8s-app=cilium; cilium_host/cilium_net always, cilium_vxlan/cilium_geneve in tunnel mode.
  { name: 'cilium', agent: 'cilium-agent', podLabels: [{ 'k8s-app': 'cilium' }], interfaces: (i) => i.name.startsWith('cilium_') },
];

export function cniOfPodLabels(labels: Record<string, string> | undefined): CniSignature | undefined {
  return CNIS.find((cni) => cni.podLabels.some((set) => Object.entries(set).every(([k, v]) => labels?.[k] === v)));
}

/** The CNIs whose interfaces this node has, with the interfaces' names. */
export function cnisOfInterfaces(interfaces: readonly InterfaceInfo[]): { cni: CniSignature; names: string[] }[] {
  return CNIS.map((cni) => ({ cni, names: interfaces.filter(cni.interfaces).map((i) => i.name) })).filter(({ names }) => names.length > 0);
}
