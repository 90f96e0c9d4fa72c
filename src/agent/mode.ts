// What main.ts runs: one of the agent's modes (probe, inspect, dns-load).
/** A running mode: its result document once done, and an early stop (SIGTERM, Ctrl-C). */
export interface ModeRun {
  node: string;
  result: Promise<object>;
  stop(): void;
}
