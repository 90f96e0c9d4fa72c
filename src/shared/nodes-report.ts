// The `kubectl netprobe nodes` report: per node, each check's verdict with its evidence,
// what the inspector pod could not see, and the fix. `-o json|yaml` print it as it is
// (docs/nodes-report.md).

export const NODES_REPORT_KIND = 'netprobe-nodes-report';
export const NODES_REPORT_SCHEMA_VERSION = 1;

export type Verdict = 'pass' | 'warn' | 'fail';

export const CHECK_IDS = ['kernel', 'cni', 'neighbours', 'tw-recycle', 'conntrack', 'mtu', 'overlay', 'bgp'] as const;
export type CheckId = (typeof CHECK_IDS)[number];

export interface CheckResult {
  check: CheckId;
  verdict: Verdict;
  /** One line: the table's detail and the start of a finding. */
  summary: string;
  /** The figures the verdict rests on. */
  evidence: string[];
  /** What this check could not see from inside the pod (so a PASS is no more than it is). */
  unseen: string[];
  /** What to do; null on a pass. */
  fix: string | null;
}

export interface NodeChecks {
  name: string;
  /** 'no-data': the inspector pod did not run or report (reason says why); checks is empty. */
  status: 'ok' | 'no-data';
  reason: string | null;
  /** In CHECK_IDS order; a check that does not apply to the cluster's CNI is absent (bgp without Calico). */
  checks: CheckResult[];
}

export interface NodesReport {
  kind: typeof NODES_REPORT_KIND;
  schemaVersion: typeof NODES_REPORT_SCHEMA_VERSION;
  run: { id: string; start: string; end: string; namespace: string; image: string };
  /** The CNI(s) found, with where each was seen. */
  cni: { name: string; evidence: string[] }[];
  nodes: NodeChecks[];
  summary: { pass: number; warn: number; fail: number; noData: number };
}
