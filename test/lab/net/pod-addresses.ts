// Pod IPAM, as host-local does it: each node hands out .2–.254 of its own /24 (.1 is the gateway,
// .0 flannel.1's address) round-robin from the last address it gave (host-local's
// lastReservedIP), so a deleted pod's address is not handed out again at once: the neighbour
// entries other hosts still hold for it would send a new pod's traffic to the old MAC.
import type { LabNode } from '../contracts.ts';

const FIRST_HOST = 2;
const LAST_HOST = 254;

export class PodAddresses {
  /** Per node: the host parts in use, and the last one handed out. */
  private readonly leases = new Map<string, { used: Set<number>; last: number }>();

  lease(node: LabNode): string {
    const pool = this.leases.get(node.name) ?? { used: new Set<number>(), last: FIRST_HOST - 1 };
    this.leases.set(node.name, pool);
    const size = LAST_HOST - FIRST_HOST + 1;
    for (let step = 1; step <= size; step++) {
      const host = FIRST_HOST + ((pool.last - FIRST_HOST + step) % size);
      if (!pool.used.has(host)) {
        pool.used.add(host);
        pool.last = host;
        return `${node.podCIDR.split('.').slice(0, 3).join('.')}.${host}`;
      }
    }
    throw new Error(`node ${node.name} has no free pod address (${size} pods)`);
  }

  release(node: LabNode, ip: string): void {
    this.leases.get(node.name)?.used.delete(Number(ip.split('.')[3]));
  }
}

/** How pods get their network: PodNetwork (namespaces, as root) or RootlessPods (127/8 addresses). */
export interface PodSandboxes {
  /** netns undefined: the pod's processes share the daemon's network stack. */
  attach(uid: string, node: LabNode, namespace: string): { netns?: string; ip: string; /** Dual-stack: its IPv6 address. */ ip6?: string };
  /** Idempotent. */
  detach(uid: string): void;
}
