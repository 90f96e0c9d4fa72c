// The cluster DNS as Kubernetes objects: dnsmasq pods labelled like CoreDNS's (k8s-app=kube-dns)
// behind the kube-dns Service at the well-known ClusterIP. Created through the lab API, so
// `kubectl get pods -A` shows them and the endpoints controller wires the Service to them.
import { execFile } from 'node:child_process';
import type { ObjectInput } from './api/store.ts';
import { KUBE_DNS_IP } from './addresses.ts';
import { DNSMASQ_IMAGE } from './runtime/images.ts';

const LABELS = { 'k8s-app': 'kube-dns' };

/** cluster-proportional-autoscaler's default for kube-dns: max(ceil(nodes / 16), 2) replicas
 *  (nodesPerReplica=16, preventSinglePointFailure). */
export const kubeDnsReplicas = (nodes: number): number => Math.max(Math.ceil(nodes / 16), 2);

export function kubeDnsObjects(nodes: number): ObjectInput[] {
  const pods: ObjectInput[] = Array.from({ length: kubeDnsReplicas(nodes) }, (_, i) => ({
    apiVersion: 'v1', kind: 'Pod',
    metadata: { name: `kube-dns-${i}`, namespace: 'kube-system', labels: LABELS },
    spec: {
      containers: [{ name: 'dnsmasq', image: DNSMASQ_IMAGE, ports: [{ name: 'dns', containerPort: 53, protocol: 'UDP' }, { name: 'dns-tcp', containerPort: 53, protocol: 'TCP' }] }],
      // CoreDNS tolerates the control-plane taint, so it may run there too.
      tolerations: [{ key: 'node-role.kubernetes.io/control-plane', operator: 'Exists', effect: 'NoSchedule' }],
      priorityClassName: 'system-cluster-critical',
    },
  }));
  return [
    {
      apiVersion: 'v1', kind: 'Service',
      metadata: { name: 'kube-dns', namespace: 'kube-system', labels: { ...LABELS, 'kubernetes.io/name': 'CoreDNS' } },
      spec: {
        clusterIP: KUBE_DNS_IP, selector: LABELS,
        ports: [{ name: 'dns', port: 53, protocol: 'UDP', targetPort: 53 }, { name: 'dns-tcp', port: 53, protocol: 'TCP', targetPort: 53 }],
      },
    },
    ...pods,
  ];
}

/** Resolves once a node resolves `kubernetes.default` through its resolv.conf (kube-dns ClusterIP,
 *  DNAT, dnsmasq): the whole path works, not just the processes exist. */
export async function waitForClusterDns(nodeNetns: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const resolves = (): Promise<boolean> => new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', nodeNetns, 'getent', 'hosts', 'kubernetes.default.svc.cluster.local'], { timeout: 1000 }, (err) => resolve(!err));
  });
  while (!(await resolves())) {
    if (Date.now() > deadline) throw new Error(`cluster DNS did not answer within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
