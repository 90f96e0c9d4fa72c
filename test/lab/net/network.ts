// The lab's network: underlay, one namespace per node with a cni0 bridge for its pods, the
// overlay (Flannel-like VXLAN or Calico-like routes), kube-proxy-like Service DNAT and the
// cluster DNS names. This is the network half of the contract (LabNetworkControl).
import { batch, nsExec } from '../../support/netns.ts';
import type { LabNetworkControl, LabNode, ServiceRealisation } from '../contracts.ts';
import { SERVICE_CIDR, podGateway, podGateway6 } from '../addresses.ts';
import type { LabStateStore, Overlay } from '../state.ts';
import { ClusterDns, serviceFQDN, writeNetnsResolvConf } from './dns.ts';
import { applyNft, serviceTransaction, servicesBaseRuleset } from './services.ts';
import { labNodes, nodeAddressing, underlayNamespace, type NodeAddressing } from './topology.ts';
import { buildBgpMesh, waitForBgpRoutes } from './routed.ts';
import { UNDERLAY_MTU, buildUnderlay } from './underlay.ts';
import { VXLAN_MTU, buildVxlan } from './vxlan.ts';

export interface NetworkOptions {
  prefix: string;
  nodes: number;
  /** Dual-stack: IPv6 beside IPv4 (vxlan overlay only). */
  ipv6?: boolean;
  overlay: Overlay;
  tainted: number;
  store: LabStateStore;
}

export class LabNetwork implements LabNetworkControl {
  readonly nodes: LabNode[];
  readonly serviceCIDR = SERVICE_CIDR;
  readonly overlay: Overlay;
  readonly dns: ClusterDns;
  private readonly addressing: NodeAddressing[];
  private readonly services = new Map<string, ServiceRealisation>();

  constructor(options: NetworkOptions) {
    const { prefix, store } = options;
    this.overlay = options.overlay;
    const addressing = nodeAddressing(prefix, options.nodes, false, options.ipv6);
    this.addressing = addressing;
    const underlay = underlayNamespace(prefix);
    for (const ns of [underlay, ...addressing.map((n) => n.netns)]) store.addNamespace(ns);
    this.dns = new ClusterDns(store.dir);

    buildUnderlay(underlay, addressing);
    for (const node of addressing) {
      const peers = addressing.filter((p) => p !== node);
      buildNodeBase(node, this.podMTU);
      if (this.overlay === 'vxlan') buildVxlan(node, peers);
      applyNft(node.netns, servicesBaseRuleset(node.podCIDR));
      store.addPath(`/etc/netns/${node.netns}`);
      writeNetnsResolvConf(node.netns, undefined);
    }
    if (this.overlay === 'routed') buildBgpMesh(store.dir, addressing, (pid) => store.addPid(pid));
    this.nodes = labNodes(addressing, options.tainted);
  }

  /** Resolves once pods can reach every node: at once for VXLAN (static), after BGP converged if routed. */
  async ready(timeoutMs: number): Promise<void> {
    if (this.overlay === 'routed') await waitForBgpRoutes(this.addressing, timeoutMs);
  }

  /** Pods' interface MTU: the overlay's (Flannel writes 1450 into the pods' CNI config). */
  get podMTU(): number {
    return this.overlay === 'vxlan' ? VXLAN_MTU : UNDERLAY_MTU;
  }

  async applyService(service: ServiceRealisation): Promise<void> {
    const key = `${service.namespace}/${service.name}`;
    const previous = this.services.get(key);
    const transaction = serviceTransaction(previous, service);
    for (const node of this.nodes) applyNft(node.netns, transaction);
    this.services.set(key, structuredClone(service));
    if (previous && previous.clusterIP !== service.clusterIP) this.dns.unpublish(serviceFQDN(previous.namespace, previous.name));
    this.dns.publish(serviceFQDN(service.namespace, service.name), service.clusterIP);
  }

  async removeService(namespace: string, name: string): Promise<void> {
    const key = `${namespace}/${name}`;
    const previous = this.services.get(key);
    if (!previous) return;
    const transaction = serviceTransaction(previous, undefined);
    for (const node of this.nodes) applyNft(node.netns, transaction);
    this.services.delete(key);
    this.dns.unpublish(serviceFQDN(namespace, name));
  }
}

/** Forwarding on, cni0 for the pods, and a route for the ClusterIP range so that hostNetwork
 *  sockets get as far as the output hook, where DNAT rewrites the destination (without any
 *  route, connect() would fail with ENETUNREACH before nftables sees the packet). */
function buildNodeBase(node: NodeAddressing, podMTU: number): void {
  nsExec(node.netns, 'sysctl', ['-qw', 'net.ipv4.ip_forward=1', ...(node.podCIDR6 ? ['net.ipv6.conf.all.forwarding=1'] : [])]);
  batch('ip', node.netns, [
    `link add cni0 mtu ${podMTU} type bridge`,
    `addr add ${podGateway(node.index)}/24 dev cni0`,
    ...(node.podCIDR6 ? [`addr add ${podGateway6(node.index)}/64 dev cni0 nodad`] : []),
    'link set cni0 up',
    `route add ${SERVICE_CIDR} dev eth0`,
  ]);
}
