// Names of the lab's nodes and namespaces, derived from the lab's prefix and node count alone,
// so the CLI (faults, status, down) finds everything from the state file without the daemon.
import { execFileSync } from 'node:child_process';
import type { LabNode } from '../contracts.ts';
import { nodeIP, nodeIP6, podCIDR, podCIDR6, rootlessNodeIP, rootlessPodCIDR } from '../addresses.ts';

export interface NodeAddressing {
  index: number;
  name: string;
  /** '' without root: no namespaces. */
  netns: string;
  internalIP: string;
  podCIDR: string;
  /** Dual-stack labs only. */
  internalIP6?: string;
  podCIDR6?: string;
}

export const nodeName = (i: number): string => `node${i}`;
export const underlayNamespace = (prefix: string): string => `${prefix}-underlay`;
export const nodeNamespace = (prefix: string, i: number): string => `${prefix}-node${i}`;
/** The lab's prefix, back from a node's namespace (nodeNamespace's inverse). */
export const labPrefixOf = (node: NodeAddressing): string => node.netns.slice(0, -`-node${node.index}`.length);
export const podNamespace = (prefix: string, uid: string): string => `${prefix}-pod-${uid.replace(/[^a-zA-Z0-9-]/g, '')}`;

export function nodeAddressing(prefix: string, count: number, rootless = false, ipv6 = false): NodeAddressing[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return rootless
      ? { index: i, name: nodeName(i), netns: '', internalIP: rootlessNodeIP(i), podCIDR: rootlessPodCIDR(i) }
      : {
        index: i, name: nodeName(i), netns: nodeNamespace(prefix, i), internalIP: nodeIP(i), podCIDR: podCIDR(i),
        ...(ipv6 && { internalIP6: nodeIP6(i), podCIDR6: podCIDR6(i) }),
      };
  });
}

const CONTROL_PLANE_ROLE = 'node-role.kubernetes.io/control-plane';
const ZONE_LABEL = 'topology.kubernetes.io/zone';
/** Odd nodes in zone-a, even in zone-b: a label to group by (`matrix --group-by`), as clouds set it. */
const zoneOf = (index: number): string => (index % 2 === 1 ? 'zone-a' : 'zone-b');

/** The nodes as the API shows them; the first `tainted` are control-plane-like (tainted NoSchedule). */
export function labNodes(addressing: NodeAddressing[], tainted: number): LabNode[] {
  const kernelVersion = execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim();
  return addressing.map((n) => ({
    name: n.name,
    internalIP: n.internalIP,
    podCIDR: n.podCIDR,
    ...(n.internalIP6 && { internalIP6: n.internalIP6, podCIDR6: n.podCIDR6 }),
    netns: n.netns,
    labels: {
      'kubernetes.io/hostname': n.name,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/arch': 'amd64',
      [ZONE_LABEL]: zoneOf(n.index),
      ...(n.index <= tainted ? { [CONTROL_PLANE_ROLE]: '' } : {}),
    },
    taints: n.index <= tainted ? [{ key: CONTROL_PLANE_ROLE, effect: 'NoSchedule' as const }] : [],
    kernelVersion,
  }));
}

/**
 * `up --kernel node3=6.12.0-canary`: node name → the kernel version the API reports for it.
 * Every lab node runs on this machine's one kernel; the override changes only what the lab
 * API (the stand-in for a cluster) shows as status.nodeInfo.kernelVersion, which is what
 * `matrix --group-by kernel` and `compare` read: enough to stand for canary nodes.
 */
export function parseKernelVersions(specs: readonly string[], nodes: NodeAddressing[]): Record<string, string> {
  const versions: Record<string, string> = {};
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    if (eq <= 0 || eq === spec.length - 1) throw new Error(`--kernel "${spec}" is not NODE=VERSION (e.g. node3=6.12.0-canary)`);
    versions[findNode(nodes, spec.slice(0, eq)).name] = spec.slice(eq + 1);
  }
  return versions;
}

/** The nodes as the API shows them, with the kernel versions `up --kernel` asked for. */
export function withKernelVersions(nodes: readonly LabNode[], versions: Record<string, string>): LabNode[] {
  return nodes.map((node) => (node.name in versions ? { ...node, kernelVersion: versions[node.name] } : node));
}

/** The node by name, or an error that lists the lab's nodes. */
export function findNode(nodes: NodeAddressing[], name: string): NodeAddressing {
  const node = nodes.find((n) => n.name === name);
  if (!node) throw new Error(`unknown node "${name}"; the lab's nodes are ${nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** Node index from a pod CIDR like 198.19.7.0/24. */
export const nodeIndexOf = (cidr: string): number => Number(cidr.split('.')[2]);
