// A mergeable latency histogram with bounded relative error: logarithmic buckets
// as in DDSketch (Masson, Rim, Lee, "DDSketch: a fast and fully-mergeable quantile
// sketch with relative-error guarantees", VLDB 2019). Counts are exact; any
// quantile is within RELATIVE_ACCURACY of a true sample value; memory is one
// counter per bucket from the lowest occupied to the highest (~1,000 buckets cover
// 1 µs .. 10 min), never raw samples.

/** Quantiles are within 1 % of a real sample (the requirement). */
export const RELATIVE_ACCURACY = 0.01;
const GAMMA = (1 + RELATIVE_ACCURACY) / (1 - RELATIVE_ACCURACY);
const LOG_GAMMA = Math.log(GAMMA);
/** Values below this (ms) share one bucket: 1 µs is under any timer's resolution here. */
const MIN_TRACKED_MS = 0.001;

/** Bucket i holds values in (γ^(i-1), γ^i]. */
function bucketIndex(valueMs: number): number {
  return Math.ceil(Math.log(valueMs) / LOG_GAMMA);
}
/** The lowest and highest bucket a finite value can land in: a wire form outside them is not a histogram. */
const LOWEST_BUCKET = bucketIndex(MIN_TRACKED_MS);
const HIGHEST_BUCKET = bucketIndex(Number.MAX_VALUE);

/**
 * The wire form, as agents print it and analysis reads it (schema 2): the buckets from the
 * lowest occupied one on, in order, each a count; a run of k >= 2 empty buckets is written as
 * one number, -k. So an occupied bucket costs its count and a comma, not a quoted key as in
 * schema 1 (an object keyed by bucket index), and the empty stretch between a series' bulk and
 * its tail (a 1 s SYN retransmit is ~350 buckets above 0.1 ms) costs a few characters, not one
 * per bucket. Measured on real agent documents (30 probes a series, loopback on a busy machine):
 * 16 and 300 peers took 23.0 and 443 KB in schema 1, 27.5 and 528 KB as plain dense counts, and
 * 19.1 and 360 KB so. Read it only through LatencyHistogram.fromJSON.
 */
export interface HistogramJSON {
  /** The bucket of the first count; bucket i holds values in (γ^(i-1), γ^i]. 0 when counts is empty. */
  offset: number;
  /** From bucket `offset` up: n > 0 a bucket's count, 0 one empty bucket, -k k empty buckets. The first and last are counts (> 0). */
  counts: number[];
  /** Values below MIN_TRACKED_MS. */
  zeroCount: number;
  count: number;
  sum: number;
  min: number | null;
  max: number | null;
}

/**
 * In memory the occupied buckets only, as two sorted arrays (bucket indices, their counts):
 * measured over 100,000 histograms of 30 samples, 0.15–2 ms, this took ~920 bytes each, a Map
 * ~1,100 and the dense form ~1,380 — and ~4,400 with one 1 s sample (a SYN retransmit), which
 * stretches the dense range over ~500 buckets while the sorted arrays stay as they were;
 * quantiles walk the arrays in order with no sorting. The arrays are Int32Arrays, 8 bytes a
 * bucket: a CLI holds one histogram per pair (180,000 in a 300-node full mesh), and plain
 * arrays of numbers took 16 bytes a bucket plus their growth slack (~2.2 KB each for 300
 * samples over ~100 buckets, ~0.9 KB now). Parsed and merged histograms (the CLI's) are of
 * exactly their length; recorded ones (an agent's, a few dozen per process) grow by doubling,
 * since a new Int32Array per new bucket cost ~30 µs (its buffer is allocated outside the
 * heap): most of a 5,000-node hollow lab's time, whose simulated agents record every probe.
 */
/** A bucket counts in an Int32Array: 2^31 - 1 samples, ~68 years at one a second. */
const COUNT_LIMIT = 2 ** 31 - 1;

/** Room for a first few buckets, before the first doubling. */
const INITIAL_CAPACITY = 8;

/** `array`'s first `length` values with `value` inserted at `at`: in place while there is room, else in a new array twice as long. */
function inserted(array: Int32Array<ArrayBuffer>, length: number, at: number, value: number): Int32Array<ArrayBuffer> {
  if (length < array.length) {
    array.copyWithin(at + 1, at, length);
    array[at] = value;
    return array;
  }
  const grown = new Int32Array(Math.max(INITIAL_CAPACITY, 2 * length));
  grown.set(array.subarray(0, at));
  grown[at] = value;
  grown.set(array.subarray(at, length), at + 1);
  return grown;
}

export class LatencyHistogram {
  /** Occupied bucket indices, ascending: the first `occupied` of them (the rest is room to grow). */
  private indices = new Int32Array(0);
  /** counts[j]: samples in bucket indices[j] (> 0), j < occupied. */
  private counts = new Int32Array(0);
  private occupied = 0;
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
    this.add(bucketIndex(valueMs), 1);
  }

  /** Adds n (> 0) to bucket `index`. */
  private add(index: number, n: number): void {
    const indices = this.indices;
    let low = 0;
    let high = this.occupied;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (indices[middle] < index) low = middle + 1;
      else high = middle;
    }
    if (low < this.occupied && indices[low] === index) {
      this.counts[low] += n;
    } else {
      // A new bucket: rare once a series has run a while (its latencies fill a few dozen).
      this.indices = inserted(indices, this.occupied, low, index);
      this.counts = inserted(this.counts, this.occupied, low, n);
      this.occupied++;
    }
  }

  merge(other: LatencyHistogram): void {
    // One pass over both sorted lists: linear in their lengths, however many are folded in.
    const [mine, theirs] = [this.occupied, other.occupied];
    const indices = new Int32Array(mine + theirs);
    const counts = new Int32Array(indices.length);
    let a = 0;
    let b = 0;
    let k = 0;
    while (a < mine || b < theirs) {
      const fromThis = b >= theirs || (a < mine && this.indices[a] <= other.indices[b]);
      const index = fromThis ? this.indices[a] : other.indices[b];
      let n = 0;
      if (a < mine && this.indices[a] === index) n += this.counts[a++];
      if (b < theirs && other.indices[b] === index) n += other.counts[b++];
      indices[k] = index;
      counts[k++] = n;
    }
    // Exactly as long as the buckets: slice copies, subarray would keep the longer buffer.
    this.indices = indices.slice(0, k);
    this.counts = counts.slice(0, k);
    this.occupied = k;
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
    for (let j = 0; j < this.occupied; j++) {
      seen += this.counts[j];
      if (seen >= rank) {
        // The point of bucket i whose relative distance to both edges is RELATIVE_ACCURACY.
        const estimate = (2 * Math.pow(GAMMA, this.indices[j])) / (GAMMA + 1);
        return Math.min(this.max, Math.max(this.min, estimate));
      }
    }
    return this.max;
  }

  /** How many recorded values are >= thresholdMs (to bucket precision). */
  countAtLeast(thresholdMs: number): number {
    if (thresholdMs <= MIN_TRACKED_MS) return this.count;
    const from = bucketIndex(thresholdMs);
    let n = 0;
    for (let j = 0; j < this.occupied; j++) if (this.indices[j] >= from) n += this.counts[j];
    return n;
  }

  toJSON(): HistogramJSON {
    const counts: number[] = [];
    for (let j = 0; j < this.occupied; j++) {
      const empty = j > 0 ? this.indices[j] - this.indices[j - 1] - 1 : 0;
      if (empty > 0) counts.push(empty === 1 ? 0 : -empty);
      counts.push(this.counts[j]);
    }
    return {
      offset: this.occupied > 0 ? this.indices[0] : 0,
      counts,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
    };
  }

  static fromJSON(json: HistogramJSON): LatencyHistogram {
    const h = new LatencyHistogram();
    const { offset, counts } = json;
    if (!Array.isArray(counts)) throw new Error('histogram counts is not a list');
    if (counts.length > 0 && !Number.isInteger(offset)) throw new Error(`histogram offset ${offset} is not a whole bucket index`);
    if (counts.length > 0 && !(counts[0] > 0 && counts[counts.length - 1] > 0)) throw new Error('histogram counts must start and end with a count > 0');
    let index = offset;
    let total = json.zeroCount;
    const occupied = counts.reduce((k: number, n) => k + (n > 0 ? 1 : 0), 0);
    h.indices = new Int32Array(occupied);
    h.counts = new Int32Array(occupied);
    h.occupied = occupied;
    let j = 0;
    for (const n of counts) {
      if (!Number.isInteger(n)) throw new Error(`histogram bucket ${index} holds ${n}, not a whole count`);
      if (n <= 0) {
        index += Math.max(1, -n);
        continue;
      }
      if (n > COUNT_LIMIT) throw new Error(`histogram bucket ${index} holds ${n}, more than a bucket can count`);
      h.indices[j] = index++;
      h.counts[j++] = n;
      total += n;
    }
    const [lowest, highest] = [h.indices[0], h.indices[h.indices.length - 1]];
    if (lowest < LOWEST_BUCKET || highest > HIGHEST_BUCKET) throw new Error(`histogram buckets ${lowest}..${highest} are outside ${LOWEST_BUCKET}..${HIGHEST_BUCKET}`);
    if (total !== json.count) throw new Error(`histogram counts add up to ${total}, but count says ${json.count}`);
    h.zeroCount = json.zeroCount;
    h.count = json.count;
    h.sum = json.sum;
    h.min = json.min ?? Infinity;
    h.max = json.max ?? -Infinity;
    return h;
  }
}
