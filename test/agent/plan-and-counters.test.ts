import { counterDelta, parseProcNetTable, readNetCounters } from '../../src/agent/counters.ts';
import { parseResolvConf } from '../../src/agent/resolv-conf.ts';
import { parsePlan } from '../../src/agent/plan-input.ts';

const NETSTAT = `TcpExt: SyncookiesSent TCPSynRetrans ListenOverflows ListenDrops
TcpExt: 0 17 2 3
IpExt: InNoRoutes
IpExt: 0
`;
const SNMP = `Tcp: RtoAlgorithm RetransSegs AttemptFails
Tcp: 1 40 5
Udp: InDatagrams InErrors RcvbufErrors SndbufErrors
Udp: 100 1 0 9
`;

describe('kernel counters', () => {
  test('are read from the header/value line pairs of /proc/net/netstat and /proc/net/snmp', () => {
    expect(parseProcNetTable(NETSTAT).get('TcpExt')?.get('TCPSynRetrans')).toBe(17);
    const warnings: string[] = [];
    const counters = readNetCounters(warnings, (path) => (path.endsWith('netstat') ? NETSTAT : path.endsWith('snmp') ? SNMP : ''));
    expect(counters).toEqual({
      TCPSynRetrans: 17, ListenDrops: 3, ListenOverflows: 2, RetransSegs: 40, AttemptFails: 5, InErrors: 1, RcvbufErrors: 0, SndbufErrors: 9,
    });
    expect(warnings).toEqual([]);
    expect(counterDelta(counters, { ...counters, TCPSynRetrans: 20 }).TCPSynRetrans).toBe(3);
  });

  test('UDP counters add their IPv6 twins from /proc/net/snmp6, when there is IPv6', () => {
    const snmp6 = 'Udp6InDatagrams                 7\nUdp6InErrors                    2\nUdp6RcvbufErrors                0\nUdp6SndbufErrors                4\n';
    const read = (withIpv6: boolean) => (path: string) => {
      if (path.endsWith('snmp6')) {
        if (!withIpv6) throw new Error('ENOENT');
        return snmp6;
      }
      return path.endsWith('netstat') ? NETSTAT : SNMP;
    };
    const warnings: string[] = [];
    expect(readNetCounters(warnings, read(true))).toMatchObject({ InErrors: 3, RcvbufErrors: 0, SndbufErrors: 13, RetransSegs: 40 });
    expect(readNetCounters(warnings, read(false))).toMatchObject({ InErrors: 1, SndbufErrors: 9 });
    expect(warnings).toEqual([]);
  });

  test('a counter this kernel lacks is reported as a warning, not a crash', () => {
    const warnings: string[] = [];
    const counters = readNetCounters(warnings, (path) => (path.endsWith('netstat') ? 'TcpExt: TCPSynRetrans\nTcpExt: 4\n' : SNMP));
    expect(counters.TCPSynRetrans).toBe(4);
    expect(counters.ListenDrops).toBe(0);
    expect(warnings.join('\n')).toMatch(/ListenDrops unreadable/);
  });

  test('this machine has every counter the agent reports', () => {
    const warnings: string[] = [];
    readNetCounters(warnings);
    expect(warnings).toEqual([]);
  });
});

describe('plan', () => {
  const CONFIRM = { maxMs: 10_000, ratePerSecond: 10, maxProbesPerSecond: 200, maxProbesPerSeries: 300, rule: { threshold: 0.005, flagAt: 400, clearAt: 20 } };
  const valid = { planVersion: 1, runToken: 'r1', node: 'n1', protocols: ['tcp'], durationMs: 1000, ratePerSecond: 2, peers: [{ node: 'n2', ip: '198.18.0.2', tcpPort: 9000, udpPort: 9001 }] };

  test('takes a confirmation plan as given; maxMs 0 judges without extra probes', () => {
    expect(parsePlan(JSON.stringify({ ...valid, confirm: CONFIRM })).confirm).toEqual(CONFIRM);
    expect(parsePlan(JSON.stringify({ ...valid, confirm: { ...CONFIRM, maxMs: 0 } })).confirm?.maxMs).toBe(0);
  });

  test('fills defaults from the field notes', () => {
    const plan = parsePlan(JSON.stringify(valid));
    expect(plan.tcpTimeoutMs).toBe(5500);
    expect(plan.peers[0].path).toBe('pod');
    expect(plan.dns).toBeUndefined();
    expect(parsePlan(JSON.stringify({ ...valid, protocols: ['dns'] })).dns).toMatchObject({ resolverTimeoutMs: 5000, resolverAttempts: 2 });
  });

  test.each([
    ['not json', 'plan is not JSON'],
    [JSON.stringify({ ...valid, planVersion: 9 }), 'plan version 9 is not 1'],
    [JSON.stringify({ ...valid, protocols: ['icmp'] }), 'protocols[0]: "icmp" is not one of tcp, udp, dns'],
    [JSON.stringify({ ...valid, durationMs: -5 }), 'durationMs must be a number > 0, got -5'],
    [JSON.stringify({ ...valid, peers: [{ ...valid.peers[0], tcpPort: 70000 }] }), 'peers[0].tcpPort must be a port 1..65535, got 70000'],
    [JSON.stringify({ ...valid, runToken: 'a b' }), 'runToken must not contain white space'],
    [JSON.stringify({ ...valid, tcpPayloadBytes: 2 ** 21 }), 'tcpPayloadBytes must be a whole number 0..1048576, got 2097152'],
    [JSON.stringify({ ...valid, startAt: 'tomorrow' }), 'startAt must be an ISO 8601 time, got "tomorrow"'],
    [JSON.stringify({ ...valid, confirm: { ...CONFIRM, maxMs: -1 } }), 'confirm.maxMs must be a number >= 0, got -1'],
    [JSON.stringify({ ...valid, confirm: { ...CONFIRM, maxProbesPerSeries: 2.5 } }), 'confirm.maxProbesPerSeries must be a whole number, got 2.5'],
    [JSON.stringify({ ...valid, confirm: { ...CONFIRM, rule: { ...CONFIRM.rule, threshold: 1 } } }), 'confirm.rule.threshold must be a loss ratio below 1, got 1'],
    [JSON.stringify({ ...valid, confirm: { ...CONFIRM, rule: { ...CONFIRM.rule, flagAt: 1 } } }), 'confirm.rule.flagAt must be > 1, got 1'],
    [JSON.stringify({ ...valid, confirm: { ...CONFIRM, rule: undefined } }), 'confirm.rule must be an object'],
  ])('refuses %s with a message that says what is wrong', (text, message) => {
    expect(() => parsePlan(text)).toThrow(message);
  });
});

test('the resolver comes from the first nameserver line of resolv.conf', () => {
  expect(parseResolvConf('search ns.svc.cluster.local\noptions ndots:5\nnameserver 198.18.64.10\nnameserver 198.18.64.11\n')).toEqual({ nameserver: '198.18.64.10', search: ['ns.svc.cluster.local'], ndots: 5 });
  expect(parseResolvConf('# none\n').nameserver).toBeUndefined();
});
