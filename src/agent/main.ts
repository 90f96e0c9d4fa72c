// netprobe agent: one process per probe pod. Prints its result on stdout at the end (as
// output.ts writes documents: one JSON line, or numbered parts, twice), interim results
// before it, progress on stderr. Exit 0 whatever the network did (a bad network is
// data); exit 2 only for the agent's own failures (bad plan, port in use).
// A plan's `mode` picks what the agent does (default 'probe': the matrix probes).
import { runDnsLoadMode } from './dns-load.ts';
import { runInspectMode } from './inspect/inspect.ts';
import { parsePlan, readPlanText } from './plan-input.ts';
import { DocumentWriter, InterimBudget } from './output.ts';
import { AgentSetupError } from './responder.ts';
import { startAgent } from './run.ts';
import type { ModeRun } from './mode.ts';

const EXIT_SETUP = 2;
const EXIT_INTERNAL = 1;

type Log = (line: string) => void;
type LogFor = (node: string) => Log;

const output = new DocumentWriter((text) => process.stdout.write(text));

const MODES: Record<string, (planText: string, logFor: LogFor) => Promise<ModeRun>> = {
  probe: async (text, logFor) => {
    const plan = parsePlan(text);
    const budget = new InterimBudget();
    return {
      node: plan.node,
      ...(await startAgent(plan, logFor(plan.node), (doc, moment) => {
        const { lines, logBytes } = output.prepare(doc);
        if ('served' in moment || budget.allows(logBytes, moment.window, moment.windows)) output.write(lines);
      })),
    };
  },
  inspect: async (text) => runInspectMode(text),
  'dns-load': runDnsLoadMode,
};

function modeOf(text: string): string {
  try {
    const mode = (JSON.parse(text) as { mode?: unknown }).mode ?? 'probe';
    if (typeof mode !== 'string' || !(mode in MODES)) throw new AgentSetupError(`plan mode ${JSON.stringify(mode)} is not one of ${Object.keys(MODES).join(', ')}`);
    return mode;
  } catch (err) {
    if (err instanceof AgentSetupError) throw err;
    throw new AgentSetupError(`plan is not JSON: ${(err as Error).message}`);
  }
}

async function main(): Promise<number> {
  const text = readPlanText(process.argv.slice(2), process.env);
  const logFor: LogFor = (node) => (line) => process.stderr.write(`netprobe-agent[${node}]: ${line}\n`);
  const run = await MODES[modeOf(text)](text, logFor);
  const onSignal = (signal: string) => {
    logFor(run.node)(`${signal}: stopping, reporting what was measured`);
    run.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  output.writeFinal(await run.result);
  return 0;
}

main().then(
  (code) => { process.exitCode = code; },
  (err: unknown) => {
    const setup = err instanceof AgentSetupError;
    process.stderr.write(`netprobe-agent: ${setup ? '' : 'internal error: '}${err instanceof Error ? (setup ? err.message : err.stack) : String(err)}\n`);
    process.exitCode = setup ? EXIT_SETUP : EXIT_INTERNAL;
  },
);
