// UDP: a sequenced echo over one socket per peer. Each datagram carries the run
// token and a sequence number; the echo tells loss, duplicates, reordering and RTT.
import { createSocket, type Socket } from 'node:dgram';
import type { UdpDetail } from '../shared/agent-result.ts';
import { familyOf, type PeerTarget } from '../shared/plan.ts';
import { outcomeOfError } from './errno.ts';
import { SeriesRecorder, type WindowClock } from './series.ts';

interface Pending {
  sentAt: number;
  firedAt: number | undefined;
  timer: NodeJS.Timeout;
  resolve: () => void;
}

export class UdpProber {
  readonly series: SeriesRecorder;
  private readonly socket: Socket;
  private readonly pending = new Map<number, Pending>();
  /** Recent sequence numbers answered or given up on, to tell duplicates and late echoes. */
  private readonly answered = new RecentSeqs();
  private readonly expired = new RecentSeqs();
  /** Every echo in time has a sequence number at or below the latest one echoed. */
  private echoedInTime = 0;
  private nextSeq = 0;
  private highestAnswered = -1;
  /** The latest probe echoed, and how many of ours the responder had received by then. */
  private lastEchoed = { seq: -1, received: 0 };
  private readonly counts: UdpDetail = { duplicates: 0, reordered: 0, late: 0 };
  private readonly peer: PeerTarget;
  private readonly token: string;
  private readonly timeoutMs: number;

  constructor(peer: PeerTarget, runToken: string, timeoutMs: number, clock?: WindowClock) {
    this.peer = peer;
    this.token = runToken;
    this.timeoutMs = timeoutMs;
    this.series = new SeriesRecorder('udp', peer.node, peer.path, peer.ip, peer.udpPort, clock);
    this.socket = createSocket({ type: familyOf(peer.ip) === 'ipv6' ? 'udp6' : 'udp4' });
    this.socket.on('message', (msg) => this.onEcho(msg));
    // Asynchronous ICMP errors (e.g. port unreachable) surface here, not per send.
    this.socket.on('error', () => {});
  }

  probe(firedAt?: number): Promise<void> {
    return new Promise((resolve) => {
      const seq = this.nextSeq++;
      const sentAt = performance.now();
      const timer = setTimeout(() => {
        this.pending.delete(seq);
        this.expired.add(seq);
        this.series.record('timeout', undefined, { startedAt: sentAt, firedAt });
        resolve();
      }, this.timeoutMs);
      this.pending.set(seq, { sentAt, firedAt, timer, resolve });
      this.socket.send(`${this.token} ${seq}`, this.peer.udpPort, this.peer.ip, (err) => {
        if (!err || !this.pending.has(seq)) return;
        clearTimeout(timer);
        this.pending.delete(seq);
        this.answered.add(seq);
        this.series.record(outcomeOfError(err), undefined, { startedAt: sentAt, firedAt });
        resolve();
      });
    });
  }

  private onEcho(msg: Buffer): void {
    // Before the parsing: the round trip ends when the echo is here, not when it is read.
    const receivedAt = performance.now();
    const [token, seqText, receivedText] = msg.toString('latin1').split(' ');
    const seq = Number(seqText);
    if (token !== this.token || !Number.isInteger(seq)) return;
    const received = Number(receivedText);
    if (Number.isInteger(received) && seq > this.lastEchoed.seq) this.lastEchoed = { seq, received };
    const pending = this.pending.get(seq);
    if (!pending) {
      if (this.expired.has(seq)) this.counts.late++;
      else if (this.answered.has(seq)) this.counts.duplicates++;
      return;
    }
    clearTimeout(pending.timer);
    this.pending.delete(seq);
    this.answered.add(seq);
    this.echoedInTime++;
    if (seq < this.highestAnswered) this.counts.reordered++;
    else this.highestAnswered = seq;
    this.series.record('ok', receivedAt - pending.sentAt, { startedAt: pending.sentAt, firedAt: pending.firedAt });
    pending.resolve();
  }

  /** Stops listening; echoes still pending are abandoned, not counted. */
  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.socket.close();
  }

  detail(): UdpDetail {
    const { seq, received } = this.lastEchoed;
    if (seq < 0) return { ...this.counts };
    // Probes 0..seq: `received` reached the responder; of those, the ones not answered in time lost their answer.
    const basis = seq + 1;
    const requestsLost = Math.max(0, basis - received);
    const repliesLost = Math.max(0, basis - requestsLost - this.echoedInTime);
    return { ...this.counts, direction: { basis, requestsLost, repliesLost } };
  }
}

/**
 * The last RECENT_SEQS sequence numbers: memory stays bounded however long the run. An echo
 * older than that (minutes at any sane rate) is neither a duplicate nor late any more.
 */
const RECENT_SEQS = 8192;

class RecentSeqs {
  private readonly seqs = new Set<number>();

  add(seq: number): void {
    this.seqs.add(seq);
    // Sets iterate in insertion order, and probes are added roughly in sequence order.
    if (this.seqs.size > RECENT_SEQS) this.seqs.delete(this.seqs.values().next().value!);
  }

  has(seq: number): boolean {
    return this.seqs.has(seq);
  }
}
