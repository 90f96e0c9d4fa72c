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
 * In memory the occupied buckets only, ascending, in one Int32Array: their indices in its first
 * half, their counts in its second (capacity = half its length). Measured over 100,000
 * histograms of 30 samples, 0.15–2 ms, sorted arrays took ~920 bytes each, a Map ~1,100 and the
 * dense form ~1,380, and ~4,400 with one 1 s sample (a SYN retransmit), which stretches the dense
 * range over ~500 buckets while the sorted arrays stay as they were; quantiles walk them in order
 * with no sorting. Parsed and merged histograms are exactly their length and take their buckets
 * from shared slabs (fromSlab): the CLI parses one per series, ~165,000 at 5,000 nodes, before
 * packing it (HistogramStore), and an Int32Array with a buffer of its own also costs that
 * buffer's object, its backing store and a malloc, ~450 bytes, more than a small histogram's
 * data. Recorded histograms (an agent's, a few dozen per process) have their own buffer and grow
 * by doubling, since a new array per new bucket cost ~30 µs: most of a 5,000-node hollow lab's
 * time, whose simulated agents record every probe.
 */
/** A bucket counts in an Int32Array: 2^31 - 1 samples, ~68 years at one a second. */
const COUNT_LIMIT = 2 ** 31 - 1;

/** Room for a first few buckets, before the first doubling. */
const INITIAL_CAPACITY = 8;

/** Slabs of 256 KiB; a histogram bigger than an eighth of one has its own buffer. */
const SLAB_LENGTH = 1 << 16;
let slab = new Int32Array(SLAB_LENGTH);
let slabUsed = 0;

/**
 * `length` ints, a view of the current slab. A slab is freed when its last view is: the CLI's
 * parsed histograms go together, once packed (src/analyse/pairs.ts).
 */
function fromSlab(length: number): Int32Array<ArrayBuffer> {
  if (length > SLAB_LENGTH / 8) return new Int32Array(length);
  if (slabUsed + length > SLAB_LENGTH) {
    slab = new Int32Array(SLAB_LENGTH);
    slabUsed = 0;
  }
  const view = slab.subarray(slabUsed, slabUsed + length);
  slabUsed += length;
  return view;
}

/** A histogram's counts and extremes besides its buckets (min Infinity, max -Infinity when empty). */
export interface HistogramScalars {
  zeroCount: number;
  count: number;
  sum: number;
  min: number;
  max: number;
}

function varintLength(value: number): number {
  let length = 1;
  while (value >= 128) {
    value = Math.floor(value / 128);
    length++;
  }
  return length;
}

/** Writes value (a whole number >= 0) at `at` as an unsigned LEB128 varint; returns where it ends. */
function writeVarint(bytes: Uint8Array, at: number, value: number): number {
  while (value >= 128) {
    bytes[at++] = (value % 128) + 128;
    value = Math.floor(value / 128);
  }
  bytes[at++] = value;
  return at;
}

export class LatencyHistogram {
  /** [0, capacity): occupied bucket indices, ascending, the first `occupied` of them; [capacity, 2·capacity): their counts (> 0). */
  private buckets = new Int32Array(0);
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
    const { buckets, occupied } = this;
    const capacity = buckets.length >> 1;
    let low = 0;
    let high = occupied;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (buckets[middle] < index) low = middle + 1;
      else high = middle;
    }
    if (low < occupied && buckets[low] === index) {
      buckets[capacity + low] += n;
      return;
    }
    // A new bucket: rare once a series has run a while (its latencies fill a few dozen).
    if (occupied < capacity) {
      buckets.copyWithin(low + 1, low, occupied);
      buckets.copyWithin(capacity + low + 1, capacity + low, capacity + occupied);
      buckets[low] = index;
      buckets[capacity + low] = n;
    } else {
      const grownCapacity = Math.max(INITIAL_CAPACITY, 2 * occupied);
      const grown = new Int32Array(2 * grownCapacity);
      grown.set(buckets.subarray(0, low));
      grown[low] = index;
      grown.set(buckets.subarray(low, occupied), low + 1);
      grown.set(buckets.subarray(capacity, capacity + low), grownCapacity);
      grown[grownCapacity + low] = n;
      grown.set(buckets.subarray(capacity + low, capacity + occupied), grownCapacity + low + 1);
      this.buckets = grown;
    }
    this.occupied++;
  }

  merge(other: LatencyHistogram): void {
    // Two passes over both sorted lists, linear in their lengths however many are folded in:
    // one to count the buckets, so that the result is exactly as long as they are.
    const [a, b] = [this.buckets, other.buckets];
    const [mine, theirs] = [this.occupied, other.occupied];
    const [capacityA, capacityB] = [a.length >> 1, b.length >> 1];
    let k = 0;
    for (let i = 0, j = 0; i < mine || j < theirs; k++) {
      if (j >= theirs || (i < mine && a[i] < b[j])) i++;
      else if (i >= mine || b[j] < a[i]) j++;
      else { i++; j++; }
    }
    const merged = fromSlab(2 * k);
    for (let i = 0, j = 0, m = 0; m < k; m++) {
      const fromThis = j >= theirs || (i < mine && a[i] <= b[j]);
      const index = fromThis ? a[i] : b[j];
      let n = 0;
      if (i < mine && a[i] === index) n += a[capacityA + i++];
      if (j < theirs && b[j] === index) n += b[capacityB + j++];
      merged[m] = index;
      merged[k + m] = n;
    }
    this.buckets = merged;
    this.occupied = k;
    this.zeroCount += other.zeroCount;
    this.count += other.count;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /** The q-quantile (0..1), or null when empty. min and max are exact. */
  quantile(q: number): number | null {
    return quantilesOf(this.buckets, this.buckets.length >> 1, this.occupied, { zeroCount: this.zeroCount, count: this.count, min: this.min, max: this.max }, [q])[0];
  }

  /** How many recorded values are >= thresholdMs (to bucket precision). */
  countAtLeast(thresholdMs: number): number {
    return countAtLeastOf(this.buckets, this.buckets.length >> 1, this.occupied, this.count, thresholdMs);
  }

  toJSON(): HistogramJSON {
    const { buckets } = this;
    const capacity = buckets.length >> 1;
    const counts: number[] = [];
    for (let j = 0; j < this.occupied; j++) {
      const empty = j > 0 ? buckets[j] - buckets[j - 1] - 1 : 0;
      if (empty > 0) counts.push(empty === 1 ? 0 : -empty);
      counts.push(buckets[capacity + j]);
    }
    return {
      offset: this.occupied > 0 ? buckets[0] : 0,
      counts,
      zeroCount: this.zeroCount,
      count: this.count,
      sum: this.sum,
      min: this.count ? this.min : null,
      max: this.count ? this.max : null,
    };
  }

  /**
   * The buckets packed for holding many (HistogramStore): per occupied bucket the step from the
   * one before (the first from LOWEST_BUCKET) and its count, each an unsigned LEB128 varint. At
   * ~100 occupied buckets of small counts that is ~2 bytes a bucket, not 8.
   */
  packedBuckets(): Uint8Array<ArrayBuffer> {
    const { buckets, occupied } = this;
    const capacity = buckets.length >> 1;
    let length = 0;
    for (let j = 0; j < occupied; j++) length += varintLength(buckets[j] - (j > 0 ? buckets[j - 1] : LOWEST_BUCKET)) + varintLength(buckets[capacity + j]);
    const bytes = new Uint8Array(length);
    let at = 0;
    for (let j = 0; j < occupied; j++) {
      at = writeVarint(bytes, at, buckets[j] - (j > 0 ? buckets[j - 1] : LOWEST_BUCKET));
      at = writeVarint(bytes, at, buckets[capacity + j]);
    }
    return bytes;
  }

  /** A histogram from packedBuckets' bytes and its scalars, as HistogramStore keeps them. */
  static fromPacked(bytes: Uint8Array, scalars: HistogramScalars): LatencyHistogram {
    // Every varint ends in a byte below 128, two per bucket.
    let ends = 0;
    for (let i = 0; i < bytes.length; i++) if (bytes[i] < 128) ends++;
    const occupied = ends >> 1;
    const buckets = fromSlab(2 * occupied);
    unpack(bytes, 0, bytes.length, buckets, occupied);
    const h = new LatencyHistogram();
    h.buckets = buckets;
    h.occupied = occupied;
    h.zeroCount = scalars.zeroCount;
    h.count = scalars.count;
    h.sum = scalars.sum;
    h.min = scalars.min;
    h.max = scalars.max;
    return h;
  }

  /** What a histogram holds besides its buckets. */
  scalars(): HistogramScalars {
    return { zeroCount: this.zeroCount, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  /** The histogram of a wire form; throws what checkHistogramJSON throws. */
  static fromJSON(json: HistogramJSON): LatencyHistogram {
    const occupied = checkHistogramJSON(json);
    const h = new LatencyHistogram();
    const buckets = fromSlab(2 * occupied);
    let index = json.offset;
    let j = 0;
    for (const n of json.counts) {
      if (n <= 0) {
        index += Math.max(1, -n);
        continue;
      }
      buckets[occupied + j] = n;
      buckets[j++] = index++;
    }
    h.buckets = buckets;
    h.occupied = occupied;
    h.zeroCount = json.zeroCount;
    h.count = json.count;
    h.sum = json.sum;
    h.min = json.min ?? Infinity;
    h.max = json.max ?? -Infinity;
    return h;
  }
}

/**
 * Throws unless `json`'s counts are a histogram's (whole counts, first and last > 0, buckets a
 * finite value can land in, adding up to its count); returns how many buckets are occupied.
 * Collection checks with it, without building one: it keeps the wire form and folds it later.
 */
export function checkHistogramJSON(json: HistogramJSON): number {
  const { offset, counts } = json;
  if (!Array.isArray(counts)) throw new Error('histogram counts is not a list');
  if (counts.length === 0) {
    if (json.zeroCount !== json.count) throw new Error(`histogram counts add up to ${json.zeroCount}, but count says ${json.count}`);
    return 0;
  }
  if (!Number.isInteger(offset)) throw new Error(`histogram offset ${offset} is not a whole bucket index`);
  if (!(counts[0] > 0 && counts[counts.length - 1] > 0)) throw new Error('histogram counts must start and end with a count > 0');
  let index = offset;
  let highest = offset;
  let total = json.zeroCount;
  let occupied = 0;
  for (const n of counts) {
    if (!Number.isInteger(n)) throw new Error(`histogram bucket ${index} holds ${n}, not a whole count`);
    if (n <= 0) {
      index += Math.max(1, -n);
      continue;
    }
    if (n > COUNT_LIMIT) throw new Error(`histogram bucket ${index} holds ${n}, more than a bucket can count`);
    highest = index++;
    total += n;
    occupied++;
  }
  if (offset < LOWEST_BUCKET || highest > HIGHEST_BUCKET) throw new Error(`histogram buckets ${offset}..${highest} are outside ${LOWEST_BUCKET}..${HIGHEST_BUCKET}`);
  if (total !== json.count) throw new Error(`histogram counts add up to ${total}, but count says ${json.count}`);
  return occupied;
}

/**
 * Many histograms packed (LatencyHistogram.packedBuckets) in one growing byte buffer, by slot:
 * the CLI's one per pair, 165,000 at 5,000 nodes, ~200 bytes each and no object of their own
 * (src/analyse/pairs.ts). A slot written again leaves its old bytes unused: a pair is merged
 * only when several series feed it (DNS variants), once per series.
 */
export class HistogramStore {
  private bytes = new Uint8Array(1 << 16);
  /** Where quantiles() and countAtLeast() unpack a slot. */
  private scratch = new Int32Array(512);
  private used = 0;
  /** Per slot: its bytes' start and end, then its scalars (SLOT_FIELDS). */
  private slots = new Float64Array(0);
  private static readonly SLOT_FIELDS = 7;

  put(slot: number, histogram: LatencyHistogram): void {
    const packed = histogram.packedBuckets();
    if (this.used + packed.length > this.bytes.length) this.bytes = withRoom(this.bytes, this.used + packed.length);
    this.bytes.set(packed, this.used);
    const at = slot * HistogramStore.SLOT_FIELDS;
    if (at + HistogramStore.SLOT_FIELDS > this.slots.length) this.slots = withRoom(this.slots, at + HistogramStore.SLOT_FIELDS);
    const { zeroCount, count, sum, min, max } = histogram.scalars();
    const { slots } = this;
    slots[at] = this.used;
    slots[at + 1] = this.used + packed.length;
    slots[at + 2] = zeroCount;
    slots[at + 3] = count;
    slots[at + 4] = sum;
    slots[at + 5] = min;
    slots[at + 6] = max;
    this.used += packed.length;
  }

  get(slot: number): LatencyHistogram {
    const { slots } = this;
    const at = slot * HistogramStore.SLOT_FIELDS;
    const scalars = { zeroCount: slots[at + 2], count: slots[at + 3], sum: slots[at + 4], min: slots[at + 5], max: slots[at + 6] };
    return LatencyHistogram.fromPacked(this.bytes.subarray(slots[at], slots[at + 1]), scalars);
  }

  /**
   * The slot's quantiles for `qs` in ascending order, what its LatencyHistogram's quantile()
   * gives, its buckets unpacked into one reused array: analysis reads four of each of 165,000
   * pairs at 5,000 nodes, and making each histogram again to read them was ~80 MB of garbage.
   */
  quantiles(slot: number, qs: readonly number[]): (number | null)[] {
    const at = slot * HistogramStore.SLOT_FIELDS;
    const { slots } = this;
    const occupied = this.unpacked(slot);
    return quantilesOf(this.scratch, this.scratch.length >> 1, occupied, { zeroCount: slots[at + 2], count: slots[at + 3], min: slots[at + 5], max: slots[at + 6] }, qs);
  }

  /** The slot's LatencyHistogram's countAtLeast(thresholdMs), read the same way. */
  countAtLeast(slot: number, thresholdMs: number): number {
    const occupied = this.unpacked(slot);
    return countAtLeastOf(this.scratch, this.scratch.length >> 1, occupied, this.slots[slot * HistogramStore.SLOT_FIELDS + 3], thresholdMs);
  }

  /** Unpacks the slot's buckets into `scratch` (indices in its first half, counts in its second); returns how many. */
  private unpacked(slot: number): number {
    const at = slot * HistogramStore.SLOT_FIELDS;
    const start = this.slots[at];
    const end = this.slots[at + 1];
    // Two bytes at least a bucket: half the bytes is room enough for each half.
    if (end - start > this.scratch.length) this.scratch = new Int32Array(2 * (end - start));
    return unpack(this.bytes, start, end, this.scratch, this.scratch.length >> 1);
  }
}

/**
 * packedBuckets' bytes [start, end) into `buckets`: the occupied indices from 0, their counts
 * from `capacity`. Returns how many buckets there were.
 */
function unpack(bytes: Uint8Array, start: number, end: number, buckets: Int32Array, capacity: number): number {
  let index = LOWEST_BUCKET;
  let value = 0;
  let scale = 1;
  let read = 0;
  for (let i = start; i < end; i++) {
    const byte = bytes[i];
    value += (byte & 127) * scale;
    if (byte >= 128) {
      scale *= 128;
      continue;
    }
    // A bucket's step from the one before, then its count.
    const j = read >> 1;
    if (read++ % 2 === 0) buckets[j] = index += value;
    else buckets[capacity + j] = value;
    value = 0;
    scale = 1;
  }
  return read >> 1;
}

/** Quantiles for `qs` ascending of occupied buckets as LatencyHistogram holds them (indices, then counts from `capacity`). */
function quantilesOf(buckets: Int32Array, capacity: number, occupied: number, scalars: Pick<HistogramScalars, 'zeroCount' | 'count' | 'min' | 'max'>, qs: readonly number[]): (number | null)[] {
  const { zeroCount, count, min, max } = scalars;
  if (count === 0) return qs.map(() => null);
  const answers: (number | null)[] = [];
  while (answers.length < qs.length && quantileRank(qs[answers.length], count) <= zeroCount) answers.push(min);
  let seen = zeroCount;
  for (let j = 0; j < occupied && answers.length < qs.length; j++) {
    seen += buckets[capacity + j];
    while (answers.length < qs.length && quantileRank(qs[answers.length], count) <= seen) answers.push(bucketEstimate(buckets[j], min, max));
  }
  while (answers.length < qs.length) answers.push(max);
  return answers;
}

/** How many of the buckets' values are >= thresholdMs (to bucket precision). */
function countAtLeastOf(buckets: Int32Array, capacity: number, occupied: number, count: number, thresholdMs: number): number {
  if (thresholdMs <= MIN_TRACKED_MS) return count;
  const from = bucketIndex(thresholdMs);
  let n = 0;
  for (let j = 0; j < occupied; j++) if (buckets[j] >= from) n += buckets[capacity + j];
  return n;
}

/**
 * Nearest-rank: the q-quantile is the smallest value with at least q·n of the n samples at or
 * below it. q <= 0 is the minimum (rank 0, at or below any zero count) and q >= 1 the maximum
 * (a rank no bucket reaches), both exact.
 */
function quantileRank(q: number, count: number): number {
  if (q <= 0) return 0;
  if (q >= 1) return Infinity;
  return Math.max(1, Math.ceil(q * count));
}

/** The point of bucket i whose relative distance to both edges is RELATIVE_ACCURACY, within the exact extremes. */
function bucketEstimate(index: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, (2 * Math.pow(GAMMA, index)) / (GAMMA + 1)));
}

/** `array`, or a copy at least twice as long when it is shorter than `length`. */
export function withRoom<T extends Uint8Array<ArrayBuffer> | Float64Array<ArrayBuffer>>(array: T, length: number): T {
  if (length <= array.length) return array;
  const grown = new (array.constructor as new (length: number) => T)(Math.max(length, 2 * array.length));
  grown.set(array);
  return grown;
}
