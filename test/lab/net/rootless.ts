// The lab without root: no namespaces, bridges or nftables can be made, so nodes and pods are
// 127.0.0.0/8 addresses (see addresses.ts) and pods plain processes of the daemon's user. The
// API, scheduling, logs and pod-to-pod traffic on pod IPs work (a server must bind its pod IP, as
// all pods share one network stack); Services get ClusterIPs and DNS records in the API but
// nothing answers on them: that needs nftables DNAT, i.e. root.
import type { LabNetworkControl, LabNode } from '../contracts.ts';
import { ROOTLESS_SERVICE_CIDR } from '../addresses.ts';
import { PodAddresses, type PodSandboxes } from './pod-addresses.ts';
import { labNodes, nodeAddressing } from './topology.ts';

export class RootlessNetwork implements LabNetworkControl {
  readonly nodes: LabNode[];
  readonly serviceCIDR = ROOTLESS_SERVICE_CIDR;

  constructor(nodes: number, tainted: number) {
    this.nodes = labNodes(nodeAddressing('', nodes, true), tainted);
  }

  async applyService(): Promise<void> {}

  async removeService(): Promise<void> {}
}

export class RootlessPods implements PodSandboxes {
  private readonly addresses = new PodAddresses();
  private readonly attached = new Map<string, { node: LabNode; ip: string }>();

  attach(uid: string, node: LabNode): { ip: string } {
    const ip = this.addresses.lease(node);
    this.attached.set(uid, { node, ip });
    return { ip };
  }

  detach(uid: string): void {
    const pod = this.attached.get(uid);
    if (!pod) return;
    this.attached.delete(uid);
    this.addresses.release(pod.node, pod.ip);
  }
}
