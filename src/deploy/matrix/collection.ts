// Phase 6: each prober's result document from its log, and the responders looked at again:
// probes to a responder that died during the probing are left out (its node is a no-data
// destination there, with the reason), so that they never count as loss.
import { parseAgentResult } from '../../collect/parse-agent-result.ts';
import type { AgentResult } from '../../shared/agent-result.ts';
import type { NetworkPath } from '../../shared/plan.ts';
import type { DeadDestination } from '../session.ts';
import { pathKey, type MatrixPhaseContext } from './context.ts';
import type { Probers } from './probers.ts';
import { recheckResponders, type Responders } from './responders.ts';

export async function collectResults(ctx: MatrixPhaseContext, probers: Probers, responders: Responders, interrupted: boolean): Promise<AgentResult[]> {
  ctx.progress.phase(interrupted ? 'interrupted: collecting what was measured so far' : 'collecting results');
  const probingEndedAt = interrupted ? ctx.clock.now() : probers.startAt + ctx.settings.durationMs;
  const [results, dead] = await Promise.all([
    ctx.session.results(probers.pods, (log, source, pod) => parseAgentResult(log, source, { node: pod.node, runToken: ctx.settings.runId, interrupted }), interrupted),
    recheckResponders(ctx, responders, probingEndedAt),
  ]);
  for (const { node, path, reason } of dead) {
    ctx.session.markDestinationNoData(node, path, reason);
    // The Service in front of a pod-network responder had nothing behind it either.
    if (path === 'pod' && ctx.settings.service) ctx.session.markDestinationNoData(node, 'service', reason);
  }
  return withoutDestinations(results, dead, ctx.settings.service);
}

function withoutDestinations(results: readonly AgentResult[], dead: readonly DeadDestination[], service: boolean): AgentResult[] {
  if (dead.length === 0) return [...results];
  const gone = new Set<string>(dead.flatMap(({ node, path }): string[] => [pathKey(node, path), ...(path === 'pod' && service ? [pathKey(node, 'service' satisfies NetworkPath)] : [])]));
  return results.map((result) => ({ ...result, series: result.series.filter((s) => !gone.has(pathKey(s.destination, s.path))) }));
}
