// A mergeable latency histogram with bounded relative error: logarithmic buckets
// as in DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile
// sketch with relative-error guarantees", VLDB 2019). Counts are exact; any
// quantile is within RELATIVE_ACCURACY of a true sample value; memory is one
// counter per occupied bucket (~1,200 buckets cover 1 µs .. 10 min), never raw samples.

/** Quantiles are within 1 % of a real sample (the requirement). */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this (ms) share one bucket: 1 µs is under any timer's resolution here. */
const MIN_TRACKED_MS = 0.001;

/** The wire form, as agents print it and analysis reads it. */
export interface HistogramJSON {
  /** Bucket index → count; bucket i holds values in (γ^(i-1), γ^i]. */
  buckets: Record<string, number>;
  /** Values below MIN_TRACKED_MS. */
  zeroCount: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

export class LatencyHistogram {
  private readonly buckets = new Map<number, number>();
  private zeroCount = 0;
  count = 0;
  sum = 0;
  min = Infinity;
  max = -Infinity;

  record(valueMs: number): void {
    if (!Number.isFinite(valueMs) || valueMs < 0) throw new RangeError(`latency must be a finite value >= 0, got ${valueMs}`);
    this.count++;
    this.sum += valueMs;
    if (valueMs < this.min) this.min = valueMs;
    if (valueMs > this.max) this.max = valueMs;
    if (valueMs < MIN_TRACKED_MS) {
      this.zeroCount++;
      return;
    }
    const index = Math.ceil(Math.log(valueMs) / LOG_GAMMA);
    this.buckets.set(index, (this.buckets.get(index) ?? 0) + 1);
  }

  merge(other: LatencyHistogram): void {
    for (const [index, n] of other.buckets) this.buckets.set(index, (this.buckets.get(index) ?? 0) + n);
    this.zeroCount += other.zeroCount;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The q-quantile (0..1), or null when empty. min and max are exact. */
  quantile(q: number): number | null {
    if (this.count === 0) return null;
    if (q <= 0) return this.min;
    if (q >= 1) return this.max;
    // Nearest-rank: the smallest value with at least q·n samples at or below it.
    const rank = Math.max(1, Math.ceil(q * this.count));
    if (rank <= this.zeroCount) return this.min;
    let seen = this.zeroCount;
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) {
      seen += this.buckets.get(index)!;
      if (seen >= rank) {
        // The point of bucket i whose relative distance to both edges is RELATIVE_ACCURACY.
        const estimate = (2 * Math.pow(GAMMA, index)) / (GAMMA + 1);
        return Math.min(this.max, Math.max(this.min, estimate));
      }
    }
    return this.max;
  }

  /** How many recorded values are >= thresholdMs (to bucket precision). */
  countAtLeast(thresholdMs: number): number {
    if (thresholdMs <= MIN_TRACKED_MS) return this.count;
    const from = Math.ceil(Math.log(thresholdMs) / LOG_GAMMA);
    let n = 0;
    for (const [index, c] of this.buckets) if (index >= from) n += c;
    return n;
  }

  toJSON(): HistogramJSON {
    const buckets: Record<string, number> = {};
    for (const index of [...this.buckets.keys()].sort((a, b) => a - b)) buckets[String(index)] = this.buckets.get(index)!;
    return {
      buckets,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
    };
  }

  static fromJSON(json: HistogramJSON): LatencyHistogram {
    const h = new LatencyHistogram();
    let total = json.zeroCount;
    for (const [key, n] of Object.entries(json.buckets)) {
      const index = Number(key);
      if (!Number.isInteger(index) || !Number.isInteger(n) || n < 0) throw new Error(`histogram bucket ${key}=${n} is not a whole count`);
      h.buckets.set(index, n);
      total += n;
    }
    if (total !== json.count) throw new Error(`histogram counts add up to ${total}, but count says ${json.count}`);
    h.zeroCount = json.zeroCount;
    h.count = json.count;
    h.sum = json.sum;
    h.min = json.min ?? Infinity;
    h.max = json.max ?? -Infinity;
    return h;
  }
}
