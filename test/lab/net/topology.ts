// Names of the lab's nodes and namespaces, derived from the lab's prefix and node count alone,
// so the CLI (faults, status, down) finds everything from the state file without the daemon.
import { nodeIP, podCIDR } from '../addresses.ts';

export interface NodeAddressing {
  index: number;
  name: string;
  netns: string;
  internalIP: string;
  podCIDR: string;
}

export const nodeName = (i: number): string => `node${i}`;
export const underlayNamespace = (prefix: string): string => `${prefix}-underlay`;
export const nodeNamespace = (prefix: string, i: number): string => `${prefix}-node${i}`;
export const podNamespace = (prefix: string, uid: string): string => `${prefix}-pod-${uid.replace(/[^a-zA-Z0-9-]/g, '')}`;

export function nodeAddressing(prefix: string, count: number): NodeAddressing[] {
  return Array.from({ length: count }, (_, k) => {
    const i = k + 1;
    return { index: i, name: nodeName(i), netns: nodeNamespace(prefix, i), internalIP: nodeIP(i), podCIDR: podCIDR(i) };
  });
}

/** The node by name, or an error that lists the lab's nodes. */
export function findNode(nodes: NodeAddressing[], name: string): NodeAddressing {
  const node = nodes.find((n) => n.name === name);
  if (!node) throw new Error(`unknown node "${name}"; the lab's nodes are ${nodes.map((n) => n.name).join(', ')}`);
  return node;
}

/** Node index from a pod CIDR like 198.19.7.0/24. */
export const nodeIndexOf = (cidr: string): number => Number(cidr.split('.')[2]);
