// What a big cluster's control plane costs a client, modelled: a few milliseconds per request,
// a per-client budget past which the API answers 429 with Retry-After (as API Priority and
// Fairness does once a flow's share of its priority level is used up), and a scheduler that
// binds pods at a bounded rate (scheduler.ts). All configurable (`npm run lab -- up --api-qps …`);
// the hollow lab starts with UPSTREAM_COSTS, the real lab with NO_COSTS (its tests stay fast,
// and its point is the real network, not the control plane).
import { tooManyRequests } from './status.ts';

export interface ControlPlaneCosts {
  /** Pods the scheduler binds per second; 0: as fast as it can. */
  schedulerQps: number;
  /** Requests per second one client (user) may make, and its burst, before 429; 0: unlimited. */
  clientQps: number;
  clientBurst: number;
  /** Added to every API request. */
  requestLatencyMs: number;
}

export const NO_COSTS: ControlPlaneCosts = { schedulerQps: 0, clientQps: 0, clientBurst: 0, requestLatencyMs: 0 };

export const UPSTREAM_COSTS: ControlPlaneCosts = {
  // SIG Scalability's 5,000-node tests hold kube-scheduler to about 100 pods/s
  // (perf-tests clusterloader2 SchedulingThroughput; kubernetes/kubernetes#56714 measured 30/s
  // in 2017, before the scheduler's binding became asynchronous).
  schedulerQps: 100,
  // APF limits concurrency, not rate: a flow gets a fair share of its priority level's seats
  // (global-default: 20 of the 245 default nominal shares of --max-requests-inflight 400 +
  // --max-mutating-requests-inflight 200) and is rejected once its queues are full. On a busy
  // 5,000-node control plane that share comes to the order of what upstream gives its own
  // busiest clients (kube-scheduler and kubelet: kube-api-qps 50, burst 100, raised to 100 for
  // the scheduler in the scalability tests): 100 requests/s with a burst of 200.
  clientQps: 100,
  clientBurst: 200,
  // Single-object calls on a healthy control plane take milliseconds (an etcd write, admission);
  // the scalability SLO only bounds their p99 at 1 s.
  requestLatencyMs: 5,
};

/** Tokens refill at `rate` per second up to `burst`; a request takes one. */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private readonly rate: number;
  private readonly burst: number;
  private readonly now: () => number;

  constructor(rate: number, burst: number, now: () => number = Date.now) {
    this.rate = rate;
    this.burst = Math.max(1, burst);
    this.tokens = this.burst;
    this.now = now;
    this.last = now();
  }

  /** Takes a token if there is one. */
  take(): boolean {
    this.refill();
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }

  /** Milliseconds until the next token. */
  wait(): number {
    this.refill();
    return this.tokens >= 1 ? 0 : ((1 - this.tokens) / this.rate) * 1000;
  }

  private refill(): void {
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
  }
}

/** APF's Retry-After caps at 32 s (k8s.io/apiserver flowcontrol, dropped_requests_tracker.go). */
const MAX_RETRY_AFTER_S = 32;

/**
 * The Retry-After APF sends (dropped_requests_tracker.go, Kubernetes 1.29+): 1 s at first,
 * doubled when at least 3 × retryAfter requests were rejected within the last retryAfter
 * seconds (and retryAfter seconds have passed since the last increase), lowered by one second
 * when fewer than retryAfter were: TCP's increase/decrease, so rejected clients back off more
 * while the overload lasts and less once it eases.
 */
export class RetryAfter {
  private seconds = 1;
  private lastIncrease = 0;
  /** Rejections per whole second, newest last. */
  private history: { second: number; count: number }[] = [];
  private readonly now: () => number;

  constructor(now: () => number = Date.now) {
    this.now = now;
  }

  get current(): number {
    return this.seconds;
  }

  /** Records a rejection; the value changes when a new second starts, judged on the seconds before it. */
  rejected(): void {
    const second = Math.floor(this.now() / 1000);
    const latest = this.history[this.history.length - 1];
    if (latest?.second === second) {
      latest.count++;
      return;
    }
    const recent = this.history.filter((h) => second - h.second <= this.seconds).reduce((n, h) => n + h.count, 0);
    if (second - this.lastIncrease >= this.seconds && recent >= 3 * this.seconds) {
      this.seconds = Math.min(MAX_RETRY_AFTER_S, this.seconds * 2);
      this.lastIncrease = second;
    } else if (recent < this.seconds && this.seconds > 1) this.seconds--;
    this.history = [...this.history.filter((h) => second - h.second <= Math.min(2 * this.seconds, MAX_RETRY_AFTER_S)), { second, count: 1 }];
  }
}

/** The API's per-client budget and request latency. */
export class FlowControl {
  private costs: ControlPlaneCosts;
  private readonly budgets = new Map<string, { bucket: TokenBucket; retryAfter: RetryAfter }>();
  private readonly throttled = new Map<string, number>();

  constructor(costs: ControlPlaneCosts = NO_COSTS) {
    this.costs = costs;
  }

  setCosts(costs: ControlPlaneCosts): void {
    this.costs = costs;
    this.budgets.clear();
  }

  get current(): ControlPlaneCosts {
    return this.costs;
  }

  /** Lets the request through or throws 429 with Retry-After, as APF rejects a flow past its share. */
  admit(user: string, request: string): void {
    if (!this.costs.clientQps) return;
    let budget = this.budgets.get(user);
    if (!budget) this.budgets.set(user, (budget = { bucket: new TokenBucket(this.costs.clientQps, this.costs.clientBurst), retryAfter: new RetryAfter() }));
    if (budget.bucket.take()) return;
    budget.retryAfter.rejected();
    this.throttled.set(request, (this.throttled.get(request) ?? 0) + 1);
    throw tooManyRequests(budget.retryAfter.current);
  }

  /** Resolves after the request latency. */
  delay(): Promise<void> {
    const ms = this.costs.requestLatencyMs;
    return ms > 0 ? new Promise((resolve) => setTimeout(resolve, ms)) : Promise.resolve();
  }

  /** Requests answered 429 for the budget, per "verb resource". */
  throttledCounts(): Record<string, number> {
    return Object.fromEntries(this.throttled);
  }
}
