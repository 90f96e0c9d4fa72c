// Runs the real agent as its own process (optionally inside a test namespace)
// and hands back what a user or the CLI would see: exit code, stdout, stderr.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { readDocuments } from '../../src/collect/documents.ts';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import type { AgentPlan } from '../../src/shared/plan.ts';
import type { TestNet } from './netns.ts';

export const AGENT_SOURCE = fileURLToPath(new URL('../../src/agent/main.ts', import.meta.url));

export interface AgentExit {
  code: number | null;
  stdout: string;
  stderr: string;
  result?: AgentResult;
}

export interface AgentLaunch {
  /** Run inside this namespace of `net`. */
  net?: TestNet;
  ns?: string;
  /** The JavaScript runtime and entry file (default: this Node 22 and the TypeScript source). */
  node?: string;
  entry?: string;
  uid?: number;
  /** Send SIGTERM after this many ms. */
  terminateAfterMs?: number;
  /** Called with the stderr seen so far, each time more comes (e.g. to wait for "serving"). */
  onStderr?: (stderrSoFar: string) => void;
}

export function runAgent(plan: AgentPlan | string, launch: AgentLaunch = {}): Promise<AgentExit> {
  const argv = [launch.node ?? process.execPath, launch.entry ?? AGENT_SOURCE, '--plan', typeof plan === 'string' ? plan : JSON.stringify(plan)];
  const child = launch.net && launch.ns
    ? launch.net.spawn(launch.ns, argv[0], argv.slice(1), { uid: launch.uid })
    : spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], uid: launch.uid });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => {
    stderr += d;
    launch.onStderr?.(stderr);
  });
  if (launch.terminateAfterMs !== undefined) setTimeout(() => child.kill('SIGTERM'), launch.terminateAfterMs);
  return new Promise((resolve) => {
    child.on('close', (code) => {
      // The last whole document, as the CLI reads it: with windows, earlier ones are interim results.
      const result = readDocuments(stdout).complete.at(-1) as AgentResult | undefined;
      resolve({ code, stdout, stderr, result });
    });
  });
}

export function seriesOf(result: AgentResult, protocol: string, destination: string, variant?: string) {
  const found = result.series.find((s) => s.protocol === protocol && s.destination === destination && (!variant || s.dns?.variant === variant));
  if (!found) throw new Error(`no ${protocol} series to ${destination} in ${result.node}'s result`);
  return found;
}
