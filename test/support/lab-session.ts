// A lab as a user brings it up (`npm run lab -- up`), in a private state directory so
// test files never share one, and the plugin run against it as a separate process.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { addFaults, clearFaults, faultTarget, type Fault } from '../lab/net/faults.ts';
import { readState } from '../lab/state.ts';
import { kubectlPath } from './kubectl.ts';

const LAB_CLI = fileURLToPath(new URL('../lab/cli.ts', import.meta.url));
export const PLUGIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A Ctrl-C's cleanup is a handful of API calls: well under this; waiting out a window, a pull or --timeout is not. */
export const CTRL_C_BOUND_S = 8;

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its outcome; never rejects. */
export function exec(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 180_000): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export class LabSession {
  private created: string | undefined;

  /** Made on first use, so a suite that is skipped leaves nothing behind. */
  get dir(): string {
    this.created ??= mkdtempSync(join(tmpdir(), 'netprobe-e2e-'));
    return this.created;
  }

  get kubeconfig(): string {
    return join(this.dir, 'kubeconfig');
  }

  async up(...args: string[]): Promise<void> {
    const result = await this.lab('up', '--kubeconfig', this.kubeconfig, ...args);
    if (result.code !== 0) throw new Error(`lab up failed: ${result.stderr || result.stdout}`);
  }

  lab(...args: string[]): Promise<ExecResult> {
    return exec(process.execPath, [LAB_CLI, ...args], { NETPROBE_LAB_DIR: join(this.dir, 'state') });
  }

  /** The lab's command line as another (non-root) user, e.g. to see what it refuses. */
  labAsUser(uid: number, ...args: string[]): Promise<ExecResult> {
    return exec('setpriv', [`--reuid=${uid}`, `--regid=${uid}`, '--clear-groups', process.execPath, LAB_CLI, ...args], { NETPROBE_LAB_DIR: join(this.dir, 'state') });
  }

  async fault(...args: string[]): Promise<void> {
    const result = await this.lab('fault', 'add', ...args);
    if (result.code !== 0) throw new Error(`fault add ${args.join(' ')}: ${result.stderr || result.stdout}`);
  }

  /**
   * The lab's faults added and cleared from this process, as `fault add` / `fault clear` do
   * (a real lab's; from: '*' is every node): without a lab command to start, which takes 0.7-1 s
   * here and more under load, a fault lands within milliseconds of when a test times it.
   */
  get faults(): { add(fault: Fault): void; clear(): Promise<void> } {
    const state = readState(join(this.dir, 'state'));
    if (!state || state.rootless || state.hollow) throw new Error('in-process faults need a real lab up as root');
    const target = faultTarget(state, join(this.dir, 'state'));
    return {
      add: (fault) => void addFaults(target, fault),
      clear: () => clearFaults(target),
    };
  }

  kubectl(...args: string[]): Promise<ExecResult> {
    return exec(kubectlPath(), ['--kubeconfig', this.kubeconfig, ...args]);
  }

  /** The lab API's admin hooks (test/lab/api/server.ts): inject 429/500, spoil image pulls, drop watches, count requests. */
  async labApi(path: string, body?: unknown, method: 'POST' | 'PUT' | 'DELETE' = 'POST'): Promise<unknown> {
    let result: ExecResult;
    if (method === 'DELETE') {
      result = await this.kubectl('delete', '--raw', path);
    } else if (body === undefined) {
      result = await this.kubectl('get', '--raw', path);
    } else {
      const file = join(this.dir, 'lab-api-body.json');
      writeFileSync(file, JSON.stringify(body));
      result = await this.kubectl(method === 'POST' ? 'create' : 'replace', '--raw', path, '-f', file);
    }
    if (result.code !== 0) throw new Error(`lab API ${path}: ${result.stderr}`);
    return JSON.parse(result.stdout);
  }

  /** `kubectl netprobe …` from source, against this lab. */
  netprobe(...args: string[]): Promise<ExecResult> {
    return exec(process.execPath, [PLUGIN, ...args, '--kubeconfig', this.kubeconfig]);
  }

  /** The plugin as a long-running child, for signal and timing tests. */
  spawnNetprobe(...args: string[]): RunningPlugin {
    return new RunningPlugin(spawn(process.execPath, [PLUGIN, ...args, '--kubeconfig', this.kubeconfig], { stdio: ['ignore', 'pipe', 'pipe'] }));
  }

  /** Tears the lab down; keeps the state directory when that failed, so `npm run lab -- down` can finish the job. */
  async down(): Promise<void> {
    if (!this.created) return;
    const result = await this.lab('down');
    if (result.code !== 0) throw new Error(`lab down failed (state kept in ${this.dir}): ${result.stderr || result.stdout}`);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class RunningPlugin {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  /** Resolves when the process ends. */
  readonly exit: Promise<ExecResult>;

  constructor(child: ChildProcess) {
    this.child = child;
    child.stdout!.on('data', (d) => (this.stdout += d));
    child.stderr!.on('data', (d) => (this.stderr += d));
    this.exit = new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? 1, stdout: this.stdout, stderr: this.stderr })));
  }

  /** Sends SIGINT; resolves with how long the plugin took to exit, and how. Killed past `boundMs`. */
  async interrupt(boundMs: number): Promise<ExecResult & { seconds: number }> {
    const sent = Date.now();
    this.child.kill('SIGINT');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), boundMs);
    const result = await this.exit;
    clearTimeout(timer);
    return { ...result, seconds: (Date.now() - sent) / 1000 };
  }

  /** Resolves (with the time) once stderr says `text`; rejects if the process ends first. */
  waitForStderr(text: string): Promise<number> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!this.stderr.includes(text)) return;
        this.child.stderr!.off('data', check);
        resolve(Date.now());
      };
      this.child.stderr!.on('data', check);
      void this.exit.then(() => reject(new Error(`exited before saying "${text}": ${this.stderr}`)));
      check();
    });
  }
}
