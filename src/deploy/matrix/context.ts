// What every phase of a matrix run shares: the settings the CLI chose, the run's times,
// the session (namespace, agent ConfigMap, pod watch) and how to report and stop.
import type { KubeClient } from '../../kube/kube-client.ts';
import { PLAN_DEFAULTS, type ConfirmPlan, type Protocol } from '../../shared/plan.ts';
import type { ClusterClock } from '../cluster-clock.ts';
import type { RunObjects } from '../manifests.ts';
import type { ProbeSession, Progress } from '../session.ts';

/** Headroom on the pods' activeDeadlineSeconds beyond the time a run needs. */
const DEADLINE_SLACK_SECONDS = 15;
/** Probing starts at least this long after the probers' creation begins, so slow starters still get the whole window. */
export const START_DELAY_MS = 3000;

export interface MatrixRunSettings {
  runId: string;
  namespace: string;
  /** True: the run made its own namespace (and removes it). */
  ownNamespace: boolean;
  namespaceLabels: Record<string, string>;
  image: string;
  tolerations: RunObjects['tolerations'];
  paths: ('pod' | 'host')[];
  service: boolean;
  protocols: Protocol[];
  durationMs: number;
  ratePerSecond: number;
  dnsNames: string[];
  tcpPort: number;
  udpPort: number;
  /** How long pods may take to be scheduled and started. */
  startTimeoutMs: number;
  keep: boolean;
  /** --window: per-window counts, and interim results that survive a Ctrl-C. */
  windowMs?: number;
  /** --confirm: after the window, probing the pairs not yet decided, for at most confirm.maxMs. */
  confirm?: ConfirmPlan;
}

/** How long the parts of a run take. */
export interface RunTimes {
  /** After the probing window: probes still in flight finish within their timeout. */
  drainMs: number;
  /** After that, confirmation probing lasts at most this long (0: none). */
  confirmMs: number;
  /** How long responders serve, from their start. */
  serveMs: number;
  /** The pods' activeDeadlineSeconds. */
  deadlineSeconds: number;
}

export interface MatrixPhaseContext {
  client: KubeClient;
  session: ProbeSession;
  settings: MatrixRunSettings;
  times: RunTimes;
  progress: Progress;
  signal: AbortSignal;
  /** Times handed to the cluster or compared with its own are on its clock. */
  clock: ClusterClock;
}

export function runTimes(settings: MatrixRunSettings): RunTimes {
  // Probes still in flight at the end of the window finish within their timeout; DNS resends take longest.
  const drainMs = Math.max(PLAN_DEFAULTS.tcpTimeoutMs, PLAN_DEFAULTS.udpTimeoutMs,
    settings.protocols.includes('dns') ? PLAN_DEFAULTS.resolverTimeoutMs * PLAN_DEFAULTS.resolverAttempts : 0) + 1000;
  const confirmMs = settings.confirm?.maxMs ?? 0;
  // Confirmation probes in flight at its end drain as the window's do.
  const confirmDrainMs = confirmMs > 0 ? drainMs : 0;
  const serveMs = 2 * settings.startTimeoutMs + START_DELAY_MS + settings.durationMs + drainMs + confirmMs + confirmDrainMs;
  return { drainMs, confirmMs: confirmMs + confirmDrainMs, serveMs, deadlineSeconds: Math.ceil(serveMs / 1000) + DEADLINE_SLACK_SECONDS };
}

/** Peers and pods are keyed by path and node. */
export function pathKey(node: string, path: string): string {
  return `${path}/${node}`;
}
