// A lab for one test file, built in-process (network + runtime, no API), with a private state
// directory and prefix so parallel test files never collide; dispose() removes all of it.
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ContainerExit, LabNode, RunningPod } from '../contracts.ts';
import { createLab, type Lab } from '../lab.ts';
import { podNamespace } from '../net/topology.ts';
import { NODE_BIN_DIR } from '../runtime/images.ts';
import type { Overlay } from '../state.ts';
import { down } from '../teardown.ts';

export const SOCKET_PROBE = fileURLToPath(new URL('./socket-probe.ts', import.meta.url));
const NODE = join(NODE_BIN_DIR, 'node');

export class LabFixture {
  readonly dir: string;
  readonly lab: Lab;
  readonly exits: ContainerExit[] = [];
  private podCount = 0;

  private constructor(dir: string, lab: Lab) {
    this.dir = dir;
    this.lab = lab;
    lab.runtime.onContainerExit((exit) => this.exits.push(exit));
  }

  static async create(nodes: number, overlay: Overlay): Promise<LabFixture> {
    const dir = mkdtempSync(join(tmpdir(), 'nplab-test-'));
    try {
      return new LabFixture(dir, await createLab({ dir, nodes, overlay, tainted: 0, kubeconfig: join(dir, 'kubeconfig') }));
    } catch (err) {
      await down(dir);
      throw err;
    }
  }

  node(i: number): LabNode {
    return this.lab.network.nodes[i - 1];
  }

  /** Starts a one-container pod; resolves once its first output line is there (the server's "listening"). */
  async pod(node: LabNode, name: string, image: string, command: string[], options: { hostNetwork?: boolean; labels?: string } = {}): Promise<RunningPod & { uid: string; netns: string }> {
    const uid = `test-${++this.podCount}-${name}`;
    const running = await this.lab.runtime.startPod({
      uid, namespace: 'default', name, node, hostNetwork: options.hostNetwork ?? false,
      containers: [{ name: 'main', image, command, env: {}, mounts: [] }],
    });
    const deadline = Date.now() + 10_000;
    while (!this.lab.runtime.logs(uid, 'main').includes('\n')) {
      if (Date.now() > deadline) throw new Error(`pod ${name} printed nothing within 10 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    return { ...running, uid, netns: options.hostNetwork ? node.netns : podNamespace(this.lab.store.current.prefix, uid) };
  }

  /** A socket-probe server pod (TCP and UDP echo). */
  echoServer(node: LabNode, name: string, tcpPort = 7000, udpPort = 7001): Promise<RunningPod & { uid: string; netns: string }> {
    return this.pod(node, name, 'node:22-alpine', ['node', SOCKET_PROBE, 'serve', String(tcpPort), String(udpPort)]);
  }

  /** Runs socket-probe in a namespace and returns its JSON result. */
  probe<T = Record<string, unknown>>(netns: string, mode: string, ...args: (string | number)[]): Promise<T> {
    return new Promise((resolve, reject) => {
      execFile('ip', ['netns', 'exec', netns, NODE, SOCKET_PROBE, mode, ...args.map(String)], { timeout: 60_000 }, (err, stdout, stderr) => {
        if (err) reject(new Error(`${mode} ${args.join(' ')} in ${netns}: ${stderr || err.message}`));
        else resolve(JSON.parse(stdout) as T);
      });
    });
  }

  async dispose(): Promise<void> {
    // The runtime first, so no container exit lands after its state directory is gone.
    await Promise.all(this.lab.store.current.pods.map((p) => this.lab.runtime.stopPod(p.uid)));
    await down(this.dir);
  }
}
