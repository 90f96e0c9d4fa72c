// Ctrl-C during a run: the first stops the run through the AbortSignal (the run cleans up and
// throws RunAborted), the second exits at once and says how to clean up later.
import { EXIT_INTERRUPTED } from './exit-codes.ts';

export async function interruptible<T>(runId: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      process.stderr.write(`\n${signal} again: exiting now; pods end by their deadline, or run: kubectl netprobe cleanup --run ${runId}\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(`\n${signal}: stopping and cleaning up (again to force)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(abort.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
