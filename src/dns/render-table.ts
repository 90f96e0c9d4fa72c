// `kubectl netprobe dns` as text: the cluster's DNS set-up, the ramp step by step, the
// knee and the recommendation beside the autoscaler formula's answer.
import { paint } from '../render/ansi.ts';
import { compactTable } from '../render/compact-table.ts';
import { formatMs, formatPercent } from '../shared/format.ts';
import { isClean } from './knee.ts';
import type { DnsReport } from './report.ts';

export function renderDnsTable(report: DnsReport, color: boolean): string {
  const { cluster, knee, recommendation: rec, run } = report;
  const a = cluster.autoscaler;
  const lines: string[] = [];
  lines.push(
    `DNS pods: ${cluster.readyReplicas} ready of ${cluster.dnsPods.length} (${cluster.dnsPods.map((p) => `${p.name} on ${p.node ?? 'unscheduled'}`).join(', ') || 'none found with k8s-app=kube-dns in kube-system'})`,
    `cluster: ${cluster.nodes} schedulable nodes, ${cluster.cores} cores; cluster-proportional-autoscaler (coresPerReplica ${a.coresPerReplica}, nodesPerReplica ${a.nodesPerReplica}${a.preventSinglePointFailure ? ', preventSinglePointFailure' : ''}): ${a.replicas} replicas (by cores ${a.byCores}, by nodes ${a.byNodes})`,
    `NodeLocal DNSCache: ${cluster.nodeLocalDns.present ? `yes (${cluster.nodeLocalDns.evidence})` : 'no'}`,
    `loaded: ${report.resolvers.join(', ') || 'nothing'} from ${run.settings.loaders.length} loader pod(s) on ${run.settings.loaders.join(', ')}`,
    ...report.lookups.map((l) => `  ${l.name}: ${l.queriesPerLookup} queries per lookup (${l.tried.length} name(s) tried with the search path, last ${l.rcode})`),
    '',
  );
  const rows = report.steps.map((s) => {
    const clean = isClean(s, run.settings.lossThreshold);
    const cells = [
      String(s.step), s.offeredQps.toFixed(0), s.answeredQps.toFixed(0), formatPercent(s.answeredRatio),
      s.p50Ms === null ? '-' : formatMs(s.p50Ms), s.p99Ms === null ? '-' : formatMs(s.p99Ms),
      String(s.timeouts), String(s.answeredAtResolverMarks), String(s.unsent + Object.values(s.errors).reduce((x, y) => x + y, 0)),
      Object.entries(s.rcodes).sort(([a], [b]) => a.localeCompare(b)).map(([k, n]) => `${k} ${n}`).join(', '),
    ];
    const marked = s.step === knee.step ? cells.map((c) => paint(c, 'bold', color)) : cells;
    return clean ? marked : marked.map((c) => paint(c, 'red', color));
  });
  lines.push(compactTable(
    ['STEP', 'OFFERED/s', 'ANSWERED/s', 'ANSWERED', 'P50', 'P99', 'TIMEOUTS', 'AT 5s', 'UNSENT', 'RCODES'],
    rows, ['right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'right', 'left'],
  ), '');
  const loss = formatPercent(run.settings.lossThreshold);
  switch (knee.verdict) {
    case 'knee': lines.push(`knee: ${knee.qps!.toFixed(0)} queries/s (step ${knee.step}; the next step lost more than ${loss} of its queries)${report.kneeLookupsPerSecond === null ? '' : ` = ${report.kneeLookupsPerSecond.toFixed(0)} lookups/s of these names`}`); break;
    case 'none-up-to-max': lines.push(`no knee up to ${knee.qps!.toFixed(0)} queries/s: every step lost at most ${loss} (raise --max-qps to find it)`); break;
    case 'below-first-step': lines.push(`knee below the first step: it already lost more than ${loss} (lower --max-qps or use more --steps)`); break;
  }
  for (const s of report.stoppedEarly) lines.push(`  ${s.node} stopped the ramp: ${s.reason}`);
  if (rec) {
    const atMost = rec.capacityIsLowerBound ? 'at most ' : '';
    lines.push(
      `per replica: ${rec.capacityIsLowerBound ? 'at least ' : ''}${rec.perReplicaQps.toFixed(0)} queries/s (${rec.capacityQps.toFixed(0)} over ${rec.currentReplicas} replicas)`,
      `recommendation: ${atMost}${rec.replicas} replicas for a peak of ${rec.peakQps.toFixed(0)} queries/s${rec.peakFrom === 'capacity' ? ' (no --peak-qps: the measured capacity)' : ''} with ${formatPercent(rec.headroom)} headroom; the autoscaler formula says ${a.replicas}; running ${rec.currentReplicas}`,
    );
  } else {
    lines.push(`recommendation: none (${cluster.readyReplicas === 0 ? 'no ready DNS pod'
      : knee.verdict === 'none-up-to-max' ? `the ${cluster.readyReplicas} replicas carry at least ${knee.qps!.toFixed(0)} queries/s; give --peak-qps to plan for a peak`
        : 'no capacity measured'})`);
  }
  for (const n of report.noData) lines.push(paint(`no data from ${n.node}: ${n.reason}`, 'yellow', color));
  for (const w of report.warnings) lines.push(paint(`warning: ${w}`, 'yellow', color));
  return `${lines.join('\n')}\n`;
}
