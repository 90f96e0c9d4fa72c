// A pod's network, as a bridge CNI plugin builds it: its own namespace, a veth whose host end
// is a port of the node's cni0, an address from the node's /24 and a default route via cni0.
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { batch, removeNamespace, run } from '../../support/netns.ts';
import type { LabNode } from '../contracts.ts';
import { podGateway, podIP } from '../addresses.ts';
import type { LabStateStore } from '../state.ts';
import { writeNetnsResolvConf } from './dns.ts';
import { nodeIndexOf, podNamespace } from './topology.ts';

export interface PodAttachment {
  netns: string;
  ip: string;
}

export class PodNetwork {
  private readonly prefix: string;
  private readonly mtu: number;
  private readonly store: LabStateStore;
  /** Per node index: host parts in use. */
  private readonly leases = new Map<number, Set<number>>();
  private readonly attached = new Map<string, { netns: string; node: number; host: number }>();

  constructor(prefix: string, mtu: number, store: LabStateStore) {
    this.prefix = prefix;
    this.mtu = mtu;
    this.store = store;
  }

  attach(uid: string, node: LabNode, namespace: string): PodAttachment {
    const index = nodeIndexOf(node.podCIDR);
    const host = this.lease(index);
    const netns = podNamespace(this.prefix, uid);
    const ip = podIP(index, host);
    // The host end's name must be unique in the node namespace and at most 15 bytes (IFNAMSIZ).
    const hostEnd = `veth${createHash('sha1').update(uid).digest('hex').slice(0, 8)}`;
    this.attached.set(uid, { netns, node: index, host });
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
        'link set eth0 up',
        `route add default via ${podGateway(index)}`,
      ]);
      writeNetnsResolvConf(netns, namespace);
    } catch (err) {
      this.detach(uid);
      throw err;
    }
    return { netns, ip };
  }

  /** Removes the namespace (its veth goes with it) and frees the address. Idempotent. */
  detach(uid: string): void {
    const pod = this.attached.get(uid);
    if (!pod) return;
    this.attached.delete(uid);
    removeNamespace(pod.netns);
    rmSync(`/etc/netns/${pod.netns}`, { recursive: true, force: true });
    this.leases.get(pod.node)?.delete(pod.host);
    this.store.removeNamespace(pod.netns);
    this.store.removePath(`/etc/netns/${pod.netns}`);
  }

  private lease(node: number): number {
    const used = this.leases.get(node) ?? new Set<number>();
    this.leases.set(node, used);
    for (let h = 2; h < 255; h++) {
      if (!used.has(h)) {
        used.add(h);
        return h;
      }
    }
    throw new Error(`node ${node} has no free pod address (253 pods)`);
  }
}
