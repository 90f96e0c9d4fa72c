// Confirmation probing on a real network: agent a probes b and c through a bridge whose
// nftables drop 30 % of a's UDP to b and 30 % of a's SYNs to c. The main window (2 probes a
// series) decides nothing; the confirmation must flag the two faulty series, leave the clean
// ones clear or inconclusive, keep the main window's counts as they were, and keep to its budget.
import type { AgentResult, ProbeSeries } from '../../src/shared/agent-result.ts';
import type { AgentPlan, ConfirmPlan } from '../../src/shared/plan.ts';
import { judge } from '../../src/shared/sequential-test.ts';
import { runAgent, seriesOf } from '../support/agent-process.ts';
import { describeAsRoot, TestNet } from '../support/netns.ts';

const HOSTS = { a: '198.18.201.1', b: '198.18.201.2', c: '198.18.201.3' } as const;
const TCP_PORT = 9200;
const UDP_PORT = 9201;
const DURATION_MS = 2000;
const TCP_TIMEOUT_MS = 5500;
// At a 5 % threshold 2 probes decide nothing (2 of 2 lost is not yet flagged), 85 lossless ones clear.
const CONFIRM: ConfirmPlan = {
  maxMs: 12_000, ratePerSecond: 20, maxProbesPerSecond: 40, maxProbesPerSeries: 100,
  rule: { threshold: 0.05, flagAt: 40, clearAt: 20 },
};

describeAsRoot('confirmation probing on a real network with injected faults', () => {
  const net = new TestNet();
  let result: AgentResult;
  let startAt: number;

  beforeAll(async () => {
    const sw = net.namespace('sw');
    net.bridge(sw);
    const ns = Object.fromEntries(Object.entries(HOSTS).map(([host, ip]) => {
      const name = net.namespace(host);
      net.plug(name, `${ip}/24`, sw);
      return [host, name];
    })) as Record<keyof typeof HOSTS, string>;
    net.nft(sw, `table bridge nptest_confirm {
      chain forward {
        type filter hook forward priority 0;
        ip saddr ${HOSTS.a} ip daddr ${HOSTS.b} udp dport ${UDP_PORT} numgen random mod 100 < 30 drop
        ip saddr ${HOSTS.a} ip daddr ${HOSTS.c} tcp flags & (syn | ack) == syn numgen random mod 100 < 30 drop
      }
    }
`);
    const common = { planVersion: 1 as const, runToken: 'confirmtest', ratePerSecond: 1, tcpTimeoutMs: TCP_TIMEOUT_MS, udpTimeoutMs: 1000, tcpPayloadBytes: 1024 };
    startAt = Date.now() + 1500;
    const responders = (['b', 'c'] as const).map((host) => runAgent({
      ...common, node: host, listen: { tcpPort: TCP_PORT, udpPort: UDP_PORT }, protocols: ['tcp', 'udp'], durationMs: 1000, peers: [],
      serveMs: 1500 + DURATION_MS + CONFIRM.maxMs + TCP_TIMEOUT_MS + 2000,
    }, { net, ns: ns[host] }));
    const plan: AgentPlan = {
      ...common, node: 'a', startAt: new Date(startAt).toISOString(), protocols: ['tcp', 'udp'], durationMs: DURATION_MS, windowMs: 1000,
      peers: (['b', 'c'] as const).map((h) => ({ node: h, ip: HOSTS[h], tcpPort: TCP_PORT, udpPort: UDP_PORT, path: 'pod' as const })),
      confirm: CONFIRM,
    };
    const exit = await runAgent(plan, { net, ns: ns.a });
    if (exit.code !== 0 || !exit.result) throw new Error(`agent a exited ${exit.code}: ${exit.stderr}`);
    result = exit.result;
    await Promise.all(responders);
  }, 60_000);

  afterAll(() => net.dispose());

  const rule = CONFIRM.rule;
  /** Main window and confirmation together, as the analysis counts them. */
  const total = (s: ProbeSeries) => ({
    attempts: s.attempts + (s.confirmation?.attempts ?? 0),
    failures: s.attempts - s.successes + (s.confirmation ? s.confirmation.attempts - s.confirmation.successes : 0),
    synRetransmits: (s.tcp?.synRetransmits ?? 0) + (s.confirmation?.tcp?.synRetransmits ?? 0),
  });

  test('the lossy UDP series and the SYN-dropping TCP series are confirmed and decided flagged, once decided no longer probed', () => {
    const udp = seriesOf(result, 'udp', 'b');
    const tcp = seriesOf(result, 'tcp', 'c');
    for (const s of [udp, tcp]) {
      expect(s.confirmation!.attempts).toBeGreaterThan(0);
      expect(s.confirmation!.attempts).toBeLessThan(CONFIRM.maxProbesPerSeries);
      expect(s.decidedAfterMs).toBeGreaterThan(DURATION_MS);
      expect(s.decidedAfterMs).toBeLessThanOrEqual(DURATION_MS + CONFIRM.maxMs + TCP_TIMEOUT_MS);
    }
    expect(judge(total(udp).failures, total(udp).attempts, rule).verdict).toBe('flagged');
    const syn = total(tcp);
    expect(judge(syn.synRetransmits, syn.attempts + syn.synRetransmits, rule).verdict).toBe('flagged');
    // The SYN drop made connects slow, not failed: the confirmation's own latency shows the 1 s retransmits.
    expect(tcp.confirmation!.latency.max).toBeGreaterThan(1000);
  });

  test('clean series get confirmation probes and end clear or inconclusive, never flagged', () => {
    for (const s of [seriesOf(result, 'tcp', 'b'), seriesOf(result, 'udp', 'c')]) {
      const { attempts, failures, synRetransmits } = total(s);
      expect(s.confirmation!.attempts).toBeGreaterThan(0);
      expect([failures, synRetransmits]).toEqual([0, 0]);
      const verdict = judge(0, attempts, rule).verdict;
      expect(verdict).not.toBe('flagged');
      // Cleared exactly when the rule says so, or still undecided when the budget ran out.
      if (verdict === 'clear') expect(s.decidedAfterMs).toBeGreaterThan(DURATION_MS);
      else expect(s.decidedAfterMs).toBeNull();
    }
  });

  test('confirmation never touches the main window: its counts, windows and latencies are those of 2 s at 1/s', () => {
    for (const s of result.series) {
      expect(s.attempts).toBeGreaterThanOrEqual(1);
      expect(s.attempts).toBeLessThanOrEqual(3);
      expect(s.windows!.attempts.reduce((a, b) => a + b, 0)).toBe(s.attempts);
      expect(s.windows!.attempts.length).toBeLessThanOrEqual(DURATION_MS / 1000);
      expect(s.latency.count).toBe(s.successes);
      expect(s.confirmation!.attempts).toBeGreaterThan(s.attempts);
      expect(s.confirmation!.latency.count).toBe(s.confirmation!.successes);
    }
  });

  test('the budget holds: all series within maxProbesPerSecond, each within its rate, its cap and maxMs', () => {
    const confirmations = result.series.map((s) => s.confirmation!);
    const all = confirmations.reduce((n, c) => n + c.attempts, 0);
    const longest = Math.max(...confirmations.map((c) => c.durationMs));
    expect(longest).toBeLessThanOrEqual(CONFIRM.maxMs + TCP_TIMEOUT_MS);
    // Four series at 20/s would be 80/s: the agent's 40/s binds.
    expect(all).toBeLessThanOrEqual((CONFIRM.maxProbesPerSecond * Math.min(CONFIRM.maxMs, longest)) / 1000 + 1);
    for (const c of confirmations) {
      expect(c.attempts).toBeLessThanOrEqual(CONFIRM.maxProbesPerSeries);
      expect(c.attempts).toBeLessThanOrEqual((CONFIRM.ratePerSecond * c.durationMs) / 1000 + 1);
    }
    const wallMs = Date.parse(result.endedAt) - startAt;
    expect(wallMs).toBeLessThanOrEqual(DURATION_MS + CONFIRM.maxMs + TCP_TIMEOUT_MS + 1000);
  });
});
