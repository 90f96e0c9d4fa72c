// One list + one watch for all of a run's pods, however many nodes: no per-pod
// polling. The watch is resumed from the last resourceVersion when it ends (the
// client's 30 s inactivity timeout, a dropped connection) and re-listed after
// 410 Gone, as client-go's reflector does. Per pod it keeps only what a run reads of it
// (10,000 whole pods with their plans would be ~100 MB), and each change goes only to
// the waiters of that pod: a run of N pods costs O(N) however many events come.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient, WatchEventType, WatchHandle } from '../kube/kube-client.ts';

const REWATCH_AFTER_ERROR_MS = 1000;

/** Called with a pod's name and what is known of it now (undefined: not seen, or deleted). */
export type PodListener = (name: string, pod: V1Pod | undefined) => void;

export class PodTracker {
  private readonly pods = new Map<string, V1Pod>();
  /** The waiters of each pod. */
  private readonly listeners = new Map<string, Set<PodListener>>();
  private handle: WatchHandle | undefined;
  private resourceVersion = '';
  private expired = false;
  private stopped = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly selector: string;

  constructor(client: KubeClient, namespace: string, selector: string) {
    this.client = client;
    this.namespace = namespace;
    this.selector = selector;
  }

  async start(): Promise<void> {
    await this.relist();
    await this.watch();
  }

  get(name: string): V1Pod | undefined {
    return this.pods.get(name);
  }

  /**
   * Calls `listener` for each of `names` now, and again whenever that pod changes, until the
   * returned function is called.
   */
  follow(names: Iterable<string>, listener: PodListener): () => void {
    const followed = [...names];
    for (const name of followed) {
      let set = this.listeners.get(name);
      if (!set) this.listeners.set(name, (set = new Set()));
      set.add(listener);
    }
    for (const name of followed) listener(name, this.pods.get(name));
    return () => {
      for (const name of followed) {
        const set = this.listeners.get(name);
        set?.delete(listener);
        if (set?.size === 0) this.listeners.delete(name);
      }
    };
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.handle?.stop();
  }

  private async relist(): Promise<void> {
    const list = await this.client.listPods(this.namespace, this.selector);
    const before = new Set(this.pods.keys());
    this.pods.clear();
    for (const pod of list.items) this.pods.set(pod.metadata!.name!, whatARunReads(pod));
    this.resourceVersion = list.resourceVersion;
    this.expired = false;
    for (const name of new Set([...before, ...this.pods.keys()])) this.notify(name);
  }

  private async watch(): Promise<void> {
    if (this.stopped) return;
    this.handle = await this.client.watchPods(this.namespace, this.selector, this.resourceVersion,
      (type, pod) => this.onEvent(type, pod),
      (err) => this.onDone(err));
  }

  private onEvent(type: WatchEventType, obj: V1Pod): void {
    if (type === 'ERROR') {
      // A Status object; 410 Gone: our resourceVersion is too old to resume from.
      if ((obj as { code?: number }).code === 410) this.expired = true;
      return;
    }
    const rv = obj.metadata?.resourceVersion;
    if (rv) this.resourceVersion = rv;
    if (type === 'BOOKMARK') return;
    const name = obj.metadata!.name!;
    if (type === 'DELETED') this.pods.delete(name);
    else this.pods.set(name, whatARunReads(obj));
    this.notify(name);
  }

  private onDone(err: Error | null): void {
    if (this.stopped) return;
    const resume = async () => {
      try {
        if (this.expired || (err as { status?: number } | null)?.status === 410) await this.relist();
        await this.watch();
      } catch {
        this.retryTimer = setTimeout(() => void resume(), REWATCH_AFTER_ERROR_MS);
      }
    };
    if (err) this.retryTimer = setTimeout(() => void resume(), REWATCH_AFTER_ERROR_MS);
    else void resume();
  }

  private notify(name: string): void {
    const listeners = this.listeners.get(name);
    if (!listeners) return;
    const pod = this.pods.get(name);
    for (const listener of [...listeners]) listener(name, pod);
  }
}

/**
 * The parts of a pod a run reads (pod-state.ts, the session's messages): where it is scheduled,
 * its phase, addresses, conditions and its container's state. Not its spec (the plan, the
 * agent's mounts) nor its managed fields.
 */
function whatARunReads(pod: V1Pod): V1Pod {
  const status = pod.status;
  const container = status?.containerStatuses?.[0];
  return {
    metadata: { name: pod.metadata?.name },
    ...(pod.spec?.nodeName && { spec: { nodeName: pod.spec.nodeName, containers: [] } }),
    status: {
      phase: status?.phase,
      ...(status?.reason && { reason: status.reason }),
      ...(status?.message && { message: status.message }),
      ...(status?.podIP && { podIP: status.podIP }),
      ...(status?.podIPs && { podIPs: status.podIPs.map(({ ip }) => ({ ip })) }),
      ...(status?.conditions && {
        conditions: status.conditions.filter((c) => c.type === 'PodScheduled' || c.type === 'Ready')
          .map(({ type, status: value, reason, message }) => ({ type, status: value, ...(reason && { reason }), ...(message && { message }) })),
      }),
      ...(container && { containerStatuses: [{ name: container.name, image: container.image, imageID: '', ready: container.ready, restartCount: container.restartCount, state: container.state }] }),
    },
  };
}
