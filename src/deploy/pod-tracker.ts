// One list + one watch for all of a run's pods, however many nodes: no per-pod
// polling. The watch is resumed from the last resourceVersion when it ends (the
// client's 30 s inactivity timeout, a dropped connection) and re-listed after
// 410 Gone, as client-go's reflector does.
import type { V1Pod } from '@kubernetes/client-node';
import type { KubeClient, WatchEventType, WatchHandle } from '../kube/kube-client.ts';

const REWATCH_AFTER_ERROR_MS = 1000;

export class PodTracker {
  private readonly pods = new Map<string, V1Pod>();
  private readonly listeners = new Set<() => void>();
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
   * Resolves with the first non-undefined value of `check` (evaluated now and on
   * every change), or undefined once `timeoutMs` passes or `signal` aborts (or had
   * aborted already: an abort event is never sent twice, so it is checked first).
   */
  waitFor<T>(check: () => T | undefined, timeoutMs: number, signal?: AbortSignal): Promise<T | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (value: T | undefined) => {
        clearTimeout(timer);
        this.listeners.delete(onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(value);
      };
      const onChange = () => {
        const value = check();
        if (value !== undefined) finish(value);
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(() => finish(undefined), timeoutMs);
      this.listeners.add(onChange);
      signal?.addEventListener('abort', onAbort);
      onChange();
    });
  }

  /** Evaluates the waiting checks again: for conditions that change with time, not with the pods. */
  recheck(): void {
    this.notify();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.retryTimer);
    this.handle?.stop();
  }

  private async relist(): Promise<void> {
    const list = await this.client.listPods(this.namespace, this.selector);
    this.pods.clear();
    for (const pod of list.items) this.pods.set(pod.metadata!.name!, pod);
    this.resourceVersion = list.resourceVersion;
    this.expired = false;
    this.notify();
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
    else this.pods.set(name, obj);
    this.notify();
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

  private notify(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
