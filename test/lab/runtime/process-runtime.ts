// The lab's container runtime: a pod is a network namespace (or, for hostNetwork, its node's),
// a container is a process started in it with `ip netns exec`. That command already gives each
// process a private mount namespace (ip-netns(8): it unshares mounts to remount /sys), so
// ConfigMap volumes are read-only bind mounts visible to that container alone. Without root
// (no namespaces), an unprivileged user namespace is what permits those mounts. Containers' logs
// are CRI log files, split and rotated as the runtime and the kubelet do (cri-log.ts).
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { constants } from 'node:os';
import { dirname, join } from 'node:path';
import type { ContainerExit, ContainerSpec, PodRuntime, PodSandboxSpec, RunningPod } from '../contracts.ts';
import { IS_ROOT } from '../../support/netns.ts';
import type { PodSandboxes } from '../net/pod-addresses.ts';
import type { LabStateStore } from '../state.ts';
import { CriLog, KUBELET_LOG_POLICY, type LogRotationPolicy } from './cri-log.ts';
import { containerArgv, containerPath } from './images.ts';

/** Between SIGTERM and SIGKILL on pod deletion (the kubelet's default is 30 s; a lab has no time to lose). */
const STOP_GRACE_MS = 1000;
/** After the main process exits, how long its pipes may stay open (held by a child it left behind). */
const LOG_DRAIN_MS = 200;
const START_ERROR_EXIT_CODE = 128;

interface ContainerLog {
  file: CriLog;
  ended: boolean;
  followers: Set<{ stop: () => void; end: () => void }>;
}

interface PodProcesses {
  spec: PodSandboxSpec;
  /** undefined: the daemon's own network stack (rootless lab). */
  netns?: string;
  ip: string;
  /** Every address, ip first. */
  ips: string[];
  children: Map<string, ChildProcess>;
  /** Mount points this pod made exist (mountPath → created topmost directory). */
  mountPoints: string[];
  volumeDir: string;
  /** Resolves once startPod has returned: container exits are reported after it, never before. */
  started: Promise<void>;
}

export interface ProcessRuntimeOptions {
  store: LabStateStore;
  sandboxes: PodSandboxes;
  dnsmasqArgs: string[];
  /** When containers' logs are rotated (the kubelet's defaults unless told). */
  logRotation?: LogRotationPolicy;
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

export class ProcessRuntime implements PodRuntime {
  private readonly store: LabStateStore;
  private readonly sandboxes: PodSandboxes;
  private readonly dnsmasqArgs: string[];
  private readonly pods = new Map<string, PodProcesses>();
  private readonly logBuffers = new Map<string, ContainerLog>();
  private readonly exitListeners: ((exit: ContainerExit) => void)[] = [];
  /** Mount point directories the lab created, with the number of containers using each. */
  private readonly createdMountPoints = new Map<string, { top: string; users: number }>();

  constructor(options: ProcessRuntimeOptions) {
    this.store = options.store;
    this.sandboxes = options.sandboxes;
    this.dnsmasqArgs = options.dnsmasqArgs;
    const policy = options.logRotation ?? KUBELET_LOG_POLICY;
    // The kubelet's container log manager: one look at every running container's log per period.
    setInterval(() => {
      for (const log of this.logBuffers.values()) if (!log.ended && log.file.size > policy.maxSizeBytes) log.file.rotate();
    }, policy.monitorPeriodMs).unref();
  }

  async startPod(spec: PodSandboxSpec): Promise<RunningPod> {
    const existing = this.pods.get(spec.uid);
    if (existing) return { podIP: existing.ip, hostIP: spec.node.internalIP, podIPs: existing.ips };
    // A hostNetwork pod has its node's addresses.
    const { netns, ip, ip6 } = spec.hostNetwork
      ? { netns: spec.node.netns || undefined, ip: spec.node.internalIP, ip6: spec.node.internalIP6 }
      : this.sandboxes.attach(spec.uid, spec.node, spec.namespace);
    const ips = ip6 ? [ip, ip6] : [ip];
    let markStarted = (): void => {};
    const pod: PodProcesses = {
      spec, netns, ip, ips, children: new Map(), mountPoints: [],
      volumeDir: join(this.store.dir, 'volumes', spec.uid),
      started: new Promise((resolve) => { markStarted = resolve; }),
    };
    this.pods.set(spec.uid, pod);
    this.store.update((s) => s.pods.push({ uid: spec.uid, namespace: spec.namespace, name: spec.name, node: spec.node.name, ip }));
    for (const container of spec.containers) this.startContainer(pod, container);
    setImmediate(markStarted);
    return { podIP: ip, hostIP: spec.node.internalIP, podIPs: ips };
  }

  async stopPod(uid: string): Promise<void> {
    const pod = this.pods.get(uid);
    if (!pod) return;
    this.pods.delete(uid);
    const running = [...pod.children.values()].filter((c) => c.exitCode === null && c.signalCode === null);
    const exited = Promise.all(running.map((c) => new Promise((resolve) => c.once('exit', resolve))));
    for (const child of running) signalGroup(child, 'SIGTERM');
    const timer = setTimeout(() => { for (const child of running) signalGroup(child, 'SIGKILL'); }, STOP_GRACE_MS);
    await exited;
    clearTimeout(timer);
    if (!pod.spec.hostNetwork) this.sandboxes.detach(uid);
    this.store.update((s) => { s.pods = s.pods.filter((p) => p.uid !== uid); });
    for (const mountPath of pod.mountPoints) this.releaseMountPoint(mountPath);
    rmSync(pod.volumeDir, { recursive: true, force: true });
  }

  onContainerExit(listener: (exit: ContainerExit) => void): void {
    this.exitListeners.push(listener);
  }

  logs(uid: string, container: string): string {
    return this.logBuffers.get(`${uid}/${container}`)?.file.served() ?? '';
  }

  async probeTcp(uid: string, port: number, timeoutMs: number): Promise<boolean> {
    const pod = this.pods.get(uid);
    if (!pod) return false;
    // From the node's namespace, as the kubelet dials (bash's /dev/tcp: one connect, no extra tools).
    const nodeNetns = pod.spec.node.netns;
    const dial = ['bash', '-c', `exec 3<>/dev/tcp/${pod.ip}/${port}`];
    const [cmd, ...args] = nodeNetns ? ['ip', 'netns', 'exec', nodeNetns, ...dial] : dial;
    return new Promise((resolve) => {
      execFile(cmd, args, { timeout: timeoutMs }, (err) => resolve(!err));
    });
  }

  /** How often a container's log was rotated. */
  logRotations(uid: string, container: string): number {
    return this.logBuffers.get(`${uid}/${container}`)?.file.rotations ?? 0;
  }

  followLogs(uid: string, container: string, listener: (chunk: string) => void, onEnd: () => void): () => void {
    const log = this.logBuffers.get(`${uid}/${container}`);
    if (!log || log.ended) {
      setImmediate(onEnd);
      return () => {};
    }
    const follower = { stop: log.file.follow(listener), end: onEnd };
    log.followers.add(follower);
    return () => {
      follower.stop();
      log.followers.delete(follower);
    };
  }

  private startContainer(pod: PodProcesses, container: ContainerSpec): void {
    const log: ContainerLog = { file: new CriLog(), ended: false, followers: new Set() };
    this.logBuffers.set(`${pod.spec.uid}/${container.name}`, log);
    let argv: string[];
    let mounts: { source: string; target: string }[];
    try {
      argv = containerArgv(container, this.dnsmasqArgs);
      // Without root, a mount point the user may not create (e.g. under /) fails here.
      mounts = container.mounts.map((m, k) => ({ source: this.materialise(pod, container.name, k, m.files), target: m.mountPath }));
      for (const m of mounts) if (this.claimMountPoint(m.target)) pod.mountPoints.push(m.target);
    } catch (err) {
      this.finish(pod, container.name, log, START_ERROR_EXIT_CODE, `StartError: ${(err as Error).message}`);
      return;
    }
    // Only root can become another user.
    const user = IS_ROOT ? container.runAsUser ?? pod.spec.runAsUser : undefined;
    // Without runAsGroup the kubelet leaves the primary group 0, so do we.
    const script = [
      ...mounts.map((m) => `mount --bind -o ro ${shellQuote(m.source)} ${shellQuote(m.target)}`),
      `exec ${user ? `setpriv --reuid=${user} --regid=0 --clear-groups -- ` : ''}"$@"`,
    ].join(' && ');
    const enter = pod.netns ? ['ip', 'netns', 'exec', pod.netns] : mounts.length ? ['unshare', '--user', '--map-root-user', '--mount'] : [];
    const [cmd, ...args] = [...enter, 'sh', '-c', script, 'sh', ...argv];
    const child = spawn(cmd, args, {
      cwd: '/',
      env: {
        PATH: containerPath(container.image), HOSTNAME: pod.spec.name, HOME: '/root', ...container.env,
        ...Object.fromEntries((container.podIPEnv ?? []).map((name) => [name, pod.ip])),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group, so stopping it also stops what it started (`sh -c 'a; b'`).
      detached: true,
    });
    pod.children.set(container.name, child);
    const pid = child.pid;
    if (pid !== undefined) this.store.addPid(pid);
    child.stdout?.on('data', (chunk: Buffer) => log.file.write('stdout', chunk));
    child.stderr?.on('data', (chunk: Buffer) => log.file.write('stderr', chunk));
    child.once('error', (err) => this.finish(pod, container.name, log, START_ERROR_EXIT_CODE, `StartError: ${err.message}`));
    child.once('exit', (code, signal) => {
      if (pid !== undefined) this.store.removePid(pid);
      // Killed by a signal: 128 + its number, as a shell and the kubelet report it.
      const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
      const done = (): void => this.finish(pod, container.name, log, exitCode, exitCode === 0 ? 'Completed' : 'Error');
      const drain = setTimeout(done, LOG_DRAIN_MS);
      child.once('close', () => { clearTimeout(drain); done(); });
    });
  }

  private finish(pod: PodProcesses, container: string, log: ContainerLog, exitCode: number, reason: string): void {
    if (log.ended) return;
    log.ended = true;
    if (reason.startsWith('StartError')) log.file.write('stderr', Buffer.from(`${reason}\n`));
    log.file.close();
    for (const f of log.followers) {
      f.stop();
      f.end();
    }
    log.followers.clear();
    void pod.started.then(() => {
      for (const listener of this.exitListeners) listener({ uid: pod.spec.uid, container, exitCode, reason });
    });
  }

  /** Writes a ConfigMap volume's files into a lab-owned directory (readable by any runAsUser). */
  private materialise(pod: PodProcesses, container: string, index: number, files: Record<string, string>): string {
    const dir = join(pod.volumeDir, `${container}-${index}`);
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content, { mode: 0o644 });
    return dir;
  }

  /** Makes the mount point exist; returns true when the lab created it (and must remove it later). */
  private claimMountPoint(mountPath: string): boolean {
    const owned = this.createdMountPoints.get(mountPath);
    if (owned) {
      owned.users++;
      return true;
    }
    if (existsSync(mountPath)) return false;
    let top = mountPath;
    while (!existsSync(dirname(top))) top = dirname(top);
    this.store.addPath(top);
    mkdirSync(mountPath, { recursive: true, mode: 0o755 });
    this.createdMountPoints.set(mountPath, { top, users: 1 });
    return true;
  }

  private releaseMountPoint(mountPath: string): void {
    const owned = this.createdMountPoints.get(mountPath);
    if (!owned || --owned.users > 0) return;
    this.createdMountPoints.delete(mountPath);
    rmSync(owned.top, { recursive: true, force: true });
    this.store.removePath(owned.top);
  }
}

/** Signals a container's whole process group; a group already gone is fine. */
function signalGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch { /* already gone */ }
}
