// The analysis input: every agent result folded as collect parses it, into pair tallies
// (pairs.ts) and what each agent said about its own node. Results are not kept: at 5,000
// nodes they would be gigabytes, their tallies are tens of megabytes.
import type { AgentResult } from '../shared/agent-result.ts';
import { PairTallies, type WindowedPair } from './pairs.ts';

/** An agent's result without its series: the node's own facts (kernel, counters, warnings, latency floor …). */
export type AgentSummary = Omit<AgentResult, 'series' | 'network'> & {
  /** The network the agent ran on: said by newer agents, else what its probes crossed. */
  network: 'pod' | 'host';
  /** SYN retransmits inferred from its TCP series' connect times. */
  inferredSynRetransmits: number;
};

/** --window: where window 0 starts, its length, and each pair's counts per window. */
export interface WindowedRun {
  originAt: string;
  windowMs: number;
  pairs: WindowedPair[];
}

export class Measurements {
  readonly agents: AgentSummary[] = [];
  readonly pairs = new PairTallies();
  private windowing: { originAt: string; windowMs: number } | null = null;

  static of(results: readonly AgentResult[]): Measurements {
    const measured = new Measurements();
    for (const result of results) measured.add(result);
    return measured;
  }

  /** Folds in one validated result (parseAgentResult); the result itself can then go. */
  add(result: AgentResult): void {
    const { series, network, ...facts } = result;
    let inferredSynRetransmits = 0;
    for (const s of series) {
      this.pairs.add(result.node, s);
      inferredSynRetransmits += s.tcp?.synRetransmits ?? 0;
    }
    this.agents.push({ ...facts, network: network ?? (series.some((s) => s.path === 'host') ? 'host' : 'pod'), inferredSynRetransmits });
    if (result.timeline) {
      const { originAt, windowMs } = result.timeline;
      // Every agent of a run starts at one wall-clock time; the earliest origin is window 0.
      if (!this.windowing || originAt < this.windowing.originAt) this.windowing = { originAt, windowMs: this.windowing?.windowMs ?? windowMs };
    }
  }

  /** --window runs: the per-window counts; null without windows. */
  windowed(): WindowedRun | null {
    return this.windowing && { ...this.windowing, pairs: this.pairs.windowed() };
  }
}
