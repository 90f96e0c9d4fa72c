// A pod's network, as a bridge CNI plugin builds it: its own namespace, a veth whose host end
// is a port of the node's cni0, an address from the node's /24 and a default route via cni0.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { batch, removeNamespace, run } from '../../support/netns.ts';
import type { LabNode } from '../contracts.ts';
import { podGateway, podGateway6, podIP6 } from '../addresses.ts';
import type { LabStateStore } from '../state.ts';
import { writeNetnsResolvConf } from './dns.ts';
import { PodAddresses, type PodSandboxes } from './pod-addresses.ts';
import { nodeIndexOf, podNamespace } from './topology.ts';

export class PodNetwork implements PodSandboxes {
  private readonly prefix: string;
  private readonly mtu: number;
  private readonly store: LabStateStore;
  private readonly addresses = new PodAddresses();
  private readonly attached = new Map<string, { netns: string; node: LabNode; ip: string }>();

  constructor(prefix: string, mtu: number, store: LabStateStore) {
    this.prefix = prefix;
    this.mtu = mtu;
    this.store = store;
  }

  attach(uid: string, node: LabNode, namespace: string): { netns: string; ip: string; ip6?: string } {
    const netns = podNamespace(this.prefix, uid);
    const ip = this.addresses.lease(node);
    const ip6 = node.podCIDR6 ? podIP6(ip) : undefined;
    // The host end's name must be unique in the node namespace and at most 15 bytes (IFNAMSIZ).
    const hostEnd = `veth${createHash('sha1').update(uid).digest('hex').slice(0, 8)}`;
    this.attached.set(uid, { netns, node, ip });
    this.store.addNamespace(netns);
    this.store.addPath(`/etc/netns/${netns}`);
    try {
      run('ip', ['netns', 'add', netns]);
      batch('ip', node.netns, [
        `link add ${hostEnd} mtu ${this.mtu} type veth peer name eth0 netns ${netns}`,
        `link set ${hostEnd} master cni0 up`,
      ]);
      batch('ip', netns, [
        'link set lo up',
        `link set eth0 mtu ${this.mtu}`,
        `addr add ${ip}/24 dev eth0`,
        ...(ip6 ? [`addr add ${ip6}/64 dev eth0 nodad`] : []),
        'link set eth0 up',
        `route add default via ${podGateway(nodeIndexOf(node.podCIDR))}`,
        ...(ip6 ? [`route add default via ${podGateway6(nodeIndexOf(node.podCIDR))}`] : []),
      ]);
      writeNetnsResolvConf(netns, namespace);
    } catch (err) {
      this.detach(uid);
      throw err;
    }
    return { netns, ip, ...(ip6 && { ip6 }) };
  }

  /** Removes the namespace (its veth goes with it) and frees the address. Idempotent. */
  detach(uid: string): void {
    const pod = this.attached.get(uid);
    if (!pod) return;
    this.attached.delete(uid);
    removeNamespace(pod.netns);
    rmSync(`/etc/netns/${pod.netns}`, { recursive: true, force: true });
    this.addresses.release(pod.node, pod.ip);
    this.store.removeNamespace(pod.netns);
    this.store.removePath(`/etc/netns/${pod.netns}`);
  }
}
