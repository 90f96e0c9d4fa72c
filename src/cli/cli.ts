// The command line: kubectl conventions (--kubeconfig, --context, -n, -o), data on
// stdout, progress and errors on stderr. Exit 0 ok, 1 error, 2 a --fail-on gate met.
import yargs from 'yargs';
import { KubeApiError } from '../kube/errors.ts';
import { DeployError } from '../deploy/session.ts';
import { ConfigError } from '../kube/client-node.ts';
import { PlanError } from '../plan/select-nodes.ts';
import { ReportFileError } from '../compare/load-report.ts';
import { CLEANUP_OPTIONS, runCleanupCommand } from './cleanup-command.ts';
import { COMMANDS } from './commands.ts';
import { runComplete } from './complete.ts';
import { COMPARE_OPTIONS, runCompareCommand } from './compare-command.ts';
import { DNS_OPTIONS, runDnsCommand } from './dns-command.ts';
import { runMatrixCommand, MATRIX_OPTIONS } from './matrix-command.ts';
import { NODES_EPILOGUE, NODES_OPTIONS, runNodesCommand } from './nodes-command.ts';
import { UsageError } from './parse-options.ts';
import { CONNECTION_OPTIONS } from './connection-options.ts';
import { EXIT_ERROR, EXIT_OK } from './exit-codes.ts';
import { netprobeVersion } from './version.ts';

export async function runCli(argv: string[]): Promise<number> {
  // kubectl_complete-netprobe: kubectl asking what may follow the words typed so far.
  if (argv[0] === '__complete') return runComplete(argv.slice(1));
  let exitCode = EXIT_OK;
  const guard = (fn: () => Promise<number>) => async () => {
    exitCode = await fn();
  };
  try {
    await yargs(argv)
      .scriptName('kubectl netprobe')
      .usage('$0 <command> [options]\n\nWhy can pod A only sometimes talk to pod B? netprobe measures TCP, UDP and DNS loss and latency between every pair of nodes.')
      .options(CONNECTION_OPTIONS)
      .command('matrix', COMMANDS.matrix.describe, (y) => y.options(MATRIX_OPTIONS)
        .example('$0 matrix', 'all Ready nodes, TCP/UDP/DNS for 30s')
        .example('$0 matrix --pairs node-a:node-b --both-ways --duration 2m', 'just the pair that misbehaves')
        .example('$0 matrix -o json --fail-on "loss>1%,dnsTimeouts>0"', 'a CI gate: exit 2 when met'),
      (args) => guard(() => runMatrixCommand(args))())
      .command('cleanup', COMMANDS.cleanup.describe, (y) => y.options(CLEANUP_OPTIONS), (args) => guard(() => runCleanupCommand(args))())
      .command('compare <before> <after>', COMMANDS.compare.describe, (y) => y
        .positional('before', { type: 'string', demandOption: true, describe: 'report of the earlier run (JSON or YAML)' })
        .positional('after', { type: 'string', demandOption: true, describe: 'report of the later run' })
        .options(COMPARE_OPTIONS)
        .example('$0 compare before.json after.json', 'exit 2 when a pair or node regressed significantly'),
      (args) => guard(async () => runCompareCommand(args))())
      .command('nodes', COMMANDS.nodes.describe, (y) => y.options(NODES_OPTIONS).epilogue(NODES_EPILOGUE), (args) => guard(() => runNodesCommand(args))())
      .command('dns', COMMANDS.dns.describe, (y) => y.options(DNS_OPTIONS), (args) => guard(() => runDnsCommand(args))())
      .demandCommand(1, 'name a command: matrix, nodes, dns, compare or cleanup')
      .strict()
      .help()
      .alias('h', 'help')
      .version(netprobeVersion())
      .wrap(Math.min(100, process.stdout.columns || 80))
      .fail((message, err) => {
        if (err) throw err;
        throw new UsageError(`${message} (see kubectl netprobe --help)`);
      })
      .parseAsync();
  } catch (err) {
    process.stderr.write(`error: ${describeError(err)}\n`);
    return EXIT_ERROR;
  }
  return exitCode;
}

function describeError(err: unknown): string {
  if (err instanceof KubeApiError && err.status === 403) return `${err.message}\n(the Role netprobe needs is in manifests/rbac.yaml)`;
  if (err instanceof UsageError || err instanceof ReportFileError || err instanceof PlanError || err instanceof ConfigError || err instanceof DeployError || err instanceof KubeApiError) return err.message;
  return err instanceof Error ? (err.stack ?? err.message) : String(err);
}
