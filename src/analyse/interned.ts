// One frozen value for every pair report that holds the same one. At 5,000 nodes a run has
// 165,000 pair rows and most of them the same few sub-records (0 of 30 lost, no errors, the
// same probes to decide): each its own object cost ~80 B and its fractions a boxed number
// apiece, a third of the report's heap. Frozen, so that no reader changes one for all.
// Looked up and kept in two steps, not through a callback: a closure made per pair to make a
// value that is nearly always found already was ~30 MB of garbage at that size.
export class Interned<T extends object> {
  private readonly values = new Map<string, T>();

  find(key: string): T | undefined {
    return this.values.get(key);
  }

  keep(key: string, value: T): T {
    this.values.set(key, Object.freeze(value));
    return value;
  }
}

/**
 * Values by two counts k and n, nested by n then k: counts are small integers, which V8 keys a
 * Map by without a box (one number k + n·2^26 is past its small integers, a boxed number a
 * lookup, and text a string a lookup).
 */
export class ByCounts<T> {
  private readonly byN = new Map<number, Map<number, T>>();

  get(k: number, n: number): T | undefined {
    return this.byN.get(n)?.get(k);
  }

  set(k: number, n: number, value: T): T {
    let byK = this.byN.get(n);
    if (!byK) this.byN.set(n, (byK = new Map()));
    byK.set(k, value);
    return value;
  }
}
