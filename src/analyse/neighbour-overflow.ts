// The neighbour (ARP) table full: past gc_thresh3 the kernel cannot add an entry, so packets to
// destinations without one are dropped ("neighbour: arp_cache: neighbor table overflow!").
// Measured here (FIELD-NOTES, kernel 6.18, gc_thresh3 = 32, one namespace towards 119
// neighbours): 88 TCP connects timed out after SYN retransmits, 88 UDP sends "succeeded" and
// were counted as UdpSndbufErrors (no ENOBUFS to user space without IP_RECVERR). Entries
// come and go, so from the full node the loss is intermittent and spread over many
// destinations, while the kernel counts the sends it could not make. A node's own probes on
// the host network see it so; probes forwarded by a full node (pod traffic) are only lost.
import { countOf } from '../shared/format.ts';
import { logEvidence } from '../shared/sequential-test.ts';
import { isResolver, type Finding, type NodeEvidence, type NodeReport, type PairEvidence } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { bufferErrorCounts } from './enobufs.ts';
import type { FindingContext } from './finding-context.ts';
import { evidenceOf, type JudgedPair } from './verdicts.ts';
import { wilsonInterval } from './wilson.ts';

/** "Spread over many destinations": at least this many, and this share of the node's. */
const MIN_DESTINATIONS_HIT = 3;
const DESTINATIONS_HIT_SHARE = 0.5;

export interface NeighbourOverflow {
  finding: Finding;
  /** The nodes it names: the generic ENOBUFS finding leaves them to it. */
  nodes: ReadonlySet<string>;
}

interface Suspect {
  node: NodeReport;
  evidence: NodeEvidence;
  pairs: PairEvidence[];
  pooled: { k: number; n: number; logEvidence: number; low: number };
  hit: number;
  probed: number;
}

/**
 * A node is suspected when all three hold: its probes lost or retransmitted towards most of its
 * destinations (spread), some of them still got through there (intermittent, not a dead
 * egress), pooled more than noise explains (the row-pattern level of patterns.ts); and its
 * kernel counted sends it could not make (UDP SndbufErrors, ENOBUFS, EINVAL on 3.6-6.5).
 */
export function neighbourOverflowFinding(context: FindingContext): NeighbourOverflow | null {
  // As patterns.ts: every node's row and column, the whole matrix and a partition per matrix.
  const tests = 2 * context.nodes.size + 2;
  const level = Math.log(tests / context.thresholds.falseDiscoveryRate);
  const suspects: Suspect[] = [];
  for (const node of context.nodes.values()) {
    const pairs = (context.bySource.get(node.name) ?? []).filter((j) => !isResolver(j.report.destination));
    const suspect = suspectOf(node, pairs, context, level);
    if (suspect) suspects.push(suspect);
  }
  if (suspects.length === 0) return null;
  const critical = suspects.some((s) => s.pooled.low > context.thresholds.criticalLossRatio);
  const described = suspects.map((s) => {
    const counts = s.evidence.counts;
    const kernel = ['SndbufErrors', 'ENOBUFS', 'EINVAL'].filter((name) => counts[name]).map((name) => `${name} +${counts[name]}`).join(', ');
    return `${s.node.name} lost or retransmitted towards ${s.hit} of ${s.probed} destinations, intermittently (${s.pooled.k} of ${s.pooled.n} probes and SYNs), while its kernel counted ${kernel}`;
  });
  const weakest = suspects.reduce((a, b) => (a.pooled.logEvidence < b.pooled.logEvidence ? a : b));
  return {
    nodes: new Set(suspects.map((s) => s.node.name)),
    finding: {
      severity: critical ? 'critical' : 'warning',
      kind: 'neighbour-table-overflow',
      pattern: 'nodes',
      subject: suspects.map((s) => s.node.name).join(', '),
      path: null,
      protocols: [...new Set(suspects.flatMap((s) => s.pairs.map((p) => p.protocol)))].sort(),
      message: `Neighbour-table overflow suspected on ${countOf(suspects.length, 'node')}: ${described.join('; ')}. `
        + 'That is the signature of a full neighbour (ARP) table: sends to destinations without an entry are dropped, UDP ones counted as SndbufErrors, TCP ones retransmitted as lost SYNs until the connect times out.',
      hint: 'Confirm on the node: `ip neigh | wc -l` against net.ipv4.neigh.default.gc_thresh1/2/3 (defaults 128/512/1024), table_fulls in /proc/net/stat/arp_cache, '
        + "'neighbor table overflow' in the kernel log; `kubectl netprobe nodes` checks the table. Fix: raise gc_thresh1/2/3 in the host network namespace "
        + '(they are global and hard limits, e.g. 1024/4096/8192), and keep pods per node (each one an entry, more on a VXLAN overlay, one L2 network) below gc_thresh2.',
      evidence: {
        confidence: {
          logEvidence: Math.round(weakest.pooled.logEvidence * 1000) / 1000, againstRatio: context.thresholds.lossRatio,
          control: 'bonferroni', errorRate: context.thresholds.falseDiscoveryRate, tests,
        },
        thresholdRatio: context.thresholds.lossRatio,
        pairs: suspects.flatMap((s) => s.pairs),
        nodes: suspects.map((s) => s.evidence),
      },
    },
  };
}

function suspectOf(node: NodeReport, pairs: readonly JudgedPair[], context: FindingContext, level: number): Suspect | null {
  const kernelCounts = bufferErrorCounts(node, pairs.map((j) => j.report));
  if (Object.keys(kernelCounts).length === 0) return null;

  const troubleOf = (j: JudgedPair) => j.report.attempts - j.report.successes + j.report.synRetransmits;
  const byDestination = groupBy(pairs, (j) => j.report.destination);
  const hitDestinations = [...byDestination.values()].filter((toOne) => toOne.some((j) => troubleOf(j) > 0));
  const probed = byDestination.size;
  if (hitDestinations.length < Math.max(MIN_DESTINATIONS_HIT, DESTINATIONS_HIT_SHARE * probed)) return null;
  // Intermittent: most destinations hit still answered some probes (a dead egress answers none).
  const answered = hitDestinations.filter((toOne) => toOne.some((j) => j.report.successes > 0));
  if (answered.length < DESTINATIONS_HIT_SHARE * hitDestinations.length) return null;

  const k = pairs.reduce((n, j) => n + troubleOf(j), 0);
  const n = pairs.reduce((total, j) => total + j.report.attempts + j.report.synRetransmits, 0);
  const logE = logEvidence(k, n, context.thresholds.lossRatio);
  if (!(k > context.thresholds.lossRatio * n && logE >= level)) return null;

  const hitPairs = hitDestinations.flat().filter((j) => troubleOf(j) > 0);
  const lost = hitPairs.reduce((total, j) => total + j.report.attempts - j.report.successes, 0);
  const synRetransmits = hitPairs.reduce((total, j) => total + j.report.synRetransmits, 0);
  const connectTimeouts = hitPairs.filter((j) => j.report.protocol === 'tcp').reduce((total, j) => total + (j.report.errors.timeout ?? 0), 0);
  const counts = Object.fromEntries(Object.entries({ destinationsHit: hitDestinations.length, destinationsProbed: probed, lost, synRetransmits, connectTimeouts }).filter(([, c]) => c > 0));
  Object.assign(counts, kernelCounts);
  return {
    node,
    evidence: { node: node.name, kernelVersion: node.kernelVersion, counts },
    pairs: hitPairs.filter((j) => j.measurements.loss).map((j) => evidenceOf(j, j.report.protocol === 'tcp' && j.report.synRetransmits > 0 && j.measurements['syn-loss'] ? 'syn-loss' : 'loss')),
    pooled: { k, n, logEvidence: logE, low: wilsonInterval(k, n).low },
    hit: hitDestinations.length,
    probed,
  };
}
