// Phase 6: the responders looked at again, then each prober's result document from its log,
// folded into the analysis input as it is read (no result is kept: src/analyse/measurements.ts).
// Probes to a responder that died during the probing are left out (its node is a no-data
// destination there, with the reason), so that they never count as loss. Only the logs of
// responders that look dead are read: every other responder costs no request here.
import { Measurements } from '../../analyse/measurements.ts';
import { parseAgentResult } from '../../collect/parse-agent-result.ts';
import type { AgentResult } from '../../shared/agent-result.ts';
import type { NetworkPath } from '../../shared/plan.ts';
import type { DeadDestination } from '../session.ts';
import { pathKey, type MatrixPhaseContext } from './context.ts';
import type { Probers } from './probers.ts';
import { recheckResponders, type Responders } from './responders.ts';

export async function collectResults(ctx: MatrixPhaseContext, probers: Probers, responders: Responders, interrupted: boolean): Promise<Measurements> {
  ctx.progress.phase(interrupted ? 'interrupted: collecting what was measured so far' : 'collecting results');
  const probingEndedAt = interrupted ? ctx.clock.now() : probers.startAt + ctx.settings.durationMs;
  const dead = await recheckResponders(ctx, responders, probingEndedAt);
  for (const { node, path, reason } of dead) {
    ctx.session.markDestinationNoData(node, path, reason);
    // The Service in front of a pod-network responder had nothing behind it either.
    if (path === 'pod' && ctx.settings.service) ctx.session.markDestinationNoData(node, 'service', reason);
  }
  const gone = goneDestinations(dead, ctx.settings.service);
  const measured = new Measurements();
  let read = 0;
  await ctx.session.results(probers.pods, (log, source, pod) => {
    measured.add(withoutDestinations(parseAgentResult(log, source, { node: pod.node, runToken: ctx.settings.runId, interrupted }), gone));
    ctx.progress.status(`results: ${++read}/${probers.pods.length} read`);
  }, interrupted);
  return measured;
}

function goneDestinations(dead: readonly DeadDestination[], service: boolean): Set<string> {
  return new Set<string>(dead.flatMap(({ node, path }): string[] => [pathKey(node, path), ...(path === 'pod' && service ? [pathKey(node, 'service' satisfies NetworkPath)] : [])]));
}

function withoutDestinations(result: AgentResult, gone: ReadonlySet<string>): AgentResult {
  if (gone.size === 0) return result;
  return { ...result, series: result.series.filter((s) => !gone.has(pathKey(s.destination, s.path))) };
}
