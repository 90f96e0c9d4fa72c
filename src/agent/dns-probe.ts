// DNS: two probes against the cluster resolver.
// - 'single': one A query on a fresh socket with its own timeout: the resolver's health.
// - 'a+aaaa': what glibc and musl do: A and AAAA sent together from one socket, the
//   unanswered ones resent after the resolver timeout (resolv.conf(5): timeout:5,
//   attempts:2). Before Linux 5.0 (and 5.6 for a third race) conntrack could drop one
//   of the pair (netfilter's UDP insert race), so the lookup completes only after a
//   resend, at ~5 s. Those answers are counted apart: they are a signature, not noise.
import type { DnsDetail, DnsVariant } from '../shared/agent-result.ts';
import type { DnsPlan } from '../shared/plan.ts';
import type { LossEvidence } from './confirmation.ts';
import { DNS_PORT, dnsExchange, type DnsQuestion } from './dns-exchange.ts';
import { SeriesRecorder, type WindowClock } from './series.ts';

export class DnsProber {
  readonly series: SeriesRecorder;
  private readonly detailCounts: DnsDetail;
  private readonly server: string;
  private readonly port: number;
  private readonly plan: DnsPlan;
  private nextName = 0;

  constructor(variant: DnsVariant, server: string, plan: DnsPlan, clock?: WindowClock) {
    this.server = server;
    this.port = plan.port ?? DNS_PORT;
    this.plan = plan;
    this.series = new SeriesRecorder('dns', `dns:${server}`, 'service', server, this.port, clock);
    this.detailCounts = {
      variant,
      names: [...plan.names],
      timeouts: 0,
      answeredAtResolverMarks: new Array(variant === 'single' ? 0 : plan.resolverAttempts - 1).fill(0),
      rcodes: {},
    };
  }

  probe(firedAt?: number): Promise<void> {
    const name = this.plan.names[this.nextName++ % this.plan.names.length];
    return this.detailCounts.variant === 'single'
      ? this.lookup([{ name, type: 'A' }], this.plan.queryTimeoutMs, 1, firedAt)
      : this.lookup([{ name, type: 'A' }, { name, type: 'AAAA' }], this.plan.resolverTimeoutMs, this.plan.resolverAttempts, firedAt);
  }

  private async lookup(questions: DnsQuestion[], timeoutMs: number, attempts: number, firedAt?: number): Promise<void> {
    const startedAt = performance.now();
    const { outcome, latencyMs, sends, rcodes } = await dnsExchange(this.server, this.port, questions, timeoutMs, attempts);
    if (outcome === 'timeout') this.detailCounts.timeouts++;
    if (outcome === 'ok') {
      for (const r of rcodes) this.detailCounts.rcodes[r] = (this.detailCounts.rcodes[r] ?? 0) + 1;
      if (sends > 1) this.detailCounts.answeredAtResolverMarks[sends - 2]++;
    }
    this.series.record(outcome, latencyMs, { startedAt, firedAt, degraded: sends > 1 });
  }

  evidence(): LossEvidence {
    return this.series.evidence(0, this.detailCounts.answeredAtResolverMarks.reduce((a, b) => a + b, 0));
  }

  detail(): DnsDetail {
    return { ...this.detailCounts, answeredAtResolverMarks: [...this.detailCounts.answeredAtResolverMarks], rcodes: { ...this.detailCounts.rcodes } };
  }
}
