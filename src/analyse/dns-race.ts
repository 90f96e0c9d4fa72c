// DNS answers that arrive only after the resolver's resend (~5 s, ~10 s): glibc and musl
// send A and AAAA together from one socket, and before Linux 5.0 (a third race: 5.6)
// conntrack could drop one of the two (netfilter UDP insert race). Field notes. The race's
// own trace is conntrack's insert_failed (and drop) counter on the client's node, which
// host-network agents read at start and end: it corroborates the timing signature, or not.
import type { ConntrackStats } from '../shared/agent-result.ts';
import { countOf } from '../shared/format.ts';
import type { Finding, NodeEvidence, NodeReport } from '../shared/report.ts';
import { groupBy } from '../shared/group-by.ts';
import { kernelBefore } from './kernel.ts';
import type { FindingContext } from './finding-context.ts';

export function dnsRaceFinding(context: FindingContext): Finding | null {
  const flagged = context.judged.filter((j) => j.report.flags.includes('resolver-marks'));
  if (flagged.length === 0) return null;
  const nodes: NodeEvidence[] = flagged.map(({ report }) => ({
    node: report.source,
    kernelVersion: context.nodes.get(report.source)?.kernelVersion ?? null,
    counts: {
      lookups: report.attempts, answeredAtResolverMarks: report.dnsAnsweredAtResolverMarks.reduce((a, b) => a + b, 0), timeouts: report.dnsTimeouts,
      ...context.nodes.get(report.source)?.conntrack,
    },
  }));
  const kernels = [...groupBy(nodes, (n) => n.kernelVersion ?? 'an unknown kernel')]
    .map(([release, onRelease]) => `${onRelease.map((n) => n.node).join(', ')} ${onRelease.length > 1 ? 'run' : 'runs'} ${release}: ${raceFixesIn(onRelease[0].kernelVersion)}`);
  const evidence = flagged.map((j) => j.evidence!);
  return {
    severity: 'warning',
    kind: 'dns-conntrack-race',
    pattern: 'nodes',
    subject: nodes.map((n) => n.node).join(', '),
    path: flagged[0].report.path,
    protocols: ['dns'],
    message: `DNS lookups from ${countOf(nodes.length, 'node')} were answered only at the resolver's retry marks (~5 s): the signature of the conntrack race `
      + `that drops one of the A/AAAA pair sent from one socket. ${kernels.join('; ')}. ${conntrackCorroboration(nodes.map((n) => context.nodes.get(n.node)))}`,
    hint: RACE_WORKAROUNDS,
    evidence: {
      confidence: {
        logEvidence: Math.min(...evidence.map((e) => e.logEvidence)), againstRatio: context.thresholds.lossRatio,
        control: 'e-bh', errorRate: context.thresholds.falseDiscoveryRate, tests: context.run.tests,
      },
      thresholdRatio: context.thresholds.lossRatio,
      pairs: evidence,
      nodes,
    },
  };
}

const CONNTRACK_COUNTERS: readonly (keyof ConntrackStats)[] = ['insert_failed', 'drop', 'early_drop'];

/** What the client nodes' conntrack counters say: the race increments insert_failed (and drop) where it drops a query. */
function conntrackCorroboration(nodes: readonly (NodeReport | undefined)[]): string {
  const read = nodes.filter((node): node is NodeReport & { conntrack: ConntrackStats } => node?.conntrack !== undefined);
  if (read.length === 0) return 'Conntrack statistics were not read on these nodes (host-network agents read them: --network host or both).';
  const moved = read.filter((node) => CONNTRACK_COUNTERS.some((name) => node.conntrack[name] > 0));
  const unread = nodes.length - read.length;
  const notRead = unread ? ` (not read on ${countOf(unread, 'node')}: no host-network agent there)` : '';
  const deltas = (node: NodeReport & { conntrack: ConntrackStats }) => CONNTRACK_COUNTERS.map((name) => `${name} +${node.conntrack[name]}`).join(', ');
  if (moved.length === 0) {
    return `Conntrack's insert_failed, drop and early_drop did not move on ${read.map((node) => node.name).join(', ')} over the run${notRead}: `
      + 'a race drop would count there, so look also for what else drops one query of the pair (DNAT rules, resolver load).';
  }
  const still = read.filter((node) => !moved.includes(node));
  const stillText = still.length ? `; not on ${still.map((node) => node.name).join(', ')}` : '';
  return `Conntrack corroborates it: ${moved.map((node) => `${node.name} ${deltas(node)}`).join('; ')} over the run${stillText}${notRead}.`;
}

const RACE_WORKAROUNDS = "Workarounds: `options single-request-reopen` in the pods' dnsConfig (glibc only; musl ignores it), `options use-vc` (DNS over TCP), "
  + 'or NodeLocal DNSCache (no DNAT, no conntrack on the way); for good, a kernel with the fixes (5.0, and 5.6 for the third race).';

/**
 * For DNS timeout findings: a race drop on every resend is a timeout, so on kernels
 * without the fixes the race is a suspect too. '' when every source kernel has them.
 */
export function raceSuspicion(sources: readonly string[], context: FindingContext): string {
  const unfixed = sources.filter((node) => kernelBefore(context.nodes.get(node)?.kernelVersion ?? null, 5, 6) === true);
  if (unfixed.length === 0) return '';
  const kernels = unfixed.map((node) => `${node}: ${context.nodes.get(node)!.kernelVersion}`).join(', ');
  return `On kernels before 5.6 (${kernels}) the conntrack A/AAAA race can also end in timeouts. ${RACE_WORKAROUNDS}`;
}

function raceFixesIn(release: string | null): string {
  if (kernelBefore(release, 5, 0)) return 'older than 5.0, without the conntrack race fixes';
  if (kernelBefore(release, 5, 6)) return 'older than 5.6, without the fix for the third race';
  if (kernelBefore(release, 5, 6) === false) return 'has the kernel fixes (5.0, 5.6), so look for what else drops one query of the pair (DNAT rules, resolver load)';
  return 'the kernel version is unknown';
}
