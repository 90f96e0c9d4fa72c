// /proc/net/stat/arp_cache and /proc/net/stat/nf_conntrack: a header of column names, then one
// row per CPU of hex numbers (net/core/neighbour.c neigh_stat_seq_show, nf_conntrack_standalone.c).
// The first column ("entries") is the table's current size, the same on every row; the
// others are per-CPU event counts, so the table's count is their sum.

export interface HexStatTable {
  /** Column → the first row's value (for "entries") */
  current: Map<string, number>;
  /** Column → summed over the CPU rows (for event counters like table_fulls, insert_failed). */
  total: Map<string, number>;
  /** Column → each CPU's value: 32-bit counters that wrap, so deltas are taken per CPU. */
  perCpu: Map<string, number[]>;
}

export function parseHexStatTable(text: string): HexStatTable {
  const [header, ...rows] = text.split('\n').map((line) => line.trim()).filter(Boolean);
  const names = (header ?? '').split(/\s+/);
  const values = rows.map((row) => row.split(/\s+/).map((hex) => parseInt(hex, 16)));
  if (names.length === 0 || values.length === 0 || values.some((row) => row.length !== names.length || row.some(Number.isNaN))) {
    throw new Error('not a table of hex counters per CPU');
  }
  return {
    current: new Map(names.map((name, i) => [name, values[0][i]])),
    total: new Map(names.map((name, i) => [name, values.reduce((sum, row) => sum + row[i], 0)])),
    perCpu: new Map(names.map((name, i) => [name, values.map((row) => row[i])])),
  };
}
