// Every object of a run carries these labels, so one selector finds a run's
// objects (and `kubectl netprobe cleanup` finds every run's leftovers).
export const LABEL_APP = 'app.kubernetes.io/name';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const LABEL_RUN = 'netprobe.io/run';
export const LABEL_ROLE = 'netprobe.io/role';
export const LABEL_PATH = 'netprobe.io/path';
/** The pod's own name, for a Service that selects exactly one responder. */
export const LABEL_POD = 'netprobe.io/pod';
/** Node names can be longer than a label value (63), so the node goes in an annotation. */
export const ANNOTATION_NODE = 'netprobe.io/node';

export const APP = 'netprobe';
export const MANAGER = 'kubectl-netprobe';

export type PodRole = 'responder' | 'prober' | 'inspector' | 'loader';

export function runLabels(runId: string): Record<string, string> {
  return { [LABEL_APP]: APP, [LABEL_MANAGED_BY]: MANAGER, [LABEL_RUN]: runId };
}

export const ALL_RUNS_SELECTOR = `${LABEL_APP}=${APP},${LABEL_MANAGED_BY}=${MANAGER}`;

export function runSelector(runId: string): string {
  return `${ALL_RUNS_SELECTOR},${LABEL_RUN}=${runId}`;
}
