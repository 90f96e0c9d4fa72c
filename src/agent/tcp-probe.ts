// TCP: a fresh connection per probe, as an application's connect() would make.
// Connect time = handshake time; a lost SYN shows as a connect that took one more
// retransmission timeout, so retransmits are read off the duration (syn-schedule.ts).
import { connect } from 'node:net';
import { TRANSFER_TIMEOUT, type TcpDetail } from '../shared/agent-result.ts';
import { LatencyHistogram } from '../shared/histogram.ts';
import type { PeerTarget } from '../shared/plan.ts';
import type { LossEvidence } from './confirmation.ts';
import { outcomeOfError } from './errno.ts';
import { TCP_ANSWER, tcpRequestHeader } from './responder.ts';
import { elapsedMs, SeriesRecorder, type WindowClock } from './series.ts';
import { inferSynRetransmits } from './syn-schedule.ts';

export class TcpProber {
  readonly series: SeriesRecorder;
  private synRetransmits = 0;
  private readonly requestLatency = new LatencyHistogram();
  private readonly peer: PeerTarget;
  private readonly request: Buffer;
  private readonly timeoutMs: number;
  private readonly synMarks: readonly number[];

  constructor(peer: PeerTarget, runToken: string, timeoutMs: number, payloadBytes: number, synMarks: readonly number[], clock?: WindowClock) {
    this.peer = peer;
    // One buffer for every probe: the payload's content does not matter, its size does.
    this.request = Buffer.concat([Buffer.from(tcpRequestHeader(runToken, payloadBytes)), Buffer.alloc(payloadBytes, 0x2e)]);
    this.timeoutMs = timeoutMs;
    this.synMarks = synMarks;
    this.series = new SeriesRecorder('tcp', peer.node, peer.path, peer.ip, peer.tcpPort, clock);
  }

  probe(firedAt?: number): Promise<void> {
    return new Promise((resolve) => {
      // No noDelay here: Node would set it (a setsockopt) before emitting 'connect', inside the timed span.
      const socket = connect({ host: this.peer.ip, port: this.peer.tcpPort });
      let connectMs: number | undefined;
      let settled = false;
      let requestSentAt = 0;
      let answer = '';
      const finish = (outcome: string, latencyMs?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        // Retransmits happened before the handshake completed, or before we gave up on it.
        const retransmits = inferSynRetransmits(connectMs ?? elapsedMs(start), this.synMarks);
        this.synRetransmits += retransmits;
        this.series.record(outcome, latencyMs, { startedAt: start, firedAt, degraded: retransmits > 0 });
        resolve();
      };
      // Connected but the payload never got through: large packets lost while the handshake passed (MTU).
      const timer = setTimeout(() => finish(connectMs === undefined ? 'timeout' : TRANSFER_TIMEOUT), this.timeoutMs);
      socket.once('connect', () => {
        connectMs = elapsedMs(start);
        socket.setNoDelay(true);
        requestSentAt = performance.now();
        socket.write(this.request);
      });
      socket.on('data', (chunk) => {
        answer += chunk.toString('latin1');
        if (answer.length < TCP_ANSWER.length) return;
        if (answer !== TCP_ANSWER) return finish('bad-answer');
        this.requestLatency.record(elapsedMs(requestSentAt));
        finish('ok', connectMs);
      });
      // A close before the answer: the responder hung up (e.g. wrong token, restarted).
      // A payload lost on a path with too small an MTU ends as a timeout instead.
      socket.on('end', () => finish(connectMs === undefined ? 'reset' : 'closed-early'));
      socket.on('error', (err) => finish(outcomeOfError(err)));
      // The clock starts once the socket is built (~0.13 ms of JavaScript no packet waits for):
      // Node issues connect(2) from a nextTick after this function returns, and from Node
      // 20.12 says so just before ('connectionAttempt'), which is closer still.
      let start = performance.now();
      socket.once('connectionAttempt', () => (start = performance.now()));
    });
  }

  evidence(): LossEvidence {
    return this.series.evidence(this.synRetransmits);
  }

  detail(): TcpDetail {
    return { synRetransmits: this.synRetransmits, requestLatency: this.requestLatency.toJSON() };
  }
}
