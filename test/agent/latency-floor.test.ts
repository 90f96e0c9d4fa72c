// How far the agent's connect times are from the wire's, on a veth pair (issue 9 §8): tshark
// captures each connect's SYN and SYN/ACK on the prober's own interface (capture filter on the
// probe port), the agent times the same 200 connects, and its latency floor (connects to a
// listener of its own at start) must account for the difference.
import { spawnSync } from 'node:child_process';
import type { AgentResult } from '../../src/shared/agent-result.ts';
import { LatencyHistogram } from '../../src/shared/histogram.ts';
import { runAgent, seriesOf } from '../support/agent-process.ts';
import { IS_ROOT, TestNet } from '../support/netns.ts';
import { describeRequiring } from '../support/requires.ts';

const HAS_TSHARK = spawnSync('tshark', ['--version']).status === 0;
const A = '198.18.203.1';
const B = '198.18.203.2';
const PORT = 9400;
const CONNECTS = 200;
const RATE = 20;

describeRequiring({ met: IS_ROOT && HAS_TSHARK, needs: 'root and tshark (Debian package tshark)', ciHasIt: 'CI runs as root and npm run setup installs tshark' },
  'the agent\'s connect times against the wire\'s', () => {
    const net = new TestNet();
    let result: AgentResult;
    const wire: number[] = [];

    beforeAll(async () => {
      const a = net.namespace('a');
      const b = net.namespace('b');
      net.link(a, `${A}/24`, b, `${B}/24`);
      // SYNs and SYN/ACKs of the probe port only, on the prober's own interface.
      const tshark = net.spawn(a, 'tshark', ['-l', '-n', '-i', 'eth0', '-f', `tcp port ${PORT} and tcp[tcpflags] & tcp-syn != 0`,
        '-T', 'fields', '-e', 'frame.time_epoch', '-e', 'tcp.srcport', '-e', 'tcp.dstport', '-e', 'tcp.flags.ack']);
      let captured = '';
      tshark.stdout!.on('data', (d) => (captured += d));
      await new Promise<void>((resolve, reject) => {
        tshark.stderr!.on('data', (d) => String(d).includes('Capturing on') && resolve());
        tshark.on('exit', (code) => reject(new Error(`tshark exited ${code} before capturing`)));
      });
      const common = { planVersion: 1 as const, runToken: 'floortest', protocols: ['tcp' as const], tcpTimeoutMs: 2000, udpTimeoutMs: 1000, tcpPayloadBytes: 1024 };
      const durationMs = (CONNECTS / RATE) * 1000;
      const responder = runAgent({ ...common, node: 'b', listen: { host: B, tcpPort: PORT, udpPort: PORT + 1 }, durationMs: 1000, ratePerSecond: 1, peers: [], serveMs: durationMs + 5000 }, { net, ns: b });
      const exit = await runAgent({
        ...common, node: 'a', startAt: new Date(Date.now() + 1000).toISOString(), durationMs, ratePerSecond: RATE,
        peers: [{ node: 'b', ip: B, tcpPort: PORT, udpPort: PORT + 1, path: 'pod' }],
      }, { net, ns: a });
      if (exit.code !== 0 || !exit.result) throw new Error(`agent a exited ${exit.code}: ${exit.stderr}`);
      result = exit.result;
      await responder;
      tshark.kill('SIGINT');
      await new Promise((resolve) => tshark.on('close', resolve));
      // Per connection (the prober's port): its SYN's time, then its SYN/ACK's.
      const synAt = new Map<string, number>();
      for (const line of captured.trim().split('\n')) {
        const [epoch, source, destination, ack] = line.split('\t');
        if (ack === '0' || ack === 'False') synAt.set(source, Number(epoch) * 1000);
        else if (synAt.has(destination)) wire.push(Number(epoch) * 1000 - synAt.get(destination)!);
      }
    }, 60_000);

    afterAll(() => net.dispose());

    const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];

    test('the capture holds each connect\'s SYN and SYN/ACK', () => {
      const tcp = seriesOf(result, 'tcp', 'b');
      expect(tcp.successes).toBe(tcp.attempts);
      expect(wire.length).toBeGreaterThanOrEqual(tcp.attempts);
      expect(median(wire)).toBeLessThan(0.2);
    });

    test('the agent\'s connect p50 is within 0.35 ms of the wire\'s SYN → SYN/ACK p50 (it was 0.36-0.49 above before)', () => {
      const agentP50 = LatencyHistogram.fromJSON(seriesOf(result, 'tcp', 'b').latency).quantile(0.5)!;
      expect(agentP50).toBeGreaterThan(median(wire));
      // Measured on this 2-core machine under the other tests' load: 0.15-0.31 ms above the wire; 0.36-0.49
      // before the clock moved to connect(2). The goal of 0.1 ms is past any client on a veth pair:
      // a C client's socket + connect + epoll_wait came to 0.09 ms above the wire here, veth running both
      // ends' handshake inside connect(2).
      expect(agentP50 - median(wire)).toBeLessThan(0.35);
    });

    test('the agent\'s own latency floor accounts for the difference to within 0.2 ms', () => {
      const agentP50 = LatencyHistogram.fromJSON(seriesOf(result, 'tcp', 'b').latency).quantile(0.5)!;
      const floor = result.latencyFloor!;
      expect(floor.tcpConnect.samples).toBe(50);
      expect(floor.udpEcho!.samples).toBe(50);
      expect(floor.tcpConnect.p90).toBeGreaterThanOrEqual(floor.tcpConnect.p50);
      // Floor minus difference, 11 runs on this 2-core machine (7 quiet, 4 with a core busy):
      // -0.17 to +0.03 ms, median -0.10; 3 of the 11 past 0.15 (CI: 0.169). The floor's
      // connects come back to back, the run's 50 ms apart: loopback connects here took
      // 0.16-0.24 ms back to back, 0.36-0.43 paced (an idle CPU wakes slower), and 0.25-0.29
      // paced to a listener in another process, the floor's listener sharing the agent's event
      // loop. Pacing the floor alone put it +0.04 to +0.24 ms off (12 runs, 5-50 ms apart):
      // no closer. A floor of 0 would be 0.19-0.33 off. 0.27 off before the clock moved to connect(2).
      expect(Math.abs(floor.tcpConnect.p50 - (agentP50 - median(wire)))).toBeLessThan(0.2);
    });
  });
