// kubectl netprobe cleanup: removes what runs left behind (a CLI killed with
// SIGKILL, --keep), found by label across namespaces, and says what it removed.
import { removeRun } from '../deploy/session.ts';
import { ALL_RUNS_SELECTOR, LABEL_RUN } from '../deploy/labels.ts';
import { createKubeClient, loadKubeConfig } from '../kube/client-node.ts';
import { EXIT_OK } from './exit-codes.ts';
import { stderrProgress } from './progress.ts';

export const CLEANUP_OPTIONS = {
  run: { type: 'string', describe: 'only this run id' },
  'dry-run': { type: 'boolean', default: false, describe: 'list, do not delete' },
} as const;

interface CleanupArgs {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  run?: string;
  'dry-run': boolean;
}

export async function runCleanupCommand(args: CleanupArgs): Promise<number> {
  const client = createKubeClient(loadKubeConfig(args));
  const selector = args.run ? `${ALL_RUNS_SELECTOR},${LABEL_RUN}=${args.run}` : ALL_RUNS_SELECTOR;
  // A run is its namespace (when netprobe made it) or its ConfigMap (in a namespace given with -n).
  const ownNamespaces = args.namespace ? [] : await client.listNamespaces(selector);
  const configMaps = await client.listConfigMaps(args.namespace, selector);
  const runs = new Map<string, { namespace: string; runId: string; own: boolean }>();
  const ownNames = new Set(ownNamespaces.map((ns) => ns.metadata!.name!));
  for (const ns of ownNamespaces) {
    runs.set(ns.metadata!.name!, { namespace: ns.metadata!.name!, runId: ns.metadata?.labels?.[LABEL_RUN] ?? '', own: true });
  }
  for (const cm of configMaps) {
    const namespace = cm.metadata!.namespace!;
    const runId = cm.metadata?.labels?.[LABEL_RUN] ?? '';
    if (!ownNames.has(namespace)) runs.set(`${namespace}/${runId}`, { namespace, runId, own: false });
  }
  if (runs.size === 0) {
    process.stdout.write('nothing to clean up\n');
    return EXIT_OK;
  }
  const quiet = stderrProgress(process.stderr, true);
  for (const run of runs.values()) {
    const what = run.own ? `namespace ${run.namespace}` : `run ${run.runId} in namespace ${run.namespace}`;
    if (!args['dry-run']) await removeRun(client, run.namespace, run.runId, run.own, quiet);
    process.stdout.write(`${args['dry-run'] ? 'would remove' : 'removed'} ${what}\n`);
  }
  return EXIT_OK;
}
