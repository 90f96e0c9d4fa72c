// A PodRuntime for the API's own tests: containers run as plain child processes on the
// host (no namespaces, pod IP 127.0.0.1), ConfigMap files written to a temp directory that
// stands in for the mount path. The real runtime (test/lab/runtime/) replaces it in the lab.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import type { ContainerExit, LabNetworkControl, LabNode, PodRuntime, PodSandboxSpec, RunningPod, ServiceRealisation } from '../contracts.ts';

interface Container { child: ChildProcess; log: string; followers: Set<{ onChunk: (c: string) => void; onEnd: () => void }>; ended: boolean }

export class LocalProcessRuntime implements PodRuntime {
  readonly root = mkdtempSync(join(tmpdir(), 'netprobe-api-runtime-'));
  readonly started: PodSandboxSpec[] = [];
  private readonly pods = new Map<string, Map<string, Container>>();
  private readonly listeners: ((exit: ContainerExit) => void)[] = [];

  async startPod(spec: PodSandboxSpec): Promise<RunningPod> {
    this.started.push(spec);
    const containers = new Map<string, Container>();
    this.pods.set(spec.uid, containers);
    const podIP = spec.hostNetwork ? spec.node.internalIP : '127.0.0.1';
    for (const c of spec.containers) {
      // Mount paths become directories under the runtime's temp root; arguments naming them are rewritten.
      const rewrite = (arg: string) => c.mounts.reduce((a, m) => a.split(m.mountPath).join(join(this.root, spec.uid, m.mountPath)), arg);
      for (const m of c.mounts) {
        for (const [file, content] of Object.entries(m.files)) {
          const path = join(this.root, spec.uid, m.mountPath, file);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, content);
        }
      }
      const argv = [...(c.command ?? []), ...(c.args ?? [])].map(rewrite);
      const env = { PATH: process.env.PATH, ...c.env, ...Object.fromEntries((c.podIPEnv ?? []).map((n) => [n, podIP])) };
      // Its own process group, so stopping the pod also kills what the container started (sleep in sh -c).
      const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
      const container: Container = { child, log: '', followers: new Set(), ended: false };
      containers.set(c.name, container);
      const onData = (chunk: Buffer) => {
        container.log += chunk.toString();
        for (const f of container.followers) f.onChunk(chunk.toString());
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      const end = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
        if (container.ended) return;
        container.ended = true;
        for (const f of container.followers) f.onEnd();
        const exitCode = error ? 128 : code ?? 128 + (signal === 'SIGKILL' ? 9 : 15);
        const reason = error ? `StartError: ${error.message}` : exitCode === 0 ? 'Completed' : 'Error';
        for (const l of this.listeners) l({ uid: spec.uid, container: c.name, exitCode, reason });
      };
      child.on('close', (code, signal) => end(code, signal));
      child.on('error', (err) => end(null, null, err));
    }
    return { podIP, hostIP: spec.node.internalIP };
  }

  async stopPod(uid: string): Promise<void> {
    const containers = this.pods.get(uid);
    if (!containers) return;
    await Promise.all([...containers.values()].map((c) => new Promise<void>((resolve) => {
      if (c.ended || c.child.exitCode !== null) return resolve();
      c.child.once('close', () => resolve());
      try {
        process.kill(-c.child.pid!, 'SIGKILL');
      } catch {
        resolve(); // the group is already gone
      }
    })));
  }

  onContainerExit(listener: (exit: ContainerExit) => void): void {
    this.listeners.push(listener);
  }

  logs(uid: string, container: string): string {
    const c = this.pods.get(uid)?.get(container);
    if (!c) throw new Error(`no container ${container} in pod ${uid}`);
    return c.log;
  }

  followLogs(uid: string, container: string, listener: (chunk: string) => void, onEnd: () => void): () => void {
    const c = this.pods.get(uid)?.get(container);
    if (!c || c.ended) {
      setImmediate(onEnd);
      return () => {};
    }
    const follower = { onChunk: listener, onEnd };
    c.followers.add(follower);
    return () => c.followers.delete(follower);
  }

  /** A connect to the pod's address: every pod here listens on this host's loopback. */
  probeTcp(uid: string, port: number, timeoutMs: number): Promise<boolean> {
    const spec = this.started.find((s) => s.uid === uid);
    if (!spec) return Promise.resolve(false);
    return new Promise((resolve) => {
      const socket = connect({ host: '127.0.0.1', port, timeout: timeoutMs });
      const done = (ok: boolean) => { socket.destroy(); resolve(ok); };
      socket.once('connect', () => done(true));
      socket.once('timeout', () => done(false));
      socket.once('error', () => done(false));
    });
  }

  /** Kills everything and removes the temp root. */
  async dispose(): Promise<void> {
    await Promise.all([...this.pods.keys()].map((uid) => this.stopPod(uid)));
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** Records what the API asks of the network instead of programming nftables. */
export class RecordingNetwork implements LabNetworkControl {
  readonly nodes: LabNode[];
  readonly serviceCIDR = '198.18.128.0/20';
  readonly services = new Map<string, ServiceRealisation>();

  constructor(nodes: LabNode[]) {
    this.nodes = nodes;
  }

  async applyService(service: ServiceRealisation): Promise<void> {
    this.services.set(`${service.namespace}/${service.name}`, service);
  }

  async removeService(namespace: string, name: string): Promise<void> {
    this.services.delete(`${namespace}/${name}`);
  }
}
