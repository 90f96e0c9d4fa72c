// Pod IPAM, as host-local does it: each node hands out .2–.254 of its own /24 (.1 is the gateway,
// .0 flannel.1's address), reusing addresses of deleted pods.
import type { LabNode } from '../contracts.ts';

export class PodAddresses {
  /** Per node: the host parts in use. */
  private readonly leases = new Map<string, Set<number>>();

  lease(node: LabNode): string {
    const used = this.leases.get(node.name) ?? new Set<number>();
    this.leases.set(node.name, used);
    for (let host = 2; host < 255; host++) {
      if (!used.has(host)) {
        used.add(host);
        return `${node.podCIDR.split('.').slice(0, 3).join('.')}.${host}`;
      }
    }
    throw new Error(`node ${node.name} has no free pod address (253 pods)`);
  }

  release(node: LabNode, ip: string): void {
    this.leases.get(node.name)?.delete(Number(ip.split('.')[3]));
  }
}

/** How pods get their network: PodNetwork (namespaces, as root) or RootlessPods (127/8 addresses). */
export interface PodSandboxes {
  /** netns undefined: the pod's processes share the daemon's network stack. */
  attach(uid: string, node: LabNode, namespace: string): { netns?: string; ip: string };
  /** Idempotent. */
  detach(uid: string): void;
}
