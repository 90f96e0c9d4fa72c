// Three agents in their own network namespaces on one bridge, a real dnsmasq as
// the resolver, and faults from nftables `numgen random`, the way a lossy network
// would drop packets. Each fault must be seen on its pair, within statistical
// tolerance, and the clean pairs must stay clean.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import type { AgentPlan, PeerTarget } from '../../src/shared/plan.ts';
import { runAgent, seriesOf } from '../support/agent-process.ts';
import { describeAsRoot, TestNet } from '../support/netns.ts';

const HOSTS = { a: '198.18.200.1', b: '198.18.200.2', c: '198.18.200.3' } as const;
const DNS_SERVER = '198.18.200.53';
const TCP_PORT = 9100;
const UDP_PORT = 9101;
const RATE = 5;
const DURATION_MS = 20_000;
const SYN_DROP = 30;
const UDP_LOSS = 20;
const DNS_DROP = 30;

type Host = keyof typeof HOSTS;

describeAsRoot('agent on a real network with injected faults', () => {
  const net = new TestNet();
  const tmp = mkdtempSync(join(tmpdir(), 'netprobe-agent-'));
  const results = {} as Record<Host, AgentResult>;
  const stderrs: string[] = [];

  beforeAll(async () => {
    const sw = net.namespace('sw');
    net.bridge(sw);
    const ns = {} as Record<Host | 'dns', string>;
    for (const host of [...(Object.keys(HOSTS) as Host[]), 'dns' as const]) {
      ns[host] = net.namespace(host);
      net.plug(ns[host], `${host === 'dns' ? DNS_SERVER : HOSTS[host]}/24`, sw);
    }
    writeFileSync(join(tmp, 'hosts'), `198.18.200.10 kubernetes.default.svc.cluster.local\n`);
    // Answers only cluster.local from the hosts file; never forwards anywhere.
    net.spawn(ns.dns, 'dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', `--addn-hosts=${join(tmp, 'hosts')}`,
      '--local=/cluster.local/', `--listen-address=${DNS_SERVER}`, '--bind-interfaces', '--pid-file=', '--user=root', '--cache-size=0']);

        // Faults live in the switch, as on a real network: dropping on the sender's own
    // output hook would hand the application EPERM instead of a silent loss.
    net.nft(sw, `table bridge nptest_fault {
      chain forward {
        type filter hook forward priority 0;
        ip saddr ${HOSTS.a} ip daddr ${HOSTS.b} tcp flags & (syn | ack) == syn numgen random mod 100 < ${SYN_DROP} drop
        ip saddr ${HOSTS.a} ip daddr ${HOSTS.c} udp dport ${UDP_PORT} numgen random mod 100 < ${UDP_LOSS} drop
        ip saddr ${HOSTS.a} ip daddr ${HOSTS.c} udp sport ${UDP_PORT} numgen random mod 100 < ${UDP_LOSS} drop
        ip saddr ${HOSTS.b} ip daddr ${HOSTS.c} drop
        ip saddr ${HOSTS.c} ip daddr ${DNS_SERVER} udp dport 53 numgen random mod 100 < ${DNS_DROP} drop
      }
    }
`);

    const runToken = 'faulttest';
    // Every responder listens before anyone probes.
    const startAt = new Date(Date.now() + 1500).toISOString();
    const exits = await Promise.all((Object.keys(HOSTS) as Host[]).map((host) => {
      const peers: PeerTarget[] = (Object.keys(HOSTS) as Host[]).filter((h) => h !== host)
        .map((h) => ({ node: h, ip: HOSTS[h], tcpPort: TCP_PORT, udpPort: UDP_PORT, path: 'pod' }));
      const plan: AgentPlan = {
        planVersion: 1, runToken, startAt, node: host, listen: { tcpPort: TCP_PORT, udpPort: UDP_PORT },
        protocols: ['tcp', 'udp', 'dns'], durationMs: DURATION_MS, ratePerSecond: RATE, tcpTimeoutMs: 5500, udpTimeoutMs: 1000, tcpPayloadBytes: 16384, peers,
        dns: { server: DNS_SERVER, names: ['kubernetes.default.svc.cluster.local'], queryTimeoutMs: 2000, resolverTimeoutMs: 5000, resolverAttempts: 2 },
      };
      return runAgent(plan, { net, ns: ns[host] }).then((exit) => ({ host, exit }));
    }));
    for (const { host, exit } of exits) {
      stderrs.push(exit.stderr);
      if (exit.code !== 0 || !exit.result) throw new Error(`agent ${host} exited ${exit.code}: ${exit.stderr}`);
      results[host] = exit.result;
    }
  }, 90_000);

  afterAll(() => {
    net.dispose();
    rmSync(tmp, { recursive: true, force: true });
  });

  /** Share of SYNs lost: each retransmit stands for one lost SYN (Pingmesh's inference). */
  const synLoss = (from: Host, to: Host) => {
    const s = seriesOf(results[from], 'tcp', to);
    return s.tcp!.synRetransmits / (s.attempts + s.tcp!.synRetransmits);
  };
  const lossOf = (from: Host, protocol: string, to: string, variant?: string) => {
    const s = seriesOf(results[from], protocol, to, variant);
    return 1 - s.successes / s.attempts;
  };

  test('every series ran at about the planned rate', () => {
    for (const host of ['a', 'c'] as const) {
      const s = seriesOf(results[host], 'udp', host === 'a' ? 'b' : 'a');
      expect(s.attempts).toBeGreaterThanOrEqual(RATE * DURATION_MS / 1000 * 0.85);
      expect(s.attempts).toBeLessThanOrEqual(RATE * DURATION_MS / 1000 * 1.15);
    }
  });

  test('dropped SYNs show as retransmits on the faulty pair, and inference equals the kernel counter', () => {
    // ~140 SYNs at p = 0.3: a standard deviation of ~0.04, so ±0.15 fails < 1 in 10^3.
    expect(synLoss('a', 'b')).toBeGreaterThan(SYN_DROP / 100 - 0.15);
    expect(synLoss('a', 'b')).toBeLessThan(SYN_DROP / 100 + 0.15);
    // Lost SYNs are retried, so connects still succeed (slowly): a SYN drop is not connect failure.
    // A probe fails only when 5 or 6 SYNs in a row are lost (p ≈ 0.3⁵ + 0.3⁶ ≈ 0.003: the 5.5 s
    // timeout leaves too little for the request after the fifth); 5 of 100 has p ≈ 1e-5.
    expect(lossOf('a', 'tcp', 'b')).toBeLessThan(0.05);
    expect(seriesOf(results.a, 'tcp', 'b').latency.max).toBeGreaterThan(1000);
    // Host a sends no other SYN that could be lost, and none of its SYN/ACKs are dropped.
    const inferred = results.a.series.filter((s) => s.protocol === 'tcp').reduce((n, s) => n + s.tcp!.synRetransmits, 0);
    expect(inferred).toBeGreaterThan(0);
    expect(results.a.counters.delta.TCPSynRetrans).toBe(inferred);
  });

  test('UDP loss on a → c is measured within tolerance, for a\'s probes and for the answers to c\'s', () => {
    // ~100 probes at p = 0.2: a standard deviation of 0.04, so ±0.15 fails about 1 in 10^4.
    expect(lossOf('a', 'udp', 'c')).toBeGreaterThan(UDP_LOSS / 100 - 0.15);
    expect(lossOf('a', 'udp', 'c')).toBeLessThan(UDP_LOSS / 100 + 0.15);
    expect(lossOf('c', 'udp', 'a')).toBeGreaterThan(UDP_LOSS / 100 - 0.15);
    expect(lossOf('c', 'udp', 'a')).toBeLessThan(UDP_LOSS / 100 + 0.15);
  });

  test('the echo\'s receive count tells which way UDP was lost', () => {
    // a's probes to c lose their requests; c's probes to a lose a's answers. Probes after the
    // last echo are outside the count (basis), hence "at most".
    const out = seriesOf(results.a, 'udp', 'c');
    expect(out.udp!.direction!.requestsLost).toBeGreaterThan(0);
    expect(out.udp!.direction!.requestsLost).toBeLessThanOrEqual(out.attempts - out.successes);
    expect(out.udp!.direction!.repliesLost).toBe(0);
    const back = seriesOf(results.c, 'udp', 'a');
    expect(back.udp!.direction!.requestsLost).toBe(0);
    expect(back.udp!.direction!.repliesLost).toBeGreaterThan(0);
    expect(back.udp!.direction!.repliesLost).toBeLessThanOrEqual(back.attempts - back.successes);
    // A total blackhole leaves no echo to count from: direction unknown.
    expect(seriesOf(results.c, 'udp', 'b').udp!.direction).toBeUndefined();
  });

  test('a blackhole fails every probe from b to c, by timeout', () => {
    expect(seriesOf(results.b, 'tcp', 'c').outcomes).toEqual({ timeout: seriesOf(results.b, 'tcp', 'c').attempts });
    expect(lossOf('b', 'udp', 'c')).toBe(1);
    // b's answers to c are dropped too, so c → b round trips fail as well, as on a real network.
    expect(lossOf('c', 'udp', 'b')).toBe(1);
    expect(seriesOf(results.c, 'tcp', 'b').successes).toBe(0);
  });

  test('DNS drops: single queries time out at the drop rate; A+AAAA lookups land on the 5 s resolver mark', () => {
    const dns = `dns:${DNS_SERVER}`;
    // ~100 lookups at p = 0.3: a standard deviation of 0.046; ±0.18 is ~4 of them.
    expect(lossOf('c', 'dns', dns, 'single')).toBeGreaterThan(DNS_DROP / 100 - 0.18);
    expect(lossOf('c', 'dns', dns, 'single')).toBeLessThan(DNS_DROP / 100 + 0.18);
    const pair = seriesOf(results.c, 'dns', dns, 'a+aaaa');
    // At the 5 s mark: one of the pair lost and its resend answered (2·0.3·0.7·0.7 = 0.294), or
    // both lost and both resends answered (0.09·0.49 = 0.044): p ≈ 0.34, sd ≈ 0.047 over ~100.
    const atFiveSeconds = pair.dns!.answeredAtResolverMarks[0];
    expect(atFiveSeconds / pair.attempts).toBeGreaterThan(0.15);
    expect(pair.latency.max).toBeGreaterThanOrEqual(5000);
    expect(pair.dns!.rcodes.NOERROR).toBeGreaterThan(0);
  });

  test('clean pairs stay clean', () => {
    for (const [from, to] of [['a', 'c'], ['b', 'a'], ['c', 'a']] as const) {
      expect(synLoss(from, to)).toBe(0);
      expect(lossOf(from, 'tcp', to)).toBe(0);
    }
    expect(lossOf('b', 'udp', 'a')).toBe(0);
    for (const host of ['a', 'b'] as const) {
      const dns = `dns:${DNS_SERVER}`;
      expect(lossOf(host, 'dns', dns, 'single')).toBe(0);
      expect(seriesOf(results[host], 'dns', dns, 'a+aaaa').dns!.answeredAtResolverMarks).toEqual([0]);
      expect(seriesOf(results[host], 'dns', dns, 'a+aaaa').latency.max).toBeLessThan(1000);
    }
  });
});
