// The seam between the lab's two halves:
//  - the network and pod runtime (test/lab/net/, test/lab/runtime/): real namespaces,
//    veth, bridges, VXLAN, nftables, processes;
//  - the Kubernetes API stand-in (test/lab/api/): store, watch, scheduler, kubelet loop.
// The daemon (test/lab/daemon.ts) builds the network, then starts the API with these.

/** A lab node as the network built it. */
export interface LabNode {
  name: string;
  /** Address on the underlay bridge (198.18.0.0/24). */
  internalIP: string;
  /** This node's pod subnet (a /24 of 198.19.0.0/16). */
  podCIDR: string;
  /** Dual-stack labs: the node's IPv6 address and pod subnet (a /64 of 2001:db8:1::/48). */
  internalIP6?: string;
  podCIDR6?: string;
  /** The node's network namespace ('' in a lab started without root: no namespaces, see test/lab/net/rootless.ts). */
  netns: string;
  labels: Record<string, string>;
  taints: { key: string; value?: string; effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute' }[];
  kernelVersion: string;
  /** status.nodeInfo beyond the kernel, where it is not the real lab's (the hollow lab's simulated runtime). */
  nodeInfo?: { osImage: string; containerRuntimeVersion: string; kubeletVersion: string };
  /** status.capacity.pods: the kubelet's --max-pods (110 by default), at most what the pod CIDR holds. */
  maxPods?: number;
}

/** What the kubelet hands the runtime: a scheduled pod, with ConfigMap volumes already resolved. */
export interface PodSandboxSpec {
  uid: string;
  namespace: string;
  name: string;
  node: LabNode;
  hostNetwork: boolean;
  /** Pod-level securityContext.runAsUser, if any (the container's wins). */
  runAsUser?: number;
  containers: ContainerSpec[];
}

export interface ContainerSpec {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env: Record<string, string>;
  /** Env var names the runtime sets to the pod's IP once it has allocated it (the downward API's
   *  `fieldRef: status.podIP`, which the kubelet cannot know before the sandbox exists). */
  podIPEnv?: string[];
  runAsUser?: number;
  /** mountPath → files (name → content), from ConfigMap volumes; mounted read-only. */
  mounts: { mountPath: string; files: Record<string, string> }[];
}

export interface RunningPod {
  podIP: string;
  hostIP: string;
  /** Every address, podIP first (dual-stack: its IPv6 address second). */
  podIPs?: string[];
}

export interface ContainerExit {
  uid: string;
  container: string;
  exitCode: number;
  /** e.g. 'Completed', 'Error', 'OOMKilled', 'StartError: …' */
  reason: string;
}

export interface PodRuntime {
  /** Creates the pod's namespace and veth (not for hostNetwork), mounts volumes, starts containers. */
  startPod(spec: PodSandboxSpec): Promise<RunningPod>;
  /** Kills the containers and removes the pod's namespace. Idempotent. */
  stopPod(uid: string): Promise<void>;
  /** Called once per container when it ends. */
  onContainerExit(listener: (exit: ContainerExit) => void): void;
  /** Everything the container wrote to stdout and stderr so far, interleaved as written. */
  logs(uid: string, container: string): string;
  /** Calls listener with each new chunk until the container ends or the returned stop() is called. */
  followLogs(uid: string, container: string, listener: (chunk: string) => void, onEnd: () => void): () => void;
  /**
   * A tcpSocket probe as the kubelet makes it: a TCP connect to the pod's IP and `port` from
   * the node's network namespace; true once the handshake completes within `timeoutMs`.
   * A runtime without it (no real network) has its pods pass such probes once running.
   */
  probeTcp?(uid: string, port: number, timeoutMs: number): Promise<boolean>;
}

/** A ClusterIP Service as the network must realise it (DNAT in every node namespace). */
export interface ServiceRealisation {
  namespace: string;
  name: string;
  clusterIP: string;
  ports: { name?: string; protocol: 'TCP' | 'UDP'; port: number; targetPort: number }[];
  /** Ready backend pod IPs. */
  endpoints: string[];
}

export interface LabNetworkControl {
  readonly nodes: LabNode[];
  /** The ClusterIP range the API allocates from (inside 198.18.0.0/15). */
  readonly serviceCIDR: string;
  /** Replaces the DNAT rules of this Service in every node namespace (kube-proxy's job) and publishes
   *  `<name>.<namespace>.svc.cluster.local` → clusterIP to the lab DNS (dnsmasq). */
  applyService(service: ServiceRealisation): Promise<void>;
  removeService(namespace: string, name: string): Promise<void>;
}
