// The objects a run creates. Stock image, agent from a ConfigMap, least privilege:
// restricted PodSecurity on the pod network (non-root, no privilege escalation,
// drop ALL, seccomp RuntimeDefault, read-only root), no service account token.
// Host-network pods need a namespace that allows them (PodSecurity "privileged").
import type { V1ConfigMap, V1Namespace, V1OwnerReference, V1Pod, V1Service, V1Toleration } from '@kubernetes/client-node';
import { LINUX, OS_LABEL } from '../plan/select-nodes.ts';
import type { NetworkPath } from '../shared/plan.ts';
import { ANNOTATION_NODE, LABEL_PATH, LABEL_POD, LABEL_ROLE, runLabels, type PodRole } from './labels.ts';

export const AGENT_MOUNT_DIR = '/netprobe';
export const POD_SECURITY_ENFORCE = 'pod-security.kubernetes.io/enforce';
export const AGENT_FILE = 'agent.cjs';
/** The run's roster (src/shared/roster.ts): its file in the roster ConfigMap, mounted by the probers at ROSTER_MOUNT_DIR. */
export const ROSTER_FILE = 'roster.json';
export const ROSTER_MOUNT_DIR = '/netprobe-roster';
/** An unprivileged user: restricted PodSecurity wants a non-zero UID. 65534 is "nobody". */
const NOBODY = 65534;

export interface RunObjects {
  runId: string;
  namespace: string;
  image: string;
  tolerations: V1Toleration[];
  /** Pods are killed by the kubelet past this, even if the CLI is gone. */
  activeDeadlineSeconds: number;
}

export function namespaceManifest(name: string, runId: string, extraLabels: Record<string, string>, hostNetwork: boolean): V1Namespace {
  const labels = { ...runLabels(runId), ...extraLabels };
  // Host-network probes need the privileged level; pod-network ones pass restricted.
  labels[POD_SECURITY_ENFORCE] ??= hostNetwork ? 'privileged' : 'restricted';
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name, labels } };
}

/** The agent bundle; also the run's parent object: deleting it garbage-collects every pod. */
export function agentConfigMap(run: RunObjects, agentCode: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `netprobe-${run.runId}`, namespace: run.namespace, labels: runLabels(run.runId) },
    data: { [AGENT_FILE]: agentCode },
  };
}

/** A further ConfigMap of the run (its roster), owned by the agent ConfigMap so that it goes with the run. */
export function rosterConfigMap(run: RunObjects, owner: V1OwnerReference, content: string): V1ConfigMap {
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: `netprobe-${run.runId}-roster`, namespace: run.namespace, labels: runLabels(run.runId), ownerReferences: [owner] },
    data: { [ROSTER_FILE]: content },
  };
}

export function ownerReferenceTo(configMap: V1ConfigMap): V1OwnerReference {
  return { apiVersion: 'v1', kind: 'ConfigMap', name: configMap.metadata!.name!, uid: configMap.metadata!.uid!, blockOwnerDeletion: false };
}

/**
 * How the kubelet tells that a responder listens: a TCP connect to its port every second, so
 * that "ready" means answering, not just started (an agent that cannot bind its port exits).
 * The connects reach the responder as probes do, and count in its tcpAccepted.
 */
const READINESS_PERIOD_SECONDS = 1;

/** A further ConfigMap a pod mounts read-only (the run's roster, for probers). */
export interface ExtraVolume {
  configMap: string;
  mountPath: string;
}

export function probePodName(run: Pick<RunObjects, 'runId'>, role: PodRole, path: NetworkPath, index: number): string {
  return `netprobe-${run.runId}-${role[0]}${path === 'host' ? 'h' : ''}-${index}`;
}

/**
 * An agent pod pinned to `node`; `plan` is any of the agent's plans (it travels as JSON in
 * NETPROBE_PLAN); `readinessPort`: the TCP port it listens on, once ready.
 */
export function probePod(
  run: RunObjects, owner: V1OwnerReference, role: PodRole, path: NetworkPath, node: string, index: number, plan: object, readinessPort?: number, volume?: ExtraVolume,
): V1Pod {
  const hostNetwork = path === 'host';
  const name = probePodName(run, role, path, index);
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: run.namespace,
      labels: { ...runLabels(run.runId), [LABEL_ROLE]: role, [LABEL_PATH]: path, [LABEL_POD]: name },
      annotations: { [ANNOTATION_NODE]: node },
      ownerReferences: [owner],
    },
    spec: {
      restartPolicy: 'Never',
      activeDeadlineSeconds: run.activeDeadlineSeconds,
      automountServiceAccountToken: false,
      enableServiceLinks: false,
      terminationGracePeriodSeconds: 5,
      hostNetwork,
      dnsPolicy: hostNetwork ? 'ClusterFirstWithHostNet' : 'ClusterFirst',
      // The agent runs in a Linux image: never on a Windows node, whatever the affinity says.
      nodeSelector: { [OS_LABEL]: LINUX },
      // Affinity on metadata.name, not nodeName: the scheduler then honours taints and says why a node is unfit.
      affinity: { nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [node] }] }] } } },
      tolerations: run.tolerations,
      securityContext: { runAsNonRoot: true, runAsUser: NOBODY, runAsGroup: NOBODY, seccompProfile: { type: 'RuntimeDefault' } },
      containers: [{
        name: 'agent',
        image: run.image,
        command: ['node', `${AGENT_MOUNT_DIR}/${AGENT_FILE}`],
        env: [{ name: 'NETPROBE_PLAN', value: JSON.stringify(plan) }],
        volumeMounts: [
          { name: 'agent', mountPath: AGENT_MOUNT_DIR, readOnly: true },
          ...(volume ? [{ name: 'extra', mountPath: volume.mountPath, readOnly: true }] : []),
        ],
        securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, runAsNonRoot: true },
        resources: { requests: { cpu: '20m', memory: '64Mi' }, limits: { memory: '128Mi' } },
        ...(readinessPort !== undefined && {
          readinessProbe: { tcpSocket: { port: readinessPort }, periodSeconds: READINESS_PERIOD_SECONDS, timeoutSeconds: 1, failureThreshold: 3 },
        }),
      }],
      volumes: [{ name: 'agent', configMap: { name: owner.name } }, ...(volume ? [{ name: 'extra', configMap: { name: volume.configMap } }] : [])],
    },
  };
}

/** --service: a ClusterIP per node in front of that node's responder, so probes cross kube-proxy's DNAT. */
export function responderService(run: RunObjects, owner: V1OwnerReference, responderPod: string, tcpPort: number, udpPort: number): V1Service {
  const name = responderPod;
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: run.namespace, labels: runLabels(run.runId), ownerReferences: [owner] },
    spec: {
      type: 'ClusterIP',
      selector: { [LABEL_POD]: name },
      ports: [
        { name: 'tcp', protocol: 'TCP', port: tcpPort, targetPort: tcpPort },
        { name: 'udp', protocol: 'UDP', port: udpPort, targetPort: udpPort },
      ],
    },
  };
}

export function tolerationsFrom(specs: readonly string[], tolerateAll: boolean): V1Toleration[] {
  if (tolerateAll) return [{ operator: 'Exists' }];
  return specs.map((spec) => {
    // kubectl taint's form: key[=value][:Effect]
    const match = /^([^=:]+)(?:=([^:]*))?(?::(NoSchedule|PreferNoSchedule|NoExecute))?$/.exec(spec);
    if (!match) throw new Error(`--tolerations: "${spec}" is not key[=value][:Effect]`);
    const [, key, value, effect] = match;
    return { key, operator: value === undefined ? 'Exists' : 'Equal', ...(value !== undefined && { value }), ...(effect && { effect }) };
  });
}
