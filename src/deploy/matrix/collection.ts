// Phase 6: each prober's result document from its log.
import { parseAgentResult } from '../../collect/parse-agent-result.ts';
import type { AgentResult } from '../../shared/agent-result.ts';
import type { MatrixPhaseContext } from './context.ts';
import type { Probers } from './probers.ts';

export async function collectResults(ctx: MatrixPhaseContext, probers: Probers, interrupted: boolean): Promise<AgentResult[]> {
  ctx.progress.phase(interrupted ? 'interrupted: collecting what was measured so far' : 'collecting results');
  return ctx.session.results(probers.pods, (log, source, pod) => parseAgentResult(log, source, { node: pod.node, runToken: ctx.settings.runId, interrupted }), interrupted);
}
