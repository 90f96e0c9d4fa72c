// The agent's dns-load mode against a real dnsmasq on loopback: it ramps, counts every
// query in its step, expands names through the search list, and stops on its own.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { startDnsLoad } from '../../src/agent/dns-load.ts';
import { parseDnsLoadResult } from '../../src/collect/parse-dns-load-result.ts';
import type { DnsLoadPlan, DnsLoadResult } from '../../src/shared/dns-load.ts';
import { describeRequiring } from '../support/requires.ts';

const PORT = 29253;
const SEARCH = ['default.svc.cluster.local', 'svc.cluster.local', 'cluster.local'];
const hasDnsmasq = spawnSync('dnsmasq', ['--version']).status === 0;

function startDnsmasq(extra: string[] = []): Promise<ChildProcess> {
  const child = spawn('dnsmasq', ['--keep-in-foreground', '--no-resolv', '--no-hosts', '--listen-address=127.0.0.1', '--bind-interfaces',
    `--port=${PORT}`, '--pid-file=', '--address=/kubernetes.default.svc.cluster.local/198.18.64.1', '--local=/cluster.local/', ...extra], { stdio: 'ignore' });
  // dnsmasq binds before it forks nothing (--keep-in-foreground): give it a moment to listen.
  return new Promise((resolve) => setTimeout(() => resolve(child), 300));
}

const plan = (overrides: Partial<DnsLoadPlan>): DnsLoadPlan => ({
  mode: 'dns-load', planVersion: 1, runToken: 't', node: 'loopback', server: '127.0.0.1', port: PORT,
  names: ['kubernetes.default'], stepQps: [50, 100, 200], stepMs: 500,
  resolverTimeoutMs: 300, resolverAttempts: 2, maxOutstanding: 64, stopLossRatio: 0.05, ...overrides,
});

async function run(p: DnsLoadPlan): Promise<DnsLoadResult> {
  const load = await startDnsLoad(p, () => {}, () => ({ nameserver: '127.0.0.1', search: SEARCH, ndots: 5 }));
  return load.result;
}

describeRequiring({ met: hasDnsmasq, needs: 'dnsmasq (Debian package dnsmasq-base)', ciHasIt: '.ci/run installs it' }, 'dns-load mode against dnsmasq on loopback', () => {
  let dnsmasq: ChildProcess | undefined;
  afterEach(async () => {
    if (dnsmasq && dnsmasq.exitCode === null) {
      const exited = new Promise((resolve) => dnsmasq!.once('exit', resolve));
      dnsmasq.kill('SIGKILL');
      await exited;
    }
    dnsmasq = undefined;
  });

  test('every step offers its rate, all is answered, names expand through the search list', async () => {
    dnsmasq = await startDnsmasq();
    const result = await run(plan({ names: ['kubernetes.default', 'example.com'] }));
    expect(result.lookups).toEqual([
      { name: 'kubernetes.default', tried: ['kubernetes.default.default.svc.cluster.local', 'kubernetes.default.svc.cluster.local'], queriesPerLookup: 4, rcode: 'NOERROR' },
      expect.objectContaining({ name: 'example.com', queriesPerLookup: 8 }),
    ]);
    expect(result.stoppedEarly).toBeNull();
    expect(result.steps.map((s) => s.planned)).toEqual([25, 50, 100]);
    for (const step of result.steps) {
      expect(step.answered).toBe(step.planned);
      expect(step.timeouts + step.unsent + step.abandoned).toBe(0);
      expect(step.latency.count).toBe(step.answered);
    }
    // Cluster names: NXDOMAIN for the first search domain, NOERROR for the second; example.com is never answered with records.
    const rcodes = result.steps.reduce<Record<string, number>>((all, s) => {
      for (const [k, n] of Object.entries(s.rcodes)) all[k] = (all[k] ?? 0) + n;
      return all;
    }, {});
    expect(rcodes.NXDOMAIN).toBeGreaterThan(rcodes.NOERROR);

    // The CLI reads it back from the pod's log, progress lines and all, and refuses a document whose counts do not add up.
    const log = `netprobe-agent[loopback]: ramping\n${JSON.stringify(result)}\n`;
    expect(parseDnsLoadResult(log, 'pod l-0 on loopback', { node: 'loopback', runToken: 't' })).toEqual(result);
    const broken = { ...result, steps: [{ ...result.steps[0], answered: result.steps[0].answered + 1 }] };
    expect(() => parseDnsLoadResult(JSON.stringify(broken), 'pod l-0 on loopback', {})).toThrow(/^pod l-0 on loopback: bad dns-load document: steps\[0\]: .* do not add up/);
    expect(() => parseDnsLoadResult(JSON.stringify(result), 'pod l-0', { runToken: 'other' })).toThrow(/another run/);
  }, 20_000);

  test('a silent server: timeouts, the outstanding bound holds, and the ramp stops by itself', async () => {
    // A UDP socket that never answers stands for a DNS that drops everything.
    const { createSocket } = await import('node:dgram');
    const silent = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      silent.once('error', reject);
      silent.bind(PORT + 1, '127.0.0.1', resolve);
    });
    try {
      const result = await run(plan({ port: PORT + 1, stepQps: [100, 200, 300, 400, 500, 600] }));
      // Unanswered, every search candidate is tried: the load replays them all.
      expect(result.lookups).toEqual([expect.objectContaining({ tried: expect.any(Array), queriesPerLookup: 8, rcode: 'timeout' })]);
      expect(result.stoppedEarly).toMatch(/step 1 lost 100\.0 % of this loader's 100 queries\/s/);
      // Step 1 is judged when step 2 ends: two of the six steps ran.
      expect(result.steps).toHaveLength(2);
      for (const step of result.steps) {
        expect(step.answered).toBe(0);
        expect(step.sent).toBeLessThanOrEqual(64);
        expect(step.timeouts).toBe(step.sent);
        expect(step.unsent).toBe(step.planned - step.sent);
      }
    } finally {
      silent.close();
    }
  }, 20_000);
});
