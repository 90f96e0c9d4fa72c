// `down`: removes everything a lab made, from its state file (and a neigh-overflow fault's record) alone, so it works as well after
// the daemon was killed with SIGKILL as after a clean run. Anything missing counts as removed.
import { readFileSync, rmSync } from 'node:fs';
import { removeNamespace, run } from '../support/netns.ts';
import { restoreNeighbourLimits } from './net/neigh-overflow.ts';
import { readState, type LabState } from './state.ts';

const DAEMON_STOP_MS = 2000;
/** How long SIGKILLed processes get to be gone before their namespaces are deleted. */
const PROCESS_EXIT_MS = 2000;

/** Whether a process still runs. A zombie does not: once its parent (the daemon) is gone, only
 *  an init that reaps would remove it, and not every machine's pid 1 does. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
}

async function stopDaemon(pid: number): Promise<void> {
  if (!isAlive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + DAEMON_STOP_MS;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
}

/** Namespaces of this lab: those recorded, and any with its prefix (created but not yet recorded). */
function labNamespaces(state: LabState): string[] {
  const listed = run('ip', ['netns', 'list']).split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`${state.prefix}-`));
  return [...new Set([...state.namespaces, ...listed])];
}

/** Tears the lab in `dir` down; returns what it found (undefined: nothing was up). */
export async function down(dir: string): Promise<LabState | undefined> {
  const state = readState(dir);
  if (state) {
    // A lab run inside a test process records that process as its owner: not ours to stop.
    if (state.daemonPid !== process.pid) await stopDaemon(state.daemonPid);
    for (const pid of state.pids) {
      try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    }
    const deadline = Date.now() + PROCESS_EXIT_MS;
    while (state.pids.some(isAlive) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    for (const ns of labNamespaces(state)) {
      removeNamespace(ns);
      rmSync(`/etc/netns/${ns}`, { recursive: true, force: true });
    }
    for (const path of state.paths) rmSync(path, { recursive: true, force: true });
    // The machine's neighbour-table limits, if a neigh-overflow fault lowered them (its record is in `dir`).
    restoreNeighbourLimits(dir);
    rmSync(state.kubeconfig, { force: true });
    rmSync(dir, { recursive: true, force: true });
  }
  return state;
}
