// The one seam between netprobe and a cluster. Stages take a KubeClient, so they
// can be exercised against any API server; the real one wraps @kubernetes/client-node.
import type { V1ConfigMap, V1EndpointSlice, V1Namespace, V1NetworkPolicy, V1Node, V1ObjectMeta, V1Pod, V1Service } from '@kubernetes/client-node';
import type { RequestStats } from './retry.ts';

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

export interface WatchHandle {
  stop(): void;
}

export interface PodList {
  items: V1Pod[];
  resourceVersion: string;
}

/** An API group the server serves (discovery), with its versions, preferred first. */
export interface ServedApiGroup {
  name: string;
  versions: string[];
}

export interface KubeClient {
  /** "server URL (context)" for messages. */
  readonly describeTarget: string;
  /** What this client's requests cost the server so far. */
  requestStats(): RequestStats;
  listNodes(labelSelector?: string): Promise<V1Node[]>;
  readNamespace(name: string): Promise<V1Namespace | null>;
  listNamespaces(labelSelector: string): Promise<V1Namespace[]>;
  createNamespace(namespace: V1Namespace): Promise<V1Namespace>;
  deleteNamespace(name: string): Promise<void>;
  createConfigMap(namespace: string, configMap: V1ConfigMap): Promise<V1ConfigMap>;
  listConfigMaps(namespace: string | undefined, labelSelector: string): Promise<V1ConfigMap[]>;
  deleteConfigMap(namespace: string, name: string): Promise<void>;
  createService(namespace: string, service: V1Service): Promise<V1Service>;
  /** discovery.k8s.io/v1 EndpointSlices: what kube-proxy programs Services from. */
  listEndpointSlices(namespace: string, labelSelector: string): Promise<V1EndpointSlice[]>;
  createPod(namespace: string, pod: V1Pod): Promise<V1Pod>;
  readPod(namespace: string, name: string): Promise<V1Pod | null>;
  listPods(namespace: string | undefined, labelSelector?: string): Promise<PodList>;
  deletePod(namespace: string, name: string): Promise<void>;
  /** Every pod the selector matches, in one request (deletecollection). */
  deletePods(namespace: string, labelSelector: string): Promise<void>;
  podLogs(namespace: string, name: string): Promise<string>;
  /**
   * The API server's clock: the Date header of its answer to GET /version (any status: an error
   * carries one too), as epoch ms in whole seconds (RFC 9110 §6.6.1); null when there is none.
   */
  serverDate(): Promise<number | null>;
  /** The API groups besides core the server serves: one discovery request (GET /apis). */
  listApiGroups(): Promise<ServedApiGroup[]>;
  /** networking.k8s.io/v1 NetworkPolicies. */
  listNetworkPolicies(namespace: string): Promise<V1NetworkPolicy[]>;
  /** The objects of a cluster-scoped resource of any group (a CRD's, say), by their metadata. */
  listClusterObjects(group: string, version: string, plural: string): Promise<{ metadata?: V1ObjectMeta }[]>;
  /**
   * Watches pods from `resourceVersion`. `onDone` gets null when the server or the
   * client's inactivity timeout closed the stream (re-watch from the last version),
   * or the error (an ERROR event with 410 Gone arrives through onEvent first).
   */
  watchPods(
    namespace: string,
    labelSelector: string,
    resourceVersion: string,
    onEvent: (type: WatchEventType, pod: V1Pod) => void,
    onDone: (err: Error | null) => void,
  ): Promise<WatchHandle>;
}
