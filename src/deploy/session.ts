// One run's footprint in a cluster, whatever the command: its namespace (own or
// given), the agent ConfigMap every pod mounts and is owned by, one watch over
// all its pods, the results read from their logs, and the cleanup. Commands
// (matrix, nodes, dns) decide which pods with which plans; this does the rest.
import type { V1OwnerReference, V1Pod, V1Toleration } from '@kubernetes/client-node';
import pLimit from 'p-limit';
import { KubeApiError } from '../kube/errors.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import type { NetworkPath } from '../shared/plan.ts';
import { runSelector, type PodRole } from './labels.ts';
import { agentConfigMap, namespaceManifest, ownerReferenceTo, POD_SECURITY_ENFORCE, probePod, probePodName, type ExtraVolume, type RunObjects } from './manifests.ts';
import { PodTracker } from './pod-tracker.ts';
import { ImagePullPatience, podVerdict, type PodVerdict } from './pod-state.ts';

/**
 * Requests in flight at once. Their rate is the client's pacer's (src/kube/retry.ts), which
 * follows the server's 429s; this only bounds how many wait on the server at a time.
 */
const API_CONCURRENCY = 16;

export interface SessionSettings {
  runId: string;
  namespace: string;
  /** True: the run makes its own namespace (and removes it). */
  ownNamespace: boolean;
  namespaceLabels: Record<string, string>;
  /** The namespace must admit hostNetwork pods (PodSecurity "privileged"). */
  hostNetwork: boolean;
  image: string;
  tolerations: V1Toleration[];
  /** Pods are killed by the kubelet past this, even if the CLI is gone. */
  activeDeadlineSeconds: number;
  keep: boolean;
}

export interface Progress {
  /** A new phase: always one line. */
  phase(text: string): void;
  /** A status that replaces the previous one (a TTY shows it, a log may drop it). */
  status(text: string): void;
  /** Something the user should know at once. */
  warn(text: string): void;
}

/** One agent pod to create: its node, its plan, what it listens on once ready, a further ConfigMap it mounts. */
export interface PodPlan {
  node: string;
  plan: object;
  readinessPort?: number;
  volume?: ExtraVolume;
}

/** A pod of the run and what it is for. */
export interface TrackedPod {
  name: string;
  node: string;
  role: PodRole;
  path: NetworkPath;
}

/** A run that cannot go on for a reason the user can fix: shown as one line. */
export class DeployError extends Error {}

export class RunAborted extends Error {
  constructor() {
    super('interrupted');
  }
}

/** Where the pods a run waits for stand: `settled` reached the goal or failed, `running` run and have not yet. */
export interface PodCounts {
  settled: number;
  running: number;
  total: number;
}

/** What a run waits for its pods to reach: running with an IP, ready (a responder listens), or finished. */
export type PodGoal = 'running' | 'ready' | 'finished';

/** A node that gave no data as a destination on one path: its responder there failed or died. */
export interface DeadDestination {
  node: string;
  path: NetworkPath;
  reason: string;
}

export class ProbeSession {
  /** Nodes without data, and why, in the order they were found. */
  readonly noData = new Map<string, string>();
  /** Destinations without data, by path and node (a node there may still have data as a source). */
  readonly deadDestinations = new Map<string, DeadDestination>();
  private readonly limit = pLimit(API_CONCURRENCY);
  private readonly client: KubeClient;
  private readonly settings: SessionSettings;
  private readonly progress: Progress;
  private readonly tracker: PodTracker;
  private readonly run: RunObjects;
  private owner: V1OwnerReference | undefined;

  private constructor(client: KubeClient, settings: SessionSettings, progress: Progress) {
    this.client = client;
    this.settings = settings;
    this.progress = progress;
    this.tracker = new PodTracker(client, settings.namespace, runSelector(settings.runId));
    this.run = {
      runId: settings.runId, namespace: settings.namespace, image: settings.image, tolerations: settings.tolerations, activeDeadlineSeconds: settings.activeDeadlineSeconds,
    };
  }

  /** Prepares the namespace, stores the agent, starts watching. On failure removes what it made. */
  static async open(client: KubeClient, settings: SessionSettings, agentCode: string, progress: Progress): Promise<ProbeSession> {
    const session = new ProbeSession(client, settings, progress);
    await session.prepareNamespace();
    try {
      session.owner = ownerReferenceTo(await client.createConfigMap(settings.namespace, agentConfigMap(session.run, agentCode)));
      await session.tracker.start();
    } catch (err) {
      await session.close();
      throw err;
    }
    return session;
  }

  markNoData(node: string, reason: string): void {
    if (this.noData.has(node)) return;
    this.noData.set(node, reason);
    this.progress.warn(`node ${node}: no data: ${reason}`);
  }

  markDestinationNoData(node: string, path: NetworkPath, reason: string): void {
    const key = `${path}/${node}`;
    if (this.deadDestinations.has(key)) return;
    this.deadDestinations.set(key, { node, path, reason });
    this.progress.warn(`node ${node}: no data as a destination on the ${path} network: ${reason}`);
  }

  /** The pod as last seen, if it still exists. */
  pod(name: string): V1Pod | undefined {
    return this.tracker.get(name);
  }

  /** The pod's log, or undefined when it cannot be read (the pod is gone). */
  async podLog(name: string): Promise<string | undefined> {
    try {
      return await this.limit(() => this.client.podLogs(this.settings.namespace, name));
    } catch {
      return undefined;
    }
  }

  /**
   * Creates one agent pod per (node, plan), in parallel at the client's pace; once `signal`
   * aborts, no more (and throws RunAborted). Each manifest is made only when its turn comes.
   * `created` hears of each pod once the API has it.
   */
  async createPods(
    role: PodRole, path: NetworkPath, plans: readonly PodPlan[], signal?: AbortSignal, created: (pod: TrackedPod) => void = () => {},
  ): Promise<{ tracked: TrackedPod[] }> {
    const tracked = this.podsFor(role, path, plans);
    await Promise.all(plans.map(({ node, plan, readinessPort, volume }, i) => this.limit(async () => {
      if (signal?.aborted) return;
      try {
        await this.client.createPod(this.settings.namespace, probePod(this.run, this.owner!, role, path, node, i, plan, readinessPort, volume));
      } catch (err) {
        // A namespace without the label still gets the cluster's default level, which may refuse host networking.
        if (path === 'host' && err instanceof KubeApiError && err.status === 403 && /PodSecurity/.test(err.message)) throw new DeployError(privilegedNeeded(this.settings.namespace, 'refuses host-network pods'));
        throw err;
      }
      created(tracked[i]);
    })));
    if (signal?.aborted) throw new RunAborted();
    return { tracked };
  }

  /** The pods createPods makes of these plans (their names are known before they exist). */
  podsFor(role: PodRole, path: NetworkPath, plans: readonly PodPlan[]): TrackedPod[] {
    return plans.map(({ node }, i) => ({ name: probePodName(this.run, role, path, i), node, role, path }));
  }

  get runObjects(): RunObjects {
    return this.run;
  }

  get ownerReference(): V1OwnerReference {
    return this.owner!;
  }

  /**
   * Waits until every pod is running (with an IP), ready or finished, or has failed, the
   * timeout passed or the run was interrupted. Every pod that did not make it
   * becomes a no-data node (a responder: a no-data destination) with its reason, as soon
   * as that is known; an agent that exited with an error is quoted. Each pod is looked at
   * only when it changes. `status` words the progress line (default "responders: 12/20 ready").
   * `created`: the pods are still being created; the timeout starts once they are (and a
   * failure to create them ends the wait with that error).
   */
  async waitFor(
    pods: readonly TrackedPod[], goal: PodGoal, timeoutMs: number, signal: AbortSignal,
    status: (counts: PodCounts) => string = ({ settled, total }) => `${rolePlural(pods)}: ${settled}/${total} ${GOAL_WORD[goal]}`,
    created: Promise<unknown> = Promise.resolve(),
  ): Promise<Map<string, PodVerdict>> {
    const byName = new Map(pods.map((pod) => [pod.name, pod]));
    const settled = new Map<string, PodVerdict>();
    const running = new Set<string>();
    let creationFailed: { error: unknown } | undefined;
    const reached = (v: PodVerdict) => v.state === 'failed' || v.state === 'succeeded'
      || (v.state === 'running' && (goal === 'running' || (goal === 'ready' && v.ready)));
    const explained: Promise<void>[] = [];
    const pulls = new ImagePullPatience();
    const pullsAnnounced = new Set<string>();
    let giveUpTimer: NodeJS.Timeout | undefined;
    let giveUpAt: number | undefined;
    await new Promise<void>((resolve) => {
      let stopFollowing = () => {};
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        clearTimeout(giveUpTimer);
        stopFollowing();
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const judge = (name: string, current: V1Pod | undefined) => {
        const pod = byName.get(name)!;
        if (settled.has(name) || !current) return;
        const verdict = pulls.judge(name, podVerdict(current), Date.now());
        if (verdict.state === 'running') running.add(name);
        else running.delete(name);
        if (verdict.state === 'pending' && verdict.imagePull && !pullsAnnounced.has(name)) {
          pullsAnnounced.add(name);
          this.progress.phase(`node ${pod.node}: ${pod.role} pod ${name}: ${verdict.imagePull}; the kubelet pulls again, netprobe waits up to ${Math.round(Math.min(pulls.patienceMs, timeoutMs) / 1000)}s`);
        }
        if (!reached(verdict)) return;
        settled.set(name, verdict);
        if (verdict.state === 'failed') explained.push(this.explainFailure(pod, verdict.reason).then((reason) => this.markFailed(pod, reason)));
        this.progress.status(status({ settled: settled.size, running: running.size, total: pods.length }));
        if (settled.size === pods.length) finish();
      };
      // A failing pull gives up with time, not with a change of the pod: look at those pods again then.
      const watchPulls = () => {
        const next = pulls.nextGiveUp();
        if (next === giveUpAt) return;
        clearTimeout(giveUpTimer);
        giveUpAt = next;
        if (next === undefined) return;
        giveUpTimer = setTimeout(() => {
          giveUpAt = undefined;
          for (const name of pulls.failing()) judge(name, this.tracker.get(name));
          watchPulls();
        }, Math.max(0, next - Date.now()));
      };
      created.then(() => {
        timer = setTimeout(finish, timeoutMs);
      }, (error: unknown) => {
        creationFailed = { error };
        finish();
      });
      signal.addEventListener('abort', finish);
      if (signal.aborted || pods.length === 0) return finish();
      this.progress.status(status({ settled: 0, running: 0, total: pods.length }));
      stopFollowing = this.tracker.follow(byName.keys(), (name, current) => {
        judge(name, current);
        watchPulls();
      });
    });
    await Promise.all(explained);
    if (creationFailed) throw creationFailed.error;
    if (signal.aborted) throw new RunAborted();
    for (const pod of pods) {
      if (!settled.has(pod.name)) this.markFailed(pod, `not ${goal} after ${Math.round(timeoutMs / 1000)}s (${describeWaiting(this.tracker.get(pod.name))})`);
    }
    return settled;
  }

  /** A pod that did not make it: its node gives no data, or, for a responder, none as a destination on its path. */
  markFailed(pod: TrackedPod, reason: string): void {
    const text = `${pod.role} pod ${pod.name} (${pod.path} network): ${reason}`;
    if (pod.role === 'responder') this.markDestinationNoData(pod.node, pod.path, text);
    else this.markNoData(pod.node, text);
  }

  /** An agent that exited with an error said why on stderr ("netprobe-agent: TCP port 7400 … is already in use"): add that. */
  async explainFailure(pod: TrackedPod, reason: string): Promise<string> {
    const exitCode = this.tracker.get(pod.name)?.status?.containerStatuses?.[0]?.state?.terminated?.exitCode;
    if (exitCode === undefined || exitCode === 0) return reason;
    const said = (await this.podLog(pod.name))?.split('\n').reverse().find((line) => line.startsWith('netprobe-agent'));
    return said ? `${reason} (${said.replace(/^netprobe-agent(\[[^\]]*\])?: /, '')})` : reason;
  }

  /** Waits for the pods to finish, the status line counting down to `endsAt` (epoch ms) and counting those done; throws RunAborted when interrupted. */
  async waitUntilFinished(pods: readonly TrackedPod[], activity: string, endsAt: number, timeoutMs: number, signal: AbortSignal): Promise<void> {
    let counts: PodCounts = { settled: 0, running: 0, total: pods.length };
    const line = () => `${activity}: ${Math.max(0, Math.round((endsAt - Date.now()) / 1000))}s left; ${rolePlural(pods)}: ${counts.running} running, ${counts.settled}/${counts.total} done`;
    const ticker = setInterval(() => this.progress.status(line()), 1000);
    try {
      await this.waitFor(pods, 'finished', timeoutMs, signal, (now) => {
        counts = now;
        return line();
      });
    } finally {
      clearInterval(ticker);
    }
    if (signal.aborted) throw new RunAborted();
  }

  /**
   * Each succeeded pod's parsed log; a log that does not parse makes its node no-data.
   * `alsoRunning`: read pods still running too (a run cut short, whose agents print interim results).
   */
  async results<T>(pods: readonly TrackedPod[], parse: (log: string, source: string, pod: TrackedPod) => T, alsoRunning = false): Promise<T[]> {
    const parsed = await Promise.all(pods.map((pod) => this.limit(async () => {
      const current = this.tracker.get(pod.name);
      const state = current ? podVerdict(current).state : 'pending';
      if (state !== 'succeeded' && !(alsoRunning && state === 'running')) return undefined;
      const source = `pod ${pod.name} on ${pod.node}`;
      try {
        return parse(await this.client.podLogs(this.settings.namespace, pod.name), source, pod);
      } catch (err) {
        const message = (err as Error).message;
        this.markNoData(pod.node, message.startsWith(source) ? message : `${source}: ${message}`);
        return undefined;
      }
    })));
    return parsed.filter((r): r is Awaited<T> => r !== undefined) as T[];
  }

  /** Removes the run (or, with --keep, says how to). Safe to call twice. */
  async close(): Promise<void> {
    this.tracker.stop();
    if (this.settings.keep) {
      this.progress.phase(`--keep: leaving the run's pods in namespace ${this.settings.namespace}; remove with: kubectl netprobe cleanup --run ${this.settings.runId}`);
      return;
    }
    await removeRun(this.client, this.settings.namespace, this.settings.runId, this.settings.ownNamespace, this.progress);
  }

  private async prepareNamespace(): Promise<void> {
    const { namespace } = this.settings;
    const existing = await this.client.readNamespace(namespace);
    if (this.settings.ownNamespace) {
      if (existing) throw new DeployError(`namespace ${namespace} already exists: pick another run id or pass -n`);
      await this.client.createNamespace(namespaceManifest(namespace, this.settings.runId, this.settings.namespaceLabels, this.settings.hostNetwork));
      return;
    }
    if (!existing) throw new DeployError(`namespace ${namespace} not found (leave out -n and netprobe makes its own)`);
    if (existing.status?.phase === 'Terminating' || existing.metadata?.deletionTimestamp) throw new DeployError(`namespace ${namespace} is being deleted: wait for it to go, or use another`);
    const enforced = existing.metadata?.labels?.[POD_SECURITY_ENFORCE];
    if (this.settings.hostNetwork && enforced && enforced !== 'privileged') throw new DeployError(privilegedNeeded(namespace, `enforces PodSecurity "${enforced}"`));
  }
}

function privilegedNeeded(namespace: string, why: string): string {
  return `namespace ${namespace} ${why}: host-network pods need the "privileged" level. Label it: kubectl label ns ${namespace} ${POD_SECURITY_ENFORCE}=privileged --overwrite (or leave out -n: netprobe's own namespace is labelled so)`;
}

const GOAL_WORD: Record<PodGoal, string> = { running: 'running', ready: 'ready', finished: 'done' };

function rolePlural(pods: readonly TrackedPod[]): string {
  return `${pods[0]?.role ?? 'pod'}s`;
}

function describeWaiting(pod: V1Pod | undefined): string {
  if (!pod) return 'never seen';
  // Still in the scheduler's queue: a control plane binding pods more slowly than they come (kube-scheduler's throughput).
  if (!pod.spec?.nodeName && pod.status?.phase === 'Pending' && !pod.status.conditions?.some((c) => c.type === 'PodScheduled')) return 'Pending: not scheduled yet, the scheduler had not bound it to its node';
  // An agent started late probes its whole window from then on: when it started tells.
  const runningSince = pod.status?.containerStatuses?.[0]?.state?.running?.startedAt;
  if (pod.status?.phase === 'Running' && runningSince) return `Running since ${new Date(runningSince).toISOString().slice(11, 19)}Z`;
  const waiting = pod.status?.containerStatuses?.[0]?.state?.waiting;
  return waiting?.reason ? `${pod.status?.phase}: ${waiting.reason}${waiting.message ? ` ${waiting.message}` : ''}` : `phase ${pod.status?.phase ?? 'unknown'}`;
}

/**
 * Deletes the run's pods in one request (the ConfigMap's garbage collection would too, but
 * later), its ConfigMaps, and an own namespace: a constant number of requests, however many pods.
 */
export async function removeRun(client: KubeClient, namespace: string, runId: string, ownNamespace: boolean, progress: Progress): Promise<void> {
  progress.phase('cleaning up');
  const selector = runSelector(runId);
  await client.deletePods(namespace, selector);
  for (const configMap of await client.listConfigMaps(namespace, selector)) await client.deleteConfigMap(namespace, configMap.metadata!.name!);
  if (ownNamespace) await client.deleteNamespace(namespace);
}
