// Defaulting on create, as the API's SetDefaults_* functions and default admission plugins
// (DefaultTolerationSeconds) fill in what a client left out.
import type { KObject } from './store.ts';

type Any = Record<string, any>;

function defaultPod(pod: Any): void {
  const spec = pod.spec;
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.schedulerName ??= 'default-scheduler';
  spec.securityContext ??= {};
  spec.priority ??= 0;
  spec.enableServiceLinks ??= true;
  spec.preemptionPolicy ??= 'PreemptLowerPriority';
  spec.tolerations ??= [];
  for (const key of ['node.kubernetes.io/not-ready', 'node.kubernetes.io/unreachable']) {
    if (!spec.tolerations.some((t: Any) => t.key === key)) spec.tolerations.push({ key, operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 });
  }
  for (const c of spec.containers) {
    const tag = /:([^/:@]+)$/.exec(c.image ?? '')?.[1];
    c.imagePullPolicy ??= !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
    c.terminationMessagePath ??= '/dev/termination-log';
    c.terminationMessagePolicy ??= 'File';
    c.resources ??= {};
    for (const p of c.ports ?? []) p.protocol ??= 'TCP';
  }
  pod.status = { phase: 'Pending', qosClass: 'BestEffort' };
}

function defaultService(svc: Any): void {
  const spec = svc.spec;
  spec.type ??= 'ClusterIP';
  spec.sessionAffinity ??= 'None';
  spec.internalTrafficPolicy ??= 'Cluster';
  spec.ipFamilies ??= ['IPv4'];
  spec.ipFamilyPolicy ??= 'SingleStack';
  for (const p of spec.ports ?? []) {
    p.protocol ??= 'TCP';
    p.targetPort ??= p.port;
  }
  svc.status = { loadBalancer: {} };
}

function defaultNamespace(ns: Any): void {
  // Since v1.21 every namespace carries its own name as an immutable label.
  ns.metadata.labels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': ns.metadata.name };
  ns.spec = { finalizers: ['kubernetes'] };
  ns.status = { phase: 'Active' };
}

const BY_RESOURCE: Record<string, (obj: Any) => void> = { pods: defaultPod, services: defaultService, namespaces: defaultNamespace };

export function applyDefaults(resource: string, obj: KObject): void {
  BY_RESOURCE[resource]?.(obj);
}
