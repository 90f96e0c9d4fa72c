// DNS: two probes against the cluster resolver.
// - 'single': one A query on a fresh socket with its own timeout: the resolver's health.
// - 'a+aaaa': what glibc and musl do: A and AAAA sent together from one socket, the
//   unanswered ones resent after the resolver timeout (resolv.conf(5): timeout:5,
//   attempts:2). Before Linux 5.0 (and 5.6 for a third race) conntrack could drop one
//   of the pair (netfilter's UDP insert race), so the lookup completes only after a
//   resend, at ~5 s. Those answers are counted apart: they are a signature, not noise.
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import dnsPacket from 'dns-packet';
import type { DnsDetail, DnsVariant } from '../shared/agent-result.ts';
import type { DnsPlan } from '../shared/plan.ts';
import { outcomeOfError } from './errno.ts';
import { elapsedMs, SeriesRecorder } from './series.ts';

// RFC 1035 §4.1.1 RCODE values, RFC 6895 names.
const RCODE_NAMES = ['NOERROR', 'FORMERR', 'SERVFAIL', 'NXDOMAIN', 'NOTIMP', 'REFUSED'];
const DNS_PORT = 53;

export function resolverFromResolvConf(text: string): string | undefined {
  return /^\s*nameserver\s+(\S+)/m.exec(text)?.[1];
}

export function defaultResolver(readFile = (p: string) => readFileSync(p, 'utf8')): string {
  const server = resolverFromResolvConf(readFile('/etc/resolv.conf'));
  if (!server) throw new Error('no nameserver in /etc/resolv.conf and none given in the plan');
  return server;
}

export class DnsProber {
  readonly series: SeriesRecorder;
  private readonly detailCounts: DnsDetail;
  private readonly server: string;
  private readonly port: number;
  private readonly plan: DnsPlan;
  private nextName = 0;

  constructor(variant: DnsVariant, server: string, plan: DnsPlan) {
    this.server = server;
    this.port = plan.port ?? DNS_PORT;
    this.plan = plan;
    this.series = new SeriesRecorder('dns', `dns:${server}`, 'service', `${server}:${this.port}`);
    this.detailCounts = {
      variant,
      names: [...plan.names],
      timeouts: 0,
      answeredAtResolverMarks: new Array(variant === 'single' ? 0 : plan.resolverAttempts - 1).fill(0),
      rcodes: {},
    };
  }

  probe(): Promise<void> {
    const name = this.plan.names[this.nextName++ % this.plan.names.length];
    return this.detailCounts.variant === 'single'
      ? this.lookup(name, ['A'], this.plan.queryTimeoutMs, 1)
      : this.lookup(name, ['A', 'AAAA'], this.plan.resolverTimeoutMs, this.plan.resolverAttempts);
  }

  /** Sends one query per type from one fresh socket; resends the unanswered every timeoutMs. */
  private lookup(name: string, types: ('A' | 'AAAA')[], timeoutMs: number, attempts: number): Promise<void> {
    return new Promise((resolve) => {
      const socket: Socket = createSocket({ type: this.server.includes(':') ? 'udp6' : 'udp4' });
      const start = performance.now();
      const waiting = new Map<number, Buffer>();
      let sends = 0;
      let timer: NodeJS.Timeout | undefined;
      let settled = false;
      const finish = (outcome: string, latencyMs?: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.close();
        if (outcome === 'timeout') this.detailCounts.timeouts++;
        this.series.record(outcome, latencyMs);
        resolve();
      };
      const sendWaiting = () => {
        sends++;
        for (const query of waiting.values()) {
          socket.send(query, this.port, this.server, (err) => err && finish(outcomeOfError(err)));
        }
        timer = setTimeout(() => (sends < attempts ? sendWaiting() : finish('timeout')), timeoutMs);
      };
      const rcodes: string[] = [];
      socket.on('message', (msg) => {
        let id: number | undefined;
        let rcode: string;
        try {
          const answer = dnsPacket.decode(msg);
          id = answer.id;
          rcode = RCODE_NAMES[(answer.flags ?? 0) & 0xf] ?? `RCODE${(answer.flags ?? 0) & 0xf}`;
        } catch {
          return; // not a DNS answer: ignore, like a resolver would
        }
        if (id === undefined || !waiting.delete(id)) return;
        rcodes.push(rcode);
        if (waiting.size > 0) return;
        for (const r of rcodes) this.detailCounts.rcodes[r] = (this.detailCounts.rcodes[r] ?? 0) + 1;
        if (sends > 1) this.detailCounts.answeredAtResolverMarks[sends - 2]++;
        finish('ok', elapsedMs(start));
      });
      socket.on('error', (err) => finish(outcomeOfError(err)));
      for (const type of types) {
        const id = randomQueryId(waiting);
        waiting.set(id, dnsPacket.encode({ type: 'query', id, flags: dnsPacket.RECURSION_DESIRED, questions: [{ type, name }] }));
      }
      sendWaiting();
    });
  }

  detail(): DnsDetail {
    return { ...this.detailCounts, answeredAtResolverMarks: [...this.detailCounts.answeredAtResolverMarks], rcodes: { ...this.detailCounts.rcodes } };
  }
}

/** Random 16-bit ids (RFC 5452 §4.3), distinct within one lookup. */
function randomQueryId(taken: Map<number, unknown>): number {
  let id: number;
  do id = Math.floor(Math.random() * 0x10000);
  while (taken.has(id));
  return id;
}
