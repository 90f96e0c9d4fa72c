// One frozen value for every pair report that holds the same one. At 5,000 nodes a run has
// 165,000 pair rows and most of them the same few sub-records (0 of 300 lost, no errors, the
// same probes to decide): each its own object cost ~80 B and its fractions a boxed number
// apiece, a third of the report's heap. Frozen, so that no reader changes one for all.
export class Interned<T extends object> {
  private readonly values = new Map<string | number, T>();

  get(key: string | number, make: () => T): T {
    let value = this.values.get(key);
    if (value === undefined) {
      value = Object.freeze(make());
      this.values.set(key, value);
    }
    return value;
  }
}

/** A key for two counts k ≤ n: one exact number while n < 2^26 (k + n·2^26 < 2^53), else text. */
export function countsKey(k: number, n: number): string | number {
  return n < 2 ** 26 && k >= 0 && Number.isInteger(k) && Number.isInteger(n) ? k + n * 2 ** 26 : `${k}/${n}`;
}
