// What the truth benchmark (scripts/bench-truth.ts) counts as a detection and as a false flag,
// from one `kubectl netprobe matrix -o json` report and the lab fault that was in place.
//
// Each pair of the report is one of three, by what the lab fault's nftables rule or rate limit
// (test/lab/net/faults.ts) can do to its probes:
// - target: the faulty pair. syn-drop a → b: a → b TCP only (only SYNs without ACK from a to b
//   are dropped). dns-drop a: a's DNS pair. udp-loss, blackhole --percent, slow a → b: a → b and
//   b → a on the protocols the fault hits (udp-loss: UDP; the others: TCP and UDP), since a probe's
//   round trip crosses a → b either way (b's probes to a lose their answers);
// - touched: hit by the fault but not what it is about: the DNS pair of a when a kube-dns pod
//   runs on b, and of b when one runs on a (udp-loss, blackhole, slow; the kube-dns Service
//   sends each query to a random backend). Neither a detection nor a false flag;
// - clean: every other pair. A clean pair whose verdict is 'flagged' is a false flag.
// A trial detects its fault when a target pair's verdict is 'flagged' and no UDP loss finding on
// a target pair names a wrong direction; for udp-loss a finding on a target pair must also name
// the right one (one-way, a → b: 'a -> b', 'from a' or 'towards b'). "Too few to tell" is then a
// miss: the user is not told which way to look. A flag only on a wrong pair is a miss and a
// false flag.
import type { MatrixReport, PairReport, Verdict } from '../src/shared/report.ts';
import type { Protocol } from '../src/shared/plan.ts';

export const FAULT_KINDS = ['syn-drop', 'udp-loss', 'dns-drop', 'blackhole', 'slow'] as const;
export type TruthFaultKind = (typeof FAULT_KINDS)[number];

/** A lab fault as `npm run lab -- fault add` takes it. */
export interface TruthFault {
  kind: TruthFaultKind;
  from: string;
  /** Every kind but dns-drop (which drops a's queries to any node). */
  to?: string;
  /** The share of packets dropped; slow has none (a rate limit: the lab has no netem). */
  percent?: number;
  /** slow: the rate towards `to`, kbit/s. */
  rateKbit?: number;
}

export type PairRole = 'target' | 'touched' | 'clean';

type PairKey = Pick<PairReport, 'source' | 'destination' | 'protocol'>;

const HIT_PROTOCOLS: Record<Exclude<TruthFaultKind, 'dns-drop'>, readonly Protocol[]> = {
  'syn-drop': ['tcp'],
  'udp-loss': ['udp'],
  blackhole: ['tcp', 'udp'],
  slow: ['tcp', 'udp'],
};

/** `dnsNodes`: the nodes running kube-dns pods. */
export function pairRole(pair: PairKey, fault: TruthFault, dnsNodes: ReadonlySet<string>): PairRole {
  const { kind, from: a, to: b } = fault;
  if (kind === 'dns-drop') return pair.protocol === 'dns' && pair.source === a ? 'target' : 'clean';
  const forward = pair.source === a && pair.destination === b;
  const backward = pair.source === b && pair.destination === a;
  if (HIT_PROTOCOLS[kind].includes(pair.protocol) && (forward || (kind !== 'syn-drop' && backward))) return 'target';
  if (kind !== 'syn-drop' && pair.protocol === 'dns' && ((pair.source === a && dnsNodes.has(b!)) || (pair.source === b && dnsNodes.has(a)))) return 'touched';
  return 'clean';
}

/** 'right' / 'wrong': a UDP loss finding on a target pair names one way; 'untold': none does (too few, both ways, none counted, no finding). */
export type DirectionOutcome = 'right' | 'wrong' | 'untold';

export interface TrialScore {
  detected: boolean;
  /** The target pairs taken together: flagged if one is, else inconclusive if one is, else clear (a false clear). */
  target: Verdict;
  /** Kinds with UDP (udp-loss, blackhole, slow); null for the others. */
  direction: DirectionOutcome | null;
  /** Clean pairs flagged, of the clean pairs judged (probed at all), and those left inconclusive. */
  falseFlags: number;
  cleanJudged: number;
  cleanInconclusive: number;
  /** The wrongly flagged pairs, 'a -> b proto', for the trial's line. */
  falseFlagged: string[];
}

function rightDirections({ from: a, to: b }: TruthFault): string[] {
  return [`${a} -> ${b}`, `from ${a}`, `towards ${b}`];
}

function udpDirectionOutcome(report: MatrixReport, fault: TruthFault, dnsNodes: ReadonlySet<string>): DirectionOutcome {
  const findings = report.findings.filter((f) => f.kind === 'loss' && f.protocols.includes('udp')
    && f.evidence.pairs.some((p) => p.protocol === 'udp' && pairRole(p, fault, dnsNodes) === 'target'));
  const named = findings.map((f) => f.evidence.udpDirection).filter((d) => d?.outcome === 'one-way').map((d) => d!.direction!);
  const right = rightDirections(fault);
  if (named.some((d) => !right.includes(d))) return 'wrong';
  return named.length > 0 ? 'right' : 'untold';
}

export function scoreTrial(report: MatrixReport, fault: TruthFault, dnsNodes: ReadonlySet<string>): TrialScore {
  const roles = report.pairs.map((p) => ({ pair: p, role: pairRole(p, fault, dnsNodes) }));
  const targets = roles.filter((r) => r.role === 'target').map((r) => r.pair);
  const clean = roles.filter((r) => r.role === 'clean' && r.pair.attempts > 0).map((r) => r.pair);
  const target: Verdict = targets.some((p) => p.verdict === 'flagged') ? 'flagged'
    : targets.some((p) => p.verdict === 'inconclusive') ? 'inconclusive' : 'clear';
  const direction = fault.kind === 'syn-drop' || fault.kind === 'dns-drop' ? null : udpDirectionOutcome(report, fault, dnsNodes);
  const directionOk = fault.kind === 'udp-loss' ? direction === 'right' : direction !== 'wrong';
  const flagged = clean.filter((p) => p.verdict === 'flagged');
  return {
    detected: target === 'flagged' && directionOk,
    target,
    direction,
    falseFlags: flagged.length,
    cleanJudged: clean.length,
    cleanInconclusive: clean.filter((p) => p.verdict === 'inconclusive').length,
    falseFlagged: flagged.map((p) => `${p.source} -> ${p.destination} ${p.protocol}`),
  };
}
