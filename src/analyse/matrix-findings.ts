// Findings from the judged pairs: per network, metric and protocol, the Pingmesh patterns of
// the node matrix (and of the column of resolvers), each said once (across protocols too)
// with its pairs as evidence and the e-value it was found at.
import { describeProportion, pairName } from '../shared/format.ts';
import { PROTOCOLS, type NetworkPath } from '../shared/plan.ts';
import { isResolver, type Finding, type FindingConfidence, type NodeEvidence, type NodeReport, type PairEvidence, type PairFlag, type UdpDirectionEvidence } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { byNodeName } from '../shared/node-order.ts';
import { mtuSuspicion } from './mtu.ts';
import { detectPatterns, type CellReader, type MatrixPattern, type MatrixPatternName, type Pooled } from './patterns.ts';
import { synDropContext } from './syn-drops.ts';
import { describeUdpDirection, udpDirection, type DirectionScope } from './udp-direction.ts';
import { raceSuspicion } from './dns-race.ts';
import { P99_TAIL_SHARE } from './options.ts';
import { cellKey, networkKey } from './pairs.ts';
import { applyFlag, evidenceOf, type JudgedPair } from './verdicts.ts';
import { wilsonInterval } from './wilson.ts';
import type { FindingContext } from './finding-context.ts';

type MatrixMetric = Extract<PairFlag, 'loss' | 'syn-loss' | 'latency'>;
const MATRIX_METRICS: readonly MatrixMetric[] = ['loss', 'syn-loss', 'latency'];

/** Destinations are nodes (a square matrix) or resolvers ('dns:<ip>', one column each). */
type MatrixKind = 'nodes' | 'resolvers';

/**
 * A pattern found on one or more protocols of a matrix, said once: its elevated pairs (every
 * protocol it was found on), how many node pairs of its scope are elevated and measured, the
 * pooled count of those protocols, and the weakest pooled e-value among them.
 */
interface FoundPattern {
  pattern: MatrixPatternName;
  node: string | null;
  groups: string[][] | null;
  pairs: JudgedPair[];
  /** The elevated node pairs (source, destination), each once. */
  ends: { source: string; destination: string }[];
  measuredEnds: number;
  pooled: Pooled;
  tests: number;
}

/**
 * The matrix findings. Patterns are looked for per protocol (the family's error rate split
 * over them, Bonferroni): pooled over protocols, a protocol that confirmation probed long and
 * clean would hide one that lost. The same pattern on several protocols is one finding.
 * Pairs that a pattern explains get its flag, so the heatmap marks them too.
 */
export function matrixFindings(context: FindingContext): Finding[] {
  const findings: Finding[] = [];
  const { thresholds } = context;
  // Patterns per network: a dual-stack cluster's IPv6 pairs are a matrix of their own.
  for (const [group, pairs] of byMatrix(context.judged)) {
    const [, kind] = group.split('|') as [string, MatrixKind];
    const { path, family } = pairs[0].report;
    // Each node's UDP pairs on this network, as source or destination: indexed once, when a finding first asks.
    let byEnd: Map<string, JudgedPair[]> | null = null;
    const touching = (node: string) => (byEnd ??= udpPairsByEnd(pairs)).get(node) ?? [];
    let protocols: JudgedPair[][] | null = null;
    for (const metric of MATRIX_METRICS) {
      // Most runs are clean: no elevated pair, no pattern to look for.
      if (!pairs.some((j) => j.measurements[metric]?.elevated)) continue;
      protocols ??= [...groupBy(pairs, (j) => j.report.protocol).values()];
      const byProtocol = protocols.map((onOne) => onOne.filter((j) => j.measurements[metric])).filter((measured) => measured.length > 0);
      const rules = {
        p0: metric === 'latency' ? P99_TAIL_SHARE : thresholds.lossRatio, share: thresholds.patternShare,
        alpha: thresholds.falseDiscoveryRate / byProtocol.length, square: kind === 'nodes',
      };
      const read = metricCells(metric);
      const found = byProtocol.flatMap((protocolPairs) => detectPatterns(protocolPairs, rules, read));
      for (const pattern of mergeAcrossProtocols(found)) {
        for (const pair of pattern.pairs) if (pair.report.flags.length === 0) applyFlag(pair, metric, thresholds);
        findings.push({ ...toFinding(pattern, metric, path, kind, context, touching), ...(family && { family }) });
      }
    }
  }
  return findings;
}

/** The pairs by matrix: network and kind ("pod|nodes"), each key made once, not once a pair. */
function byMatrix(judged: readonly JudgedPair[]): Map<string, JudgedPair[]> {
  const keys = new Map<string, Record<MatrixKind, string>>();
  return groupBy(judged, ({ report }) => {
    const network = networkKey(report);
    let known = keys.get(network);
    if (!known) keys.set(network, (known = { nodes: `${network}|nodes`, resolvers: `${network}|resolvers` }));
    return known[matrixKind(report.destination)];
  });
}

function matrixKind(destination: string): MatrixKind {
  return isResolver(destination) ? 'resolvers' : 'nodes';
}

/** The judged pairs as matrix cells of one metric (each pair measured by it), read where they are. */
function metricCells(metric: MatrixMetric): CellReader<JudgedPair> {
  return {
    source: (pair) => pair.report.source,
    destination: (pair) => pair.report.destination,
    count: (pair) => pair.measurements[metric]!,
    flagged: (pair) => pair.report.flags.includes(metric),
  };
}

/** Patterns with the same shape and place (a pair: the same two nodes, either way) on several protocols, as one. */
function mergeAcrossProtocols(found: readonly MatrixPattern<JudgedPair>[]): FoundPattern[] {
  const keyOf = (p: MatrixPattern<JudgedPair>) => (p.pattern === 'pair'
    ? `pair|${[p.cells[0].report.source, p.cells[0].report.destination].sort().join('|')}`
    : `${p.pattern}|${p.node}|${JSON.stringify(p.groups)}`);
  return [...groupBy(found, keyOf).values()].map((same) => {
    const cells = same.flatMap((p) => p.cells);
    const endsKey = ({ report }: JudgedPair) => `${report.source}|${report.destination}`;
    const ends = [...groupBy(cells, endsKey).values()].map(([{ report }]) => ({ source: report.source, destination: report.destination }));
    const k = same.reduce((total, p) => total + p.pooled.k, 0);
    const n = same.reduce((total, p) => total + p.pooled.n, 0);
    return {
      pattern: same[0].pattern,
      node: same[0].node,
      groups: same[0].groups,
      pairs: cells,
      ends,
      measuredEnds: new Set(same.flatMap((p) => p.scope.map(endsKey))).size,
      pooled: { k, n, ...wilsonInterval(k, n), logEvidence: Math.min(...same.map((p) => p.pooled.logEvidence)) },
      tests: same[0].tests,
    };
  });
}

function toFinding(pattern: FoundPattern, metric: MatrixMetric, path: NetworkPath, kind: MatrixKind, context: FindingContext, touching: (node: string) => JudgedPair[]): Finding {
  const pairs = pattern.pairs;
  const evidence = pairs.map((j) => evidenceOf(j, metric)).sort((a, b) => b.low - a.low);
  const protocols = PROTOCOLS.filter((protocol) => evidence.some((e) => e.protocol === protocol));
  const groups = pattern.groups?.map((group) => [...group].sort(byNodeName)).sort((a, b) => byNodeName(a[0], b[0])) ?? null;
  const groupLabel = groups ? labelSeparating(groups, context.nodes) : null;
  const synContext = metric === 'syn-loss' ? synDropContext(evidence, context) : null;
  // UDP echoes tell which way the lost datagrams travelled: the message says it, and a row or
  // column whose losses travelled the other way points at the other end of the node.
  const direction = kind === 'nodes' && metric === 'loss' && pairs.some((j) => j.report.protocol === 'udp')
    ? udpDirection(directionPairs(pattern, { path, family: pairs[0].report.family }, context, touching), directionScope(pattern)) : null;
  const where = direction?.outcome === 'one-way' ? directedPattern(pattern.pattern, direction) : pattern.pattern;
  // SYN drops have their own suspects; where they lie adds little to them.
  const hints = [
    synContext ? '' : ((kind === 'resolvers' ? RESOLVER_HINTS[pattern.pattern] : undefined) ?? NODE_HINTS[where]),
    groupLabel ? `The groups line up with the node label ${groupLabel}.` : '',
    metric === 'latency' ? LATENCY_HINT : '',
    synContext?.hint ?? '',
    kind === 'nodes' ? otherNetworkContrast(evidence, metric, path, context) : '',
    kind === 'nodes' && metric === 'loss' ? mtuSuspicion(pairs) : '',
    kind === 'resolvers' && metric === 'loss' ? raceSuspicion([...new Set(evidence.map((e) => e.source))], context) : '',
  ];
  const measure = evidence[0].measure;
  const pooled = pattern.pattern === 'pair' ? '' : `; pooled, ${describeProportion({ ...pattern.pooled, measure })}`;
  // Loss-like counts leave the burst windows out (verdicts.ts); a latency histogram is the whole run's.
  const windows = metric === 'latency' ? [] : context.burstWindows;
  const outsideBursts = windows.length ? `; counted outside burst window${windows.length > 1 ? 's' : ''} ${windows.join(', ')}` : '';
  const critical = pairs.some((j) => j.report.status === 'critical') || (metric !== 'latency' && pattern.pooled.low > context.thresholds.criticalLossRatio);
  const pairEnds = pairSubject(pattern, direction, evidence);
  const { k, n, ratio, low, high } = pattern.pooled;
  return {
    severity: critical ? 'critical' : 'warning',
    kind: metric,
    pattern: pattern.pattern,
    subject: pairEnds?.subject ?? subjectOf(pattern, groups),
    path,
    protocols,
    message: `${pairEnds?.sentence ?? scopeSentence(pattern, metric, kind, groups)} (${protocols.join(', ')}, ${path} network${pairs[0].report.family ? ', IPv6' : ''})${pooled}${outsideBursts}.`
      + (direction ? ` ${describeUdpDirection(direction)}` : ''),
    hint: hints.filter(Boolean).join(' '),
    evidence: {
      confidence: confidenceOf(pattern, evidence, metric, context),
      // Latency pairs carry their own limit; the others share the loss threshold.
      ...(metric === 'latency' ? {} : { thresholdRatio: context.thresholds.lossRatio }),
      flaggedPairs: pattern.ends.length,
      measuredPairs: pattern.measuredEnds,
      pooled: { k, n, ratio, low, high },
      ...(direction && { udpDirection: direction }),
      ...(groups ? { groups, groupLabel } : {}),
      pairs: evidence,
      nodes: synContext?.nodes ?? ([] as NodeEvidence[]),
    },
  };
}

/**
 * A pair finding is flagged on each pair's own evidence (e-BH across the run): it quotes the
 * weakest of them. A pattern is found on its pooled evidence (Bonferroni over the matrix's
 * pattern tests): it quotes that.
 */
function confidenceOf(pattern: FoundPattern, evidence: readonly PairEvidence[], metric: MatrixMetric, context: FindingContext): FindingConfidence {
  const againstRatio = metric === 'latency' ? P99_TAIL_SHARE : context.thresholds.lossRatio;
  const errorRate = context.thresholds.falseDiscoveryRate;
  if (pattern.pattern === 'pair') {
    return { logEvidence: Math.min(...evidence.map((e) => e.logEvidence)), againstRatio, control: 'e-bh', errorRate, tests: context.run.tests };
  }
  return { logEvidence: Math.round(pattern.pooled.logEvidence * 1000) / 1000, againstRatio, control: 'bonferroni', errorRate, tests: pattern.tests };
}

/**
 * The UDP pairs whose losses say which way a pattern's datagrams were lost: every pair between a
 * pair finding's two nodes, or touching a row's, column's or node's node (the reverse probes'
 * answers cross the same paths, flagged or not); a cluster-wide pattern's own pairs.
 */
function directionPairs(pattern: FoundPattern, network: { path: NetworkPath; family?: 'ipv6' }, context: FindingContext, touching: (node: string) => JudgedPair[]): JudgedPair[] {
  const between = (a: string, b: string) => [...(context.cells.get(cellKey({ ...network, source: a, destination: b })) ?? []), ...(context.cells.get(cellKey({ ...network, source: b, destination: a })) ?? [])];
  if (pattern.pattern === 'pair') return between(pattern.ends[0].source, pattern.ends[0].destination);
  return pattern.node ? touching(pattern.node) : pattern.pairs;
}

/** A matrix's UDP pairs by each of their two ends. */
function udpPairsByEnd(pairs: readonly JudgedPair[]): Map<string, JudgedPair[]> {
  const byEnd = new Map<string, JudgedPair[]>();
  for (const pair of pairs) {
    if (pair.report.protocol !== 'udp') continue;
    for (const end of [pair.report.source, pair.report.destination]) {
      const list = byEnd.get(end);
      if (list) list.push(pair);
      else byEnd.set(end, [pair]);
    }
  }
  return byEnd;
}

function directionScope(pattern: FoundPattern): DirectionScope {
  if (pattern.node) return { node: pattern.node };
  return pattern.pattern === 'pair' ? 'pairs' : 'requests-or-answers';
}

/** A row whose lost datagrams travelled towards its node is that node's ingress, a column's that travelled from it its egress. */
function directedPattern(pattern: MatrixPatternName, direction: UdpDirectionEvidence): MatrixPatternName {
  if (pattern === 'bad-source' && direction.direction!.startsWith('towards ')) return 'bad-destination';
  if (pattern === 'bad-destination' && direction.direction!.startsWith('from ')) return 'bad-source';
  return pattern;
}

/**
 * A UDP pair finding names the ends the way the lost datagrams went, never the probing
 * direction against the echoes: the direction they travelled when the sign test says so,
 * "a <-> b" (between the two) when the few counted lean the other way.
 */
function pairSubject(pattern: FoundPattern, direction: UdpDirectionEvidence | null, evidence: readonly PairEvidence[]): { subject: string; sentence: string } | null {
  if (pattern.pattern !== 'pair' || pattern.ends.length > 1 || !direction || evidence.some((e) => e.protocol !== 'udp')) return null;
  const probed = pairName(pattern.ends[0]);
  const { source, destination } = pattern.ends[0];
  const between = { subject: `${source} <-> ${destination}`, sentence: `Probe loss between ${source} and ${destination}, probed from ${source}` };
  if (direction.outcome === 'one-way') {
    if (direction.direction === probed) return null;
    return { ...between, subject: direction.direction! };
  }
  const towardsProbed = direction.lost.find((d) => d.direction === probed)?.count ?? 0;
  return towardsProbed * 2 < direction.counted ? between : null;
}

function subjectOf(pattern: FoundPattern, groups: string[][] | null): string {
  if (pattern.node) return pattern.node;
  if (groups) return groups.map((group) => group.join(', ')).join(' | ');
  if (pattern.pattern === 'pair') return pattern.ends.length > 1 ? `${pattern.ends[0].source} <-> ${pattern.ends[0].destination}` : pairName(pattern.ends[0]);
  return 'cluster';
}

const METRIC_NOUNS: Record<MatrixKind, Record<MatrixMetric, string>> = {
  nodes: { loss: 'Probe loss', 'syn-loss': 'SYN loss (connects succeed, after retransmits)', latency: 'High p99 latency' },
  resolvers: { loss: 'Failed DNS lookups', 'syn-loss': 'SYN loss', latency: 'Slow DNS lookups' },
};

function scopeSentence(pattern: FoundPattern, metric: MatrixMetric, kind: MatrixKind, groups: string[][] | null): string {
  const noun = METRIC_NOUNS[kind][metric];
  const share = `${pattern.ends.length} of ${pattern.measuredEnds}`;
  const pair = pattern.ends[0];
  switch (pattern.pattern) {
    case 'pair': return pattern.ends.length > 1 ? `${noun} between ${pair.source} and ${pair.destination}, both ways` : `${noun} from ${pair.source} to ${pair.destination}`;
    case 'bad-source': return `${noun} from ${pattern.node} to ${share} destinations: a bad row`;
    case 'bad-destination': return `${noun} to ${pattern.node} from ${share} sources: a bad column`;
    case 'bad-node': return `${noun} to and from ${pattern.node} on ${share} of its pairs: a bad row and column`;
    case 'all-but-diagonal': return `${noun} on ${share} node pairs: cluster-wide, not one node`;
    case 'partition': return `${noun} between ${groups!.length} groups of nodes {${subjectOf(pattern, groups).replaceAll(' | ', '} {')}} on ${share} cross-group pairs, none within them`;
  }
}

const NODE_HINTS: Record<MatrixPatternName, string> = {
  pair: 'Only this pair: the path between the two nodes (routes, overlay FDB and neighbour entries for this peer, firewall rules); measure it longer with --pairs SOURCE:DESTINATION --both-ways.',
  'bad-source': "The node's egress: its firewall and SNAT rules, its conntrack table (nf_conntrack_count vs nf_conntrack_max), its uplink.",
  'bad-destination': "The node's ingress: host firewall or NetworkPolicy there, the probe listener, the route back to the sources.",
  'bad-node': 'The node itself (Pingmesh: a red row and column): its CNI agent (flanneld, calico-node, cilium) running, its overlay entries (bridge fdb, ip neigh), NIC errors and kernel log; `kubectl netprobe nodes` checks these.',
  'all-but-diagonal': 'What every pair shares (Pingmesh: red except the diagonal): the overlay between nodes (VXLAN UDP 8472, IP-in-IP, BGP TCP 179) and the firewalls in its way, overlay MTU vs underlay MTU (VXLAN needs 50 bytes), the underlay switches.',
  partition: 'What separates the groups: routes or BGP sessions between them, firewalls between zones or subnets.',
};

const RESOLVER_HINTS: Partial<Record<MatrixPatternName, string>> = {
  pair: "This node's way to the resolver: kube-proxy rules and conntrack on the node, NodeLocal DNSCache there if used.",
  'bad-destination': 'The resolver itself: CoreDNS pods running and ready, the DNS Service endpoints, its capacity (`kubectl netprobe dns`).',
};

const LATENCY_HINT = 'A slow path rather than a broken one: CPU or softirq saturation, a congested queue or link; compare --network pod and host to tell the overlay from the underlay.';

/**
 * With --network both, the same node pairs on the other network tell overlay trouble from
 * underlay trouble: pod network bad while the host network is clean points at the CNI.
 */
function otherNetworkContrast(evidence: readonly PairEvidence[], metric: MatrixMetric, path: NetworkPath, context: FindingContext): string {
  const other: NetworkPath | null = path === 'pod' ? 'host' : path === 'host' ? 'pod' : null;
  if (!other) return '';
  const samePairs = evidence.flatMap((e) => context.cells.get(cellKey({ ...e, path: other })) ?? []).filter((j) => j.measurements[metric]);
  if (samePairs.length === 0) return '';
  if (samePairs.some((j) => j.measurements[metric]!.elevated)) return `The ${other} network between the same nodes shows it too: look below the overlay (the nodes' links, the underlay).`;
  return other === 'host'
    ? 'The host network between the same nodes is clean: the overlay is at fault (CNI agent, VXLAN/IP-in-IP encapsulation, overlay MTU), not the underlay.'
    : `The pod network between the same nodes is clean: the fault is specific to the ${path} network.`;
}

/** A label whose value is the same within each group and differs between groups (e.g. a zone). */
function labelSeparating(groups: readonly string[][], nodes: ReadonlyMap<string, NodeReport>): string | null {
  const keys = Object.keys(nodes.get(groups[0][0])?.labels ?? {}).sort();
  for (const key of keys) {
    const valuesPerGroup = groups.map((group) => new Set(group.map((node) => nodes.get(node)?.labels[key])));
    const values = valuesPerGroup.map((set) => [...set][0]);
    if (valuesPerGroup.every((set) => set.size === 1) && !values.includes(undefined) && new Set(values).size === groups.length) return key;
  }
  return null;
}
