// Starts the API server on the local process runtime for one test file, and takes it all
// down again (server, processes, temp files) in afterAll, also when tests fail.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { LabNode } from '../contracts.ts';
import { kubectlPath } from '../../support/kubectl.ts';
import { LocalProcessRuntime, RecordingNetwork } from './local-runtime.ts';
import { startApiServer, type ApiServer, type ApiServerOptions } from './server.ts';

export const LAB_NODES: LabNode[] = [
  { name: 'lab-cp', internalIP: '198.18.0.10', podCIDR: '198.19.0.0/24', netns: 'lab-cp', labels: { 'node-role.kubernetes.io/control-plane': '' },
    taints: [{ key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' }], kernelVersion: '6.1.0-lab' },
  { name: 'lab-1', internalIP: '198.18.0.11', podCIDR: '198.19.1.0/24', netns: 'lab-1', labels: { zone: 'a' }, taints: [], kernelVersion: '6.1.0-lab' },
  { name: 'lab-2', internalIP: '198.18.0.12', podCIDR: '198.19.2.0/24', netns: 'lab-2', labels: { zone: 'b' }, taints: [], kernelVersion: '6.12.0-lab' },
];

export interface Fixture {
  api: ApiServer;
  runtime: LocalProcessRuntime;
  network: RecordingNetwork;
  kubeconfig: string;
  /** What the server reported from its background work (onError). */
  errors: Error[];
  /** Runs the real kubectl against the lab; resolves with stdout, rejects with stderr. */
  kubectl(args: string[], context?: string): Promise<string>;
  /** The same, resolving with both streams (kubectl prints warnings on stderr). */
  kubectlOutput(args: string[], context?: string): Promise<{ stdout: string; stderr: string }>;
  /** Writes a manifest file for `kubectl -f` into the fixture's temp directory; returns its path. */
  manifest(name: string, yaml: string): string;
  close(): Promise<void>;
}

export async function startFixture(extra: Partial<ApiServerOptions> = {}): Promise<Fixture> {
  const dir = mkdtempSync(join(tmpdir(), 'netprobe-api-'));
  const runtime = new LocalProcessRuntime();
  const network = new RecordingNetwork(LAB_NODES);
  const errors: Error[] = [];
  const api = await startApiServer({ nodes: LAB_NODES, runtime, network, host: '127.0.0.1', stateDir: dir, onError: (e) => errors.push(e), ...extra });
  const kubeconfig = join(dir, 'kubeconfig');
  api.kubeconfig(kubeconfig);
  const bin = kubectlPath();
  const run = promisify(execFile);
  const kubectlOutput = async (args: string[], context = 'lab') => {
    try {
      return await run(bin, ['--kubeconfig', kubeconfig, '--context', context, ...args], { env: { PATH: process.env.PATH, HOME: dir }, timeout: 30_000 });
    } catch (err) {
      throw new Error(((err as { stderr?: string }).stderr || (err as Error).message).trim());
    }
  };
  return {
    api, runtime, network, kubeconfig, errors, kubectlOutput,
    kubectl: async (args, context) => (await kubectlOutput(args, context)).stdout,
    manifest(name, yaml) {
      const path = join(dir, name);
      writeFileSync(path, yaml);
      return path;
    },
    async close() {
      await api.close();
      await runtime.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls until `probe` yields a value (not undefined). */
export async function eventually<T>(probe: () => Promise<T | undefined> | T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
