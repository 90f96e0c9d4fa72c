// One DNS exchange as a stub resolver makes it: the questions sent together from one
// fresh UDP socket (a new source port, so a new conntrack entry and a fresh DNAT
// backend choice per lookup, as glibc and musl do), the unanswered ones resent every
// timeoutMs, up to `attempts` sends (resolv.conf(5): timeout:5, attempts:2).
import { createSocket, type Socket } from 'node:dgram';
import dnsPacket from 'dns-packet';
import type { ProbeOutcome } from '../shared/agent-result.ts';
import { outcomeOfError } from './errno.ts';
import { elapsedMs } from './series.ts';

// RFC 1035 §4.1.1 RCODE values, RFC 6895 names.
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
export const DNS_PORT = 53;

export interface DnsQuestion {
  name: string;
  type: 'A' | 'AAAA';
}

export interface DnsExchange {
  /** 'ok' once every question was answered; else 'timeout' or the socket error's outcome. */
  outcome: ProbeOutcome;
  /** From the first send to the last answer ('ok' only). */
  latencyMs?: number;
  /** Sends made: 1 = answered on the first; 2 = only after one resend (the ~5 s mark); … */
  sends: number;
  /** The answers' rcode names, as they came. */
  rcodes: string[];
  /** Answer records, over all answers (0 with NOERROR is NODATA). */
  answerRecords: number;
}

export function dnsExchange(server: string, port: number, questions: readonly DnsQuestion[], timeoutMs: number, attempts: number): Promise<DnsExchange> {
  return new Promise((resolve) => {
    const socket: Socket = createSocket({ type: server.includes(':') ? 'udp6' : 'udp4' });
    const start = performance.now();
    const waiting = new Map<number, Buffer>();
    const rcodes: string[] = [];
    let answerRecords = 0;
    let sends = 0;
    let timer: NodeJS.Timeout | undefined;
    let settled = false;
    const finish = (outcome: ProbeOutcome, latencyMs?: number) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.close();
      resolve({ outcome, latencyMs, sends, rcodes, answerRecords });
    };
    const sendWaiting = () => {
      sends++;
      for (const query of waiting.values()) socket.send(query, port, server, (err) => err && finish(outcomeOfError(err)));
      timer = setTimeout(() => (sends < attempts ? sendWaiting() : finish('timeout')), timeoutMs);
    };
    socket.on('message', (msg) => {
      let answer: dnsPacket.Packet;
      try {
        answer = dnsPacket.decode(msg);
      } catch {
        return; // not a DNS answer: ignore, like a resolver would
      }
      if (answer.id === undefined || !waiting.delete(answer.id)) return;
      const rcode = (answer.flags ?? 0) & 0xf;
      rcodes.push(RCODE_NAMES[rcode] ?? `RCODE${rcode}`);
      answerRecords += answer.answers?.length ?? 0;
      if (waiting.size === 0) finish('ok', elapsedMs(start));
    });
    socket.on('error', (err) => finish(outcomeOfError(err)));
    for (const { name, type } of questions) {
      const id = randomQueryId(waiting);
      waiting.set(id, dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }));
    }
    sendWaiting();
  });
}

/** Random 16-bit ids (RFC 5452 §4.3), distinct within one exchange. */
function randomQueryId(taken: Map<number, unknown>): number {
  let id: number;
  do id = Math.floor(Math.random() * 0x10000);
  while (taken.has(id));
  return id;
}
