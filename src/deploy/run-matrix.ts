// deploy → probe → collect for one matrix run, phase by phase (src/deploy/matrix/):
// responders first (one per destination node and network), the peers each prober probes
// once the responders have addresses (so no exec, no proxy, no API access from inside
// pods), --service's Services, the probers, waiting for them, then each prober's result
// from its log. A node whose pod cannot run is reported with the scheduler's or kubelet's
// reason as soon as that is known, and the rest is still measured.
import type { NoDataEntry } from '../analyse/analyse.ts';
import type { Measurements } from '../analyse/measurements.ts';
import { everyPairFailed } from '../analyse/every-pair-failed.ts';
import { listPoliciesThatCouldDeny } from '../collect/policies.ts';
import type { KubeClient } from '../kube/kube-client.ts';
import { selectionNodes, type PeerSelection } from '../plan/pairs.ts';
import type { PolicyEvidence } from '../shared/report.ts';
import { readClusterClock } from './cluster-clock.ts';
import { collectResults } from './matrix/collection.ts';
import { runTimes, type MatrixPhaseContext, type MatrixRunSettings } from './matrix/context.ts';
import { planPeers } from './matrix/peers.ts';
import { startProbers, waitForProbers } from './matrix/probers.ts';
import { startResponders } from './matrix/responders.ts';
import { startServices, type ClusterIPs } from './matrix/services.ts';
import { ProbeSession, type Progress } from './session.ts';

export type { MatrixRunSettings };

export interface MatrixRunOutcome {
  /** Every prober's result, folded for the analysis. */
  measured: Measurements;
  noData: NoDataEntry[];
  start: Date;
  end: Date;
  /** Stopped early (Ctrl-C) with --window: the results are what the agents had measured by then. */
  interrupted: boolean;
  /** When no probe got through: what could deny them. */
  policies?: PolicyEvidence;
}

export async function runMatrix(
  client: KubeClient, selection: PeerSelection, settings: MatrixRunSettings, agentCode: string, progress: Progress, signal: AbortSignal,
): Promise<MatrixRunOutcome> {
  const clock = await readClusterClock(client, progress);
  const start = new Date(clock.now());
  const times = runTimes(settings);
  const session = await ProbeSession.open(client, {
    runId: settings.runId, namespace: settings.namespace, ownNamespace: settings.ownNamespace, namespaceLabels: settings.namespaceLabels,
    hostNetwork: settings.paths.includes('host'), image: settings.image, tolerations: settings.tolerations,
    activeDeadlineSeconds: times.deadlineSeconds, keep: settings.keep,
  }, agentCode, progress);
  const ctx: MatrixPhaseContext = { client, session, settings, times, progress, signal, clock };
  const { sources, destinations } = selectionNodes(selection);
  let measured: Measurements | undefined;
  let interrupted = false;
  let policies: PolicyEvidence | undefined;
  try {
    const responders = await startResponders(ctx, destinations);
    const clusterIPs: ClusterIPs = settings.service ? await startServices(ctx, responders) : new Map();
    const peers = await planPeers(ctx, selection, responders, clusterIPs);
    const probers = await startProbers(ctx, sources.filter((node) => !session.noData.has(node)), peers, responders);
    const waited = await waitForProbers(ctx, probers, responders);
    interrupted = waited.interrupted;
    measured = await collectResults(ctx, waited.started, responders, interrupted);
    // While the namespace is there: its NetworkPolicies are part of the answer.
    if (!interrupted && everyPairFailed(measured.pairs.outcomes())) {
      progress.phase('no probe got through: listing the policies that could deny them');
      policies = await listPoliciesThatCouldDeny(client, settings.namespace);
    }
  } finally {
    await session.close();
  }
  const noData: NoDataEntry[] = [
    ...[...session.noData].map(([node, reason]) => ({ node, reason })),
    ...[...session.deadDestinations.values()].map(({ node, path, reason }) => ({ node, reason, destination: path })),
  ];
  // Collection ran (or the run threw): there are measurements.
  return { measured: measured!, noData, start, end: new Date(clock.now()), interrupted, ...(policies && { policies }) };
}
