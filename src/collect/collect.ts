// From what each probe pod printed to the analysis input: parsed results, and a "no data"
// entry with the reason for every node whose output was unusable or missing.
import type { AgentResult } from '../shared/agent-result.ts';
import type { NoDataEntry } from '../analyse/nodes.ts';
import { AgentResultError, parseAgentResult } from './parse-agent-result.ts';

export interface AgentOutput {
  /** The node the pod ran on. */
  node: string;
  /** Names the output in errors, e.g. "pod netprobe-abc on node-3". */
  source: string;
  /** The pod's log; null when there is none (the pod never ran, or its log is gone). */
  text: string | null;
  /** Why there is no log, when text is null (e.g. the scheduler's message). */
  reason?: string;
}

export function collectResults(outputs: readonly AgentOutput[], runToken?: string): { results: AgentResult[]; noData: NoDataEntry[] } {
  const results: AgentResult[] = [];
  const noData: NoDataEntry[] = [];
  for (const output of outputs) {
    if (output.text === null) {
      noData.push({ node: output.node, reason: output.reason ?? `${output.source}: no output` });
      continue;
    }
    try {
      results.push(parseAgentResult(output.text, output.source, { node: output.node, runToken }));
    } catch (error) {
      if (!(error instanceof AgentResultError)) throw error;
      noData.push({ node: output.node, reason: error.message });
    }
  }
  return { results, noData };
}
