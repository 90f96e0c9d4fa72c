// The kubelets of all lab nodes in one loop: admit pods bound to a lab node, materialise
// ConfigMap volumes, pull images (failing, with the kubelet's back-off, while ImagePulls
// says so), start them through the PodRuntime, report status the way the kubelet's
// status manager does, enforce activeDeadlineSeconds, and finish graceful deletion.
// Containers are not restarted: every restartPolicy ends the pod as Never does (all exit 0 →
// Succeeded, else Failed).
import type { ContainerExit, ContainerSpec, LabNode, PodRuntime, RunningPod } from '../contracts.ts';
import type { Deleter } from './deletion.ts';
import type { EventRecorder } from './events.ts';
import { pullBackOffMs, type ImagePulls } from './image-pulls.ts';
import { now } from './meta.ts';
import { setCondition } from './scheduler.ts';
import type { KObject, Store, StoreEvent } from './store.ts';
import { KeyedQueue, objectKey, splitKey, type ErrorSink } from './workqueue.ts';

type Any = Record<string, any>;
type Pod = KObject & Any;

interface Terminated { exitCode: number; reason: string; startedAt: string; finishedAt: string }

interface PodState {
  uid: string;
  namespace: string;
  name: string;
  node: LabNode;
  startTime: string;
  launched: boolean;
  /** Settles when runtime.startPod has; stopping waits for it, or a late start would outlive the stop. */
  launch?: Promise<void>;
  running?: RunningPod;
  startError?: string;
  waitingFor?: string;
  containers: Map<string, { startedAt?: string; terminated?: Terminated }>;
  deadline?: NodeJS.Timeout;
  /** Images pulled; failed pulls in a row, what the container waits with meanwhile, until when, and the timers. */
  imagesPulled: boolean;
  pullFailures: number;
  pullWaiting?: { reason: 'ErrImagePull' | 'ImagePullBackOff'; message: string };
  pullBackOffUntil?: number;
  pullTimers: NodeJS.Timeout[];
  /** Containers with a readinessProbe: whether they pass it, and the probe's next run. */
  readiness: Map<string, boolean>;
  probeTimers: Map<string, NodeJS.Timeout>;
  deadlineExceeded: boolean;
  stopping: boolean;
}

const DEADLINE_MESSAGE = 'Pod was active on the node longer than the specified deadline';
/** After ErrImagePull the kubelet's next sync of the pod, still inside the back-off, shows ImagePullBackOff. */
const BACKOFF_SHOWN_AFTER_MS = 1000;

/** Resolves an env var's value; `status.podIP` is only known once the runtime has made the sandbox. */
function envValue(env: Any, pod: Pod, node: LabNode): string | { podIP: true } | undefined {
  if (env.value !== undefined) return String(env.value);
  const path: string | undefined = env.valueFrom?.fieldRef?.fieldPath;
  const label = path && /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return pod.metadata.labels?.[label[1]] ?? '';
  switch (path) {
    case 'metadata.name': return pod.metadata.name;
    case 'metadata.namespace': return pod.metadata.namespace;
    case 'metadata.uid': return pod.metadata.uid;
    case 'spec.nodeName': return node.name;
    case 'spec.serviceAccountName': return pod.spec.serviceAccountName ?? 'default';
    case 'status.hostIP': return node.internalIP;
    case 'status.podIP': return pod.spec.hostNetwork ? node.internalIP : { podIP: true };
    default: return undefined;
  }
}

export class Kubelets {
  private readonly store: Store;
  private readonly nodes: LabNode[];
  private readonly runtime: PodRuntime;
  private readonly events: EventRecorder;
  private readonly deleter: Deleter;
  private readonly imagePulls: ImagePulls;
  private readonly states = new Map<string, PodState>();
  private readonly queue: KeyedQueue;
  private readonly unsubscribe: () => void;
  private closed = false;

  constructor(store: Store, nodes: LabNode[], runtime: PodRuntime, events: EventRecorder, deleter: Deleter, imagePulls: ImagePulls, onError: ErrorSink) {
    this.queue = new KeyedQueue((key) => this.sync(...splitKey(key)), onError);
    this.store = store;
    this.nodes = nodes;
    this.runtime = runtime;
    this.events = events;
    this.deleter = deleter;
    this.imagePulls = imagePulls;
    this.unsubscribe = store.subscribe((e) => this.observe(e));
    runtime.onContainerExit((exit) => this.onExit(exit));
  }

  /** Stops every pod these kubelets started. */
  async close(): Promise<void> {
    this.closed = true;
    this.queue.close();
    this.unsubscribe();
    for (const state of this.states.values()) clearTimers(state);
    await Promise.all([...this.states.values()].map((state) => this.stopSandbox(state)));
    this.states.clear();
  }

  private observe(e: StoreEvent): void {
    if (e.resource === 'pods' && e.type === 'DELETED') this.forget(e.object.metadata.uid);
    else if (e.resource === 'pods') this.queue.add(objectKey(e.object.metadata.namespace!, e.object.metadata.name));
    else if (e.resource === 'configmaps' && e.type !== 'DELETED') {
      // The kubelet retries volume setup; the lab retries when the missing ConfigMap appears.
      for (const s of this.states.values()) if (s.namespace === e.object.metadata.namespace && s.waitingFor === e.object.metadata.name) this.queue.add(objectKey(s.namespace, s.name));
    }
  }

  private sync(namespace: string, name: string): void {
    const pod = this.store.get('pods', namespace, name) as Pod | undefined;
    const node = pod && this.nodes.find((n) => n.name === pod.spec.nodeName);
    if (!pod || !node) return;
    let state = this.states.get(pod.metadata.uid);
    if (pod.metadata.deletionTimestamp) return void this.terminate(pod, state);
    if (!state) state = this.admit(pod, node);
    if (!state.launched && !state.deadlineExceeded) this.launch(pod, state);
  }

  private admit(pod: Pod, node: LabNode): PodState {
    const state: PodState = {
      uid: pod.metadata.uid, namespace: pod.metadata.namespace!, name: pod.metadata.name, node, startTime: now(),
      launched: false, containers: new Map(pod.spec.containers.map((c: Any) => [c.name, {}])), imagesPulled: false, pullFailures: 0, pullTimers: [], readiness: new Map(), probeTimers: new Map(), deadlineExceeded: false, stopping: false,
    };
    this.states.set(state.uid, state);
    const seconds = pod.spec.activeDeadlineSeconds;
    // Counted from status.startTime, i.e. from admission by the kubelet (pkg/kubelet/active_deadline.go).
    if (seconds) state.deadline = setTimeout(() => this.deadlineExceeded(state), seconds * 1000);
    this.writeStatus(state);
    return state;
  }

  private launch(pod: Pod, state: PodState): void {
    if (state.pullBackOffUntil !== undefined && Date.now() < state.pullBackOffUntil) return;
    const volumes = new Map<string, Record<string, string>>();
    for (const v of pod.spec.volumes ?? []) {
      if (!v.configMap) continue;
      const cm = this.store.get('configmaps', state.namespace, v.configMap.name) as Pod | undefined;
      if (!cm && !v.configMap.optional) {
        state.waitingFor = v.configMap.name;
        this.events.record('pods', pod, 'Warning', 'FailedMount', `MountVolume.SetUp failed for volume "${v.name}" : configmap "${v.configMap.name}" not found`, this.source(state));
        return;
      }
      const data: Record<string, string> = cm?.data ?? {};
      const items: { key: string; path: string }[] = v.configMap.items ?? Object.keys(data).map((key) => ({ key, path: key }));
      volumes.set(v.name, Object.fromEntries(items.filter((i) => i.key in data).map((i) => [i.path, data[i.key]])));
    }
    state.waitingFor = undefined;
    const pulled = this.pullImages(pod, state);
    if (!pulled) return;
    state.launched = true;
    const containers: ContainerSpec[] = pod.spec.containers.map((c: Any) => {
      const env: Record<string, string> = {};
      const podIPEnv: string[] = [];
      for (const e of c.env ?? []) {
        const value = envValue(e, pod, state.node);
        if (typeof value === 'string') env[e.name] = value;
        else if (value) podIPEnv.push(e.name);
      }
      return {
        name: c.name,
        image: c.image,
        command: c.command,
        args: c.args,
        env,
        ...(podIPEnv.length ? { podIPEnv } : {}),
        runAsUser: c.securityContext?.runAsUser,
        mounts: (c.volumeMounts ?? []).filter((m: Any) => volumes.has(m.name)).map((m: Any) => ({ mountPath: m.mountPath, files: volumes.get(m.name)! })),
      };
    });
    for (const c of containers) {
      this.events.record('pods', pod, 'Normal', 'Pulled', pulled === 'pulled' ? `Successfully pulled image "${c.image}"` : `Container image "${c.image}" already present on machine`, this.source(state));
      this.events.record('pods', pod, 'Normal', 'Created', `Created container ${c.name}`, this.source(state));
    }
    state.launch = this.runtime.startPod({
      uid: state.uid, namespace: state.namespace, name: state.name, node: state.node, hostNetwork: !!pod.spec.hostNetwork,
      runAsUser: pod.spec.securityContext?.runAsUser, containers,
    }).then((running) => {
      if (this.closed) return;
      state.running = running;
      const startedAt = now();
      for (const c of state.containers.values()) c.startedAt ??= startedAt;
      if (state.stopping || state.deadlineExceeded) return;
      const current = this.store.get('pods', state.namespace, state.name);
      if (current) for (const c of containers) this.events.record('pods', current, 'Normal', 'Started', `Started container ${c.name}`, this.source(state));
      this.startReadinessProbes(pod, state);
      this.writeStatus(state);
    }, (err: Error) => {
      state.startError = err.message;
      const current = this.store.get('pods', state.namespace, state.name);
      if (current) this.events.record('pods', current, 'Warning', 'Failed', `Error: ${err.message}`, this.source(state));
      this.writeStatus(state);
    });
  }

  /**
   * Images are pulled before any container is created (the kubelet's EnsureImageExists):
   * 'present' or 'pulled' once they are there; false while a pull is under way or failed.
   */
  private pullImages(pod: Pod, state: PodState): 'present' | 'pulled' | false {
    if (state.imagesPulled) return 'pulled';
    for (const c of pod.spec.containers as Any[]) {
      const outcome = this.imagePulls.pull(c.image, state.node.name);
      if (!outcome) continue;
      if ('failure' in outcome) {
        this.pullFailed(pod, state, c.image, outcome.failure);
        return false;
      }
      this.events.record('pods', pod, 'Normal', 'Pulling', `Pulling image "${c.image}"`, this.source(state));
      state.imagesPulled = true;
      this.retryAfter(state, outcome.takesMs);
      return false;
    }
    const hadTrouble = state.pullFailures > 0;
    state.pullFailures = 0;
    state.pullWaiting = undefined;
    return hadTrouble ? 'pulled' : 'present';
  }

  /** Syncs the pod again in `ms` (not before: launch() waits for it). */
  private retryAfter(state: PodState, ms: number): void {
    state.pullBackOffUntil = Date.now() + ms;
    state.pullTimers.push(setTimeout(() => this.queue.add(objectKey(state.namespace, state.name)), ms));
  }

  /**
   * readinessProbe (tcpSocket) as the kubelet's prober runs it: after initialDelaySeconds, every
   * periodSeconds a connect within timeoutSeconds; ready after successThreshold passes in a row,
   * not ready after failureThreshold failures (defaults 0, 10, 1, 1, 3). A runtime that cannot
   * connect to pods (no probeTcp) has them pass.
   */
  private startReadinessProbes(pod: Pod, state: PodState): void {
    const probeTcp = this.runtime.probeTcp?.bind(this.runtime);
    if (!probeTcp) return;
    for (const c of pod.spec.containers as Any[]) {
      const probe = c.readinessProbe;
      if (!probe?.tcpSocket) continue;
      const port = typeof probe.tcpSocket.port === 'number' ? probe.tcpSocket.port
        : (c.ports ?? []).find((p: Any) => p.name === probe.tcpSocket.port)?.containerPort;
      state.readiness.set(c.name, false);
      let passes = 0;
      let failures = 0;
      const tick = async () => {
        const container = state.containers.get(c.name);
        if (this.closed || state.stopping || state.deadlineExceeded || container?.terminated || port === undefined) return;
        const ok = await probeTcp(state.uid, port, (probe.timeoutSeconds ?? 1) * 1000);
        if (this.closed || state.stopping || state.deadlineExceeded || container?.terminated) return;
        if (ok) [passes, failures] = [passes + 1, 0];
        else [passes, failures] = [0, failures + 1];
        const current = this.store.get('pods', state.namespace, state.name);
        if (!ok && current) this.events.record('pods', current, 'Warning', 'Unhealthy', `Readiness probe failed: dial tcp ${state.running?.podIP}:${port}: no connection within ${probe.timeoutSeconds ?? 1}s`, this.source(state));
        const wasReady = state.readiness.get(c.name)!;
        const ready = wasReady ? failures < (probe.failureThreshold ?? 3) : passes >= (probe.successThreshold ?? 1);
        if (ready !== wasReady) {
          state.readiness.set(c.name, ready);
          this.writeStatus(state);
        }
        state.probeTimers.set(c.name, setTimeout(() => void tick(), (probe.periodSeconds ?? 10) * 1000));
      };
      state.probeTimers.set(c.name, setTimeout(() => void tick(), (probe.initialDelaySeconds ?? 0) * 1000));
    }
  }

  /** A failed pull: ErrImagePull now, ImagePullBackOff at the next sync, and another pull once the back-off ends. */
  private pullFailed(pod: Pod, state: PodState, image: string, failure: string): void {
    state.pullFailures++;
    state.pullWaiting = { reason: 'ErrImagePull', message: failure };
    const backOffMs = pullBackOffMs(state.pullFailures);
    this.events.record('pods', pod, 'Warning', 'Failed', `Failed to pull image "${image}": ${failure}`, this.source(state));
    this.events.record('pods', pod, 'Warning', 'Failed', 'Error: ErrImagePull', this.source(state));
    this.writeStatus(state);
    state.pullTimers.forEach(clearTimeout);
    state.pullTimers = [
      setTimeout(() => {
        const current = this.store.get('pods', state.namespace, state.name);
        if (!current || state.launched) return;
        state.pullWaiting = { reason: 'ImagePullBackOff', message: `Back-off pulling image "${image}": ErrImagePull: ${failure}` };
        this.events.record('pods', current, 'Normal', 'BackOff', `Back-off pulling image "${image}"`, this.source(state));
        this.events.record('pods', current, 'Warning', 'Failed', 'Error: ImagePullBackOff', this.source(state));
        this.writeStatus(state);
      }, Math.min(BACKOFF_SHOWN_AFTER_MS, backOffMs)),
    ];
    this.retryAfter(state, backOffMs);
  }

  private async stopSandbox(state: PodState): Promise<void> {
    await state.launch;
    await this.runtime.stopPod(state.uid);
  }

  private onExit(exit: ContainerExit): void {
    const state = this.states.get(exit.uid);
    const container = state?.containers.get(exit.container);
    if (!state || !container || container.terminated) return;
    const finishedAt = now();
    container.terminated = { exitCode: exit.exitCode, reason: exit.reason, startedAt: container.startedAt ?? finishedAt, finishedAt };
    if (!state.stopping) this.writeStatus(state);
  }

  private deadlineExceeded(state: PodState): void {
    const pod = this.store.get('pods', state.namespace, state.name) as Pod | undefined;
    if (!pod || ['Succeeded', 'Failed'].includes(pod.status.phase) || state.stopping) return;
    state.deadlineExceeded = true;
    clearTimers(state);
    this.events.record('pods', pod, 'Warning', 'DeadlineExceeded', DEADLINE_MESSAGE, this.source(state));
    this.killing(pod, state);
    this.writeStatus(state);
    void this.stopSandbox(state).then(() => {
      // Killed by SIGKILL after the grace period: 128 + 9, as the container runtime reports it.
      const finishedAt = now();
      for (const c of state.containers.values()) c.terminated ??= { exitCode: 137, reason: 'Error', startedAt: c.startedAt ?? finishedAt, finishedAt };
      if (!this.closed && !state.stopping) this.writeStatus(state);
    });
  }

  private killing(pod: Pod, state: PodState): void {
    for (const [name, c] of state.containers) {
      if (state.running && !c.terminated) this.events.record('pods', pod, 'Normal', 'Killing', `Stopping container ${name}`, this.source(state));
    }
  }

  private async terminate(pod: Pod, state: PodState | undefined): Promise<void> {
    if (state?.stopping) return;
    if (state) {
      state.stopping = true;
      clearTimers(state);
      this.killing(pod, state);
      await this.stopSandbox(state);
    } else await this.runtime.stopPod(pod.metadata.uid); // bound, but deleted before this kubelet admitted it
    if (!this.closed) this.deleter.finish('pods', pod.metadata.namespace, pod.metadata.name);
  }

  private forget(uid: string): void {
    const state = this.states.get(uid);
    if (!state) return;
    clearTimers(state);
    this.states.delete(uid);
    // A force delete (grace period 0) removes the object first; the kubelet then kills what is left.
    if (!state.stopping) void this.stopSandbox(state);
  }

  private source(state: PodState) {
    return { component: 'kubelet', host: state.node.name };
  }

  /** Writes the pod status from what this kubelet knows (the status manager's job). */
  private writeStatus(state: PodState): void {
    this.store.mutate('pods', state.namespace, state.name, (pod: Pod) => {
      const spec: Any[] = pod.spec.containers;
      const statuses = spec.map((c) => {
        const s = state.containers.get(c.name)!;
        const containerID = `lab://${state.uid}/${c.name}`;
        const base = { name: c.name, image: c.image, imageID: c.image, restartCount: 0 };
        if (s.terminated) return { ...base, containerID, ready: false, started: false, state: { terminated: { ...s.terminated, containerID } } };
        if (state.running && !state.deadlineExceeded) return { ...base, containerID, ready: state.readiness.get(c.name) ?? true, started: true, state: { running: { startedAt: s.startedAt } } };
        const waiting = state.startError ? { reason: 'CreateContainerError', message: state.startError } : state.pullWaiting ?? { reason: 'ContainerCreating' };
        return { ...base, ready: false, started: false, state: { waiting } };
      });
      const allDone = statuses.every((s) => s.state.terminated);
      let phase = 'Pending';
      if (state.deadlineExceeded) phase = 'Failed';
      else if (allDone) phase = statuses.every((s) => s.state.terminated!.exitCode === 0) ? 'Succeeded' : 'Failed';
      else if (state.running) phase = 'Running';
      const ready = phase === 'Running' && statuses.every((s) => s.ready);
      const unready = statuses.filter((s) => !s.ready).map((s) => s.name);
      const readiness = ready ? { status: 'True' as const }
        : { status: 'False' as const, reason: phase === 'Running' || phase === 'Pending' ? 'ContainersNotReady' : 'PodCompleted', message: `containers with unready status: [${unready.join(' ')}]` };
      if (phase === 'Succeeded' || phase === 'Failed') delete readiness.message;

      pod.status.phase = phase;
      if (state.deadlineExceeded) Object.assign(pod.status, { reason: 'DeadlineExceeded', message: DEADLINE_MESSAGE });
      pod.status.startTime = state.startTime;
      pod.status.hostIP = state.node.internalIP;
      pod.status.hostIPs = [state.node.internalIP, ...(state.node.internalIP6 ? [state.node.internalIP6] : [])].map((ip) => ({ ip }));
      if (state.running) {
        pod.status.podIP = state.running.podIP;
        // Dual-stack: one address per family, the primary (IPv4) first, as the kubelet lists them.
        pod.status.podIPs = (state.running.podIPs ?? [state.running.podIP]).map((ip) => ({ ip }));
      }
      setCondition(pod, { type: 'PodReadyToStartContainers', status: state.running ? 'True' : 'False' });
      setCondition(pod, { type: 'Initialized', status: 'True' });
      setCondition(pod, { type: 'Ready', ...readiness });
      setCondition(pod, { type: 'ContainersReady', ...readiness });
      setCondition(pod, { type: 'PodScheduled', status: 'True' });
      pod.status.containerStatuses = statuses;
    });
  }
}

function clearTimers(state: PodState): void {
  clearTimeout(state.deadline);
  state.probeTimers.forEach(clearTimeout);
  state.probeTimers.clear();
  state.pullTimers.forEach(clearTimeout);
  state.pullTimers = [];
}
