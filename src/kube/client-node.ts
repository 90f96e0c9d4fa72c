// KubeClient on @kubernetes/client-node, configured the way kubectl is:
// --kubeconfig, else $KUBECONFIG (a list of files, merged), else ~/.kube/config; --context.
import {
  ApisApi, CoreV1Api, CustomObjectsApi, DiscoveryV1Api, KubeConfig, NetworkingV1Api, VersionApi, Watch, type RequestContext, type V1ConfigMap, type V1Namespace, type V1ObjectMeta, type V1Pod, type V1Service,
} from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { delimiter } from 'node:path';
import { toKubeApiError } from './errors.ts';
import type { KubeClient, PodList, ServedApiGroup, WatchEventType, WatchHandle } from './kube-client.ts';
import { DEFAULT_PACING, RequestPacer, withRetry, type PacerSettings } from './retry.ts';

export interface ConnectionOptions {
  kubeconfig?: string;
  context?: string;
}

export class ConfigError extends Error {}

/**
 * client-node makes a new undici Agent for every request (KubeConfig.applySecurityAuthentication),
 * so no connection is ever reused: each request pays a TCP and TLS handshake with a fresh secure
 * context. At ~3 requests per node that is 15,000 handshakes for 5,000 nodes, seconds of CPU and
 * ~100 MB of native memory. This keeps the first request's Agent (its TLS settings are the
 * kubeconfig's, the same for every request) and gives it to all the others, which then share its
 * keep-alive connections as kubectl's single transport does.
 */
class PooledKubeConfig extends KubeConfig {
  private dispatcher: ReturnType<RequestContext['getDispatcher']>;

  override async applySecurityAuthentication(context: RequestContext): Promise<void> {
    await super.applySecurityAuthentication(context);
    this.dispatcher ??= context.getDispatcher();
    if (this.dispatcher) context.setDispatcher(this.dispatcher);
  }
}

export function loadKubeConfig(options: ConnectionOptions, env: NodeJS.ProcessEnv = process.env): KubeConfig {
  const kc = new PooledKubeConfig();
  if (options.kubeconfig) {
    if (!existsSync(options.kubeconfig)) throw new ConfigError(`kubeconfig ${options.kubeconfig} (--kubeconfig) does not exist`);
    readKubeconfig(kc, options.kubeconfig);
  } else if (env.KUBECONFIG) {
    // As kubectl does: the files of the list are merged, the first to set a value wins, and missing ones are skipped.
    const listed = env.KUBECONFIG.split(delimiter).filter(Boolean);
    const present = listed.filter((file) => existsSync(file));
    if (present.length === 0) throw new ConfigError(`KUBECONFIG names ${listed.join(', ')}, which ${listed.length === 1 ? 'does' : 'do'} not exist`);
    readKubeconfig(kc, present[0]);
    for (const file of present.slice(1)) {
      const more = new KubeConfig();
      readKubeconfig(more, file);
      kc.mergeConfig(more);
    }
  } else {
    kc.loadFromDefault();
  }
  if (options.context) {
    if (!kc.getContextObject(options.context)) throw new ConfigError(`context "${options.context}" is not in the kubeconfig (have: ${kc.getContexts().map((c) => c.name).join(', ') || 'none'})`);
    kc.setCurrentContext(options.context);
  }
  if (!kc.getCurrentCluster()) throw new ConfigError('no cluster configured: pass --kubeconfig or set KUBECONFIG (as for kubectl)');
  return kc;
}

/** A kubeconfig that does not parse is one line naming the file, not a stack trace from the YAML reader. */
function readKubeconfig(kc: KubeConfig, file: string): void {
  try {
    kc.loadFromFile(file);
  } catch (err) {
    throw new ConfigError(`kubeconfig ${file} cannot be read: ${(err as Error).message.split('\n')[0]}`);
  }
}

export interface ClientOptions {
  pacing?: PacerSettings;
  /** The server answered 429 and requests now go at `ratePerSecond`, after `retryAfterSeconds`. */
  onSlowdown?: (ratePerSecond: number, retryAfterSeconds: number) => void;
}

export function createKubeClient(kc: KubeConfig, options: ClientOptions = {}): KubeClient {
  const core = kc.makeApiClient(CoreV1Api);
  const discovery = kc.makeApiClient(DiscoveryV1Api);
  const networking = kc.makeApiClient(NetworkingV1Api);
  const customObjects = kc.makeApiClient(CustomObjectsApi);
  const apis = kc.makeApiClient(ApisApi);
  const versionApi = kc.makeApiClient(VersionApi);
  const watcher = new Watch(kc);
  // One pacer for every request of this client: the server's budget is per client.
  const pacer = new RequestPacer(options.pacing ?? DEFAULT_PACING, { onSlowdown: options.onSlowdown });
  const call = <T>(doing: string, fn: () => Promise<T>) => withRetry(doing, fn, { pacer });
  const orNull = async <T>(doing: string, fn: () => Promise<T>): Promise<T | null> => {
    try {
      return await call(doing, fn);
    } catch (err) {
      if ((err as { status?: number }).status === 404) return null;
      throw err;
    }
  };
  const ignoreMissing = async (doing: string, fn: () => Promise<unknown>): Promise<void> => {
    await orNull(doing, fn);
  };

  return {
    describeTarget: `${kc.getCurrentCluster()!.server} (context ${kc.getCurrentContext()})`,
    requestStats: () => ({ ...pacer.stats, ratePerSecond: pacer.ratePerSecond }),
    listNodes: async (labelSelector) => (await call('listing nodes', () => core.listNode({ labelSelector }))).items,
    readNamespace: (name) => orNull(`reading namespace ${name}`, () => core.readNamespace({ name })),
    listNamespaces: async (labelSelector) => (await call('listing namespaces', () => core.listNamespace({ labelSelector }))).items,
    createNamespace: (body: V1Namespace) => call(`creating namespace ${body.metadata?.name}`, () => core.createNamespace({ body })),
    deleteNamespace: (name) => ignoreMissing(`deleting namespace ${name}`, () => core.deleteNamespace({ name })),
    createConfigMap: (namespace, body: V1ConfigMap) => call(`creating configmap ${namespace}/${body.metadata?.name}`, () => core.createNamespacedConfigMap({ namespace, body })),
    listConfigMaps: async (namespace, labelSelector) => (await call('listing configmaps', () => (namespace
      ? core.listNamespacedConfigMap({ namespace, labelSelector })
      : core.listConfigMapForAllNamespaces({ labelSelector })))).items,
    deleteConfigMap: (namespace, name) => ignoreMissing(`deleting configmap ${namespace}/${name}`, () => core.deleteNamespacedConfigMap({ namespace, name })),
    createService: (namespace, body: V1Service) => call(`creating service ${namespace}/${body.metadata?.name}`, () => core.createNamespacedService({ namespace, body })),
    listEndpointSlices: async (namespace, labelSelector) => (await call('listing endpointslices', () => discovery.listNamespacedEndpointSlice({ namespace, labelSelector }))).items,
    createPod: (namespace, body: V1Pod) => call(`creating pod ${namespace}/${body.metadata?.name}`, () => core.createNamespacedPod({ namespace, body })),
    readPod: (namespace, name) => orNull(`reading pod ${namespace}/${name}`, () => core.readNamespacedPod({ namespace, name })),
    listPods: async (namespace, labelSelector): Promise<PodList> => {
      const list = await call('listing pods', () => (namespace
        ? core.listNamespacedPod({ namespace, labelSelector })
        : core.listPodForAllNamespaces({ labelSelector })));
      return { items: list.items, resourceVersion: list.metadata?.resourceVersion ?? '' };
    },
    deletePod: (namespace, name) => ignoreMissing(`deleting pod ${namespace}/${name}`, () => core.deleteNamespacedPod({ namespace, name, gracePeriodSeconds: 0 })),
    deletePods: (namespace, labelSelector) => ignoreMissing(`deleting pods in ${namespace}`, () => core.deleteCollectionNamespacedPod({ namespace, labelSelector, gracePeriodSeconds: 0 })),
    podLogs: (namespace, name) => call(`reading the log of pod ${namespace}/${name}`, () => core.readNamespacedPodLog({ namespace, name })),
    async serverDate() {
      // Not retried: one answer is one clock sample, and any status carries the Date header.
      let headers: Record<string, string> | undefined;
      try {
        headers = (await versionApi.getCodeWithHttpInfo()).headers;
      } catch (err) {
        headers = (err as { headers?: Record<string, string> }).headers;
        if (!headers) throw toKubeApiError(err, "reading the API server's clock");
      }
      const date = Date.parse(headers.date ?? '');
      return Number.isNaN(date) ? null : date;
    },
    listApiGroups: async () => (await call('discovering API groups', () => apis.getAPIVersions())).groups.map((group): ServedApiGroup => ({
      name: group.name,
      versions: [...new Set([group.preferredVersion?.version, ...group.versions.map((v) => v.version)].filter((v): v is string => Boolean(v)))],
    })),
    listNetworkPolicies: async (namespace) => (await call(`listing networkpolicies in ${namespace}`, () => networking.listNamespacedNetworkPolicy({ namespace }))).items,
    listClusterObjects: async (group, version, plural) => {
      const list = await call(`listing ${plural}.${group}`, () => customObjects.listClusterCustomObject({ group, version, plural })) as { items?: { metadata?: V1ObjectMeta }[] };
      return list.items ?? [];
    },
    async watchPods(namespace, labelSelector, resourceVersion, onEvent, onDone): Promise<WatchHandle> {
      let controller: AbortController | undefined;
      let stopped = false;
      await pacer.acquire();
      try {
        controller = await watcher.watch(
          `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods`,
          { labelSelector, resourceVersion, allowWatchBookmarks: true },
          (type, obj) => onEvent(type as WatchEventType, obj as V1Pod),
          (err) => { if (!stopped) onDone(err ? toKubeApiError(err, 'watching pods') : null); },
        );
      } catch (err) {
        const failure = toKubeApiError(err, 'watching pods');
        if (failure.status === 429) pacer.throttled(failure.retryAfterSeconds);
        onDone(failure);
      }
      return { stop: () => { stopped = true; controller?.abort(); } };
    },
  };
}
