// What the agent itself adds to every latency it reports: at start, TCP connects and UDP echoes
// to a listener of its own on loopback, timed by the very probers the run uses. Loopback costs
// the kernel a few µs, so what remains is the agent's: Node's socket and event-loop path
// (measured on a veth pair: connect(2) and the 'connect' event take ~0.2 ms where the wire's
// SYN → SYN/ACK takes ~0.03 ms). A prober has no listener of its own, so it opens one for this.
import type { AgentResult } from '../shared/agent-result.ts';
import type { LatencyHistogram } from '../shared/histogram.ts';
import { startResponder } from './responder.ts';
import { TcpProber } from './tcp-probe.ts';
import { UdpProber } from './udp-probe.ts';

/** Samples of each; the first WARM_UP are not counted: they time V8 compiling the probers' code, not the steady state. */
export const FLOOR_SAMPLES = 50;
const WARM_UP = 5;
const LOOPBACK = '127.0.0.1';
/** Far longer than any loopback round trip: a probe that takes this long says something is wrong with the agent's host. */
const FLOOR_TIMEOUT_MS = 1000;

export async function measureLatencyFloor(runToken: string, samples = FLOOR_SAMPLES): Promise<NonNullable<AgentResult['latencyFloor']>> {
  const responder = await startResponder(LOOPBACK, 0, 0, runToken);
  const peer = { node: 'self', ip: LOOPBACK, tcpPort: responder.ports.tcp, udpPort: responder.ports.udp, path: 'pod' as const };
  // Probers as the run's, but no payload: only the connect is timed.
  const warmTcp = new TcpProber(peer, runToken, FLOOR_TIMEOUT_MS, 0, []);
  const warmUdp = new UdpProber(peer, runToken, FLOOR_TIMEOUT_MS);
  const tcp = new TcpProber(peer, runToken, FLOOR_TIMEOUT_MS, 0, []);
  const udp = new UdpProber(peer, runToken, FLOOR_TIMEOUT_MS);
  try {
    for (let i = 0; i < WARM_UP; i++) {
      await warmTcp.probe();
      await warmUdp.probe();
    }
    // One at a time: concurrent probes would time each other.
    for (let i = 0; i < samples; i++) {
      await tcp.probe();
      await udp.probe();
    }
  } finally {
    warmUdp.close();
    udp.close();
    await responder.close();
  }
  return { tcpConnect: summary(tcp.series.latency), udpEcho: summary(udp.series.latency) };
}

/** To the µs: the histogram is exact to 1 %, and the digits past that would only say so. */
const toMicroseconds = (ms: number | null) => Math.round((ms ?? 0) * 1000) / 1000;

function summary(h: LatencyHistogram): { p50: number; p90: number; samples: number } {
  return { p50: toMicroseconds(h.quantile(0.5)), p90: toMicroseconds(h.quantile(0.9)), samples: h.count };
}
