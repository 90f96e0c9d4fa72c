// The lab's state file: everything the lab creates is recorded here *before* it is created,
// so `down` can remove all of it even after the daemon was killed with SIGKILL.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ControlPlaneCosts } from './api/flow-control.ts';

export type Overlay = 'vxlan' | 'routed';

export interface LabState {
  /** Prefix of every network namespace the lab owns (e.g. `nplab-3f2a`). */
  prefix: string;
  nodes: number;
  overlay: Overlay;
  tainted: number;
  /** Started without root: no namespaces, pods on 127.0.0.0/8 (net/rootless.ts). */
  rootless: boolean;
  /** Dual-stack (`up --ipv6`): IPv6 addresses beside the IPv4 ones. */
  ipv6?: boolean;
  /** A hollow lab (hollow/): nodes, pods and network simulated; the seed of its draws, fixed by `up --seed` or drawn afresh per run. */
  hollow?: { seed: number; fixedSeed: boolean };
  /** What the control plane costs clients (api/flow-control.ts). */
  costs: ControlPlaneCosts;
  daemonPid: number;
  /** Set once nodes, API and cluster DNS are up. */
  ready: boolean;
  kubeconfig: string;
  apiServer?: string;
  /** Network namespaces (underlay, nodes, pods). */
  namespaces: string[];
  /** Running pods, for `status`. */
  pods: { uid: string; namespace: string; name: string; node: string; ip: string }[];
  /** Container processes. */
  pids: number[];
  /** Files and directories outside the lab directory (kubeconfig, mount points, /etc/netns/<ns>). */
  paths: string[];
}

/** The directory the lab owns (removed by `down`): $NETPROBE_LAB_DIR, else /run/netprobe-lab for root. */
export function labDir(): string {
  if (process.env.NETPROBE_LAB_DIR) return process.env.NETPROBE_LAB_DIR;
  return process.getuid?.() === 0 ? '/run/netprobe-lab' : join(tmpdir(), `netprobe-lab-${process.getuid?.() ?? 'user'}`);
}

export const stateFile = (dir: string): string => join(dir, 'state.json');

export function readState(dir = labDir()): LabState | undefined {
  const file = stateFile(dir);
  if (!existsSync(file)) return undefined;
  return JSON.parse(readFileSync(file, 'utf8')) as LabState;
}

/** The daemon's handle on the state file; the daemon is its only writer. */
export class LabStateStore {
  readonly dir: string;
  private state: LabState;

  constructor(dir: string, initial: LabState) {
    this.dir = dir;
    this.state = initial;
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    this.flush();
  }

  get current(): Readonly<LabState> {
    return this.state;
  }

  /** Changes the state and writes it through (atomically: a crash leaves the old or the new file). */
  update(change: (state: LabState) => void): void {
    change(this.state);
    this.flush();
  }

  addNamespace(ns: string): void {
    this.update((s) => { if (!s.namespaces.includes(ns)) s.namespaces.push(ns); });
  }

  removeNamespace(ns: string): void {
    this.update((s) => { s.namespaces = s.namespaces.filter((n) => n !== ns); });
  }

  addPid(pid: number): void {
    this.update((s) => s.pids.push(pid));
  }

  removePid(pid: number): void {
    this.update((s) => { s.pids = s.pids.filter((p) => p !== pid); });
  }

  addPath(path: string): void {
    this.update((s) => { if (!s.paths.includes(path)) s.paths.push(path); });
  }

  removePath(path: string): void {
    this.update((s) => { s.paths = s.paths.filter((p) => p !== path); });
  }

  private flush(): void {
    const file = stateFile(this.dir);
    writeFileSync(`${file}.tmp`, JSON.stringify(this.state, null, 2));
    renameSync(`${file}.tmp`, file);
  }
}
