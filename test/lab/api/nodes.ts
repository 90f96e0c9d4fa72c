// Node objects for the lab's nodes, shaped as a kubelet registers them (labels incl.
// kubernetes.io/hostname, InternalIP/Hostname addresses, Ready condition, nodeInfo).
import { randomUUID } from 'node:crypto';
import type { LabNode } from '../contracts.ts';
import { KUBERNETES_VERSION } from './discovery.ts';
import { now } from './meta.ts';
import type { KObject } from './store.ts';

/** The kubelet's default --max-pods. */
const DEFAULT_MAX_PODS = 110;

export function nodeObject(node: LabNode): KObject {
  const time = now();
  const resources = { cpu: '2', memory: '8Gi', pods: String(node.maxPods ?? DEFAULT_MAX_PODS), 'ephemeral-storage': '20Gi' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: node.name,
      uid: randomUUID(),
      resourceVersion: '',
      creationTimestamp: time,
      labels: {
        'beta.kubernetes.io/arch': 'amd64',
        'beta.kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': node.name,
        ...node.labels,
      },
      annotations: { 'node.alpha.kubernetes.io/ttl': '0' },
    },
    spec: { podCIDR: node.podCIDR, podCIDRs: [node.podCIDR, ...(node.podCIDR6 ? [node.podCIDR6] : [])], ...(node.taints.length ? { taints: node.taints } : {}) },
    status: {
      addresses: [
        { type: 'InternalIP', address: node.internalIP },
        ...(node.internalIP6 ? [{ type: 'InternalIP', address: node.internalIP6 }] : []),
        { type: 'Hostname', address: node.name },
      ],
      capacity: resources,
      allocatable: { ...resources },
      conditions: [
        ...['MemoryPressure', 'DiskPressure', 'PIDPressure'].map((type) => ({
          type, status: 'False', lastHeartbeatTime: time, lastTransitionTime: time, reason: `KubeletHasNo${type.replace('Pressure', '')}Pressure`, message: `kubelet has no ${type.replace('Pressure', '').toLowerCase()} pressure`,
        })),
        { type: 'Ready', status: 'True', lastHeartbeatTime: time, lastTransitionTime: time, reason: 'KubeletReady', message: 'kubelet is posting ready status' },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: node.name,
        systemUUID: randomUUID(),
        bootID: randomUUID(),
        kernelVersion: node.kernelVersion,
        osImage: node.nodeInfo?.osImage ?? 'netprobe lab (network namespaces)',
        containerRuntimeVersion: node.nodeInfo?.containerRuntimeVersion ?? 'netprobe-lab://1.0.0',
        kubeletVersion: node.nodeInfo?.kubeletVersion ?? KUBERNETES_VERSION.gitVersion,
        kubeProxyVersion: node.nodeInfo?.kubeletVersion ?? KUBERNETES_VERSION.gitVersion,
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}
