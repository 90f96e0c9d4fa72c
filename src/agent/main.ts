// netprobe agent: one process per probe pod. Prints one JSON result on stdout at
// the end, progress on stderr. Exit 0 whatever the network did (a bad network is
// data); exit 2 only for the agent's own failures (bad plan, port in use).
import { parsePlan, readPlanText } from './plan-input.ts';
import { AgentSetupError } from './responder.ts';
import { startAgent } from './run.ts';

const EXIT_SETUP = 2;
const EXIT_INTERNAL = 1;

async function main(): Promise<number> {
  const plan = parsePlan(readPlanText(process.argv.slice(2), process.env));
  const log = (line: string) => process.stderr.write(`netprobe-agent[${plan.node}]: ${line}\n`);
  const run = await startAgent(plan, log);
  const onSignal = (signal: string) => {
    log(`${signal}: stopping, reporting what was measured`);
    run.stop();
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  const result = await run.result;
  process.stdout.write(`${JSON.stringify(result)}\n`);
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
