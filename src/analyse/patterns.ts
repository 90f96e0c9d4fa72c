// Pingmesh's heatmap patterns (Guo et al., "Pingmesh", SIGCOMM 2015, §4-5), found so that
// one cause is reported once: a bad row (one source), a bad column (one destination), row
// and column (one node), everything but the diagonal (what all pairs share), groups that
// fail only between each other (a partition). A pattern needs most of its pairs elevated
// (spread, not one bad pair) and their pooled count significant (more than noise even
// when each pair has few probes). Flagged pairs that no pattern explains stay single.
//
// The pooled evidence is the mixture e-value (sequential-test.ts) of the scope's probes taken
// together, on the flag side. Why pooled, and why it stays valid when confirmation probing
// stopped each series at a data-dependent time: under the pattern's null every cell of the
// scope loses at most p0, so the scope's probes, in whatever order the agents sent them and
// however each series was stopped, are Bernoulli trials whose chances p_t are all <= p0 given
// the past. For each alternative q >= p0 of the mixture, Π (q/p0)^x (1-q)^(1-x)/(1-p0)^(1-x) is
// then a nonnegative supermartingale; for q < p0 the same product is below 1 whenever the
// pooled k/n is above p0 (the likelihood rises up to k/n). So the flag-side e-value is at most
// that supermartingale mixture plus the prior weight below p0, and its expectation at any
// stopping time is at most 1: an e-value, and P(it reaches T) <= 1/T. A product of the cells'
// own e-values would be valid too, but one clean-looking cell (e-value 0 on the flag side)
// zeroes it, and a row that is 80 % elevated is exactly the case to find. Fixed-n tests of the
// pooled count (binomial, Wilson) would not hold: the series' lengths depend on their data.
import { logEvidence } from '../shared/sequential-test.ts';
import { wilsonInterval, type Proportion } from './wilson.ts';

/** A cell's count: failures (lost probes, retransmitted SYNs, slow samples) out of n, over the cell's protocols. */
export interface CellCount {
  k: number;
  n: number;
  /** Its 95 % Wilson lower bound is past the threshold. */
  elevated: boolean;
}

export interface MatrixCell extends CellCount {
  source: string;
  destination: string;
  /** Elevated and significant on its own across the run (false discovery rate control). */
  flagged: boolean;
}

/**
 * How detectPatterns reads a cell of whatever kind: analysis passes its judged pairs as they
 * are, read through one metric's measurements, where a MatrixCell made for each pair and
 * metric was ~300,000 objects at 5,000 nodes.
 */
export interface CellReader<Cell> {
  source(cell: Cell): string;
  destination(cell: Cell): string;
  count(cell: Cell): CellCount;
  flagged(cell: Cell): boolean;
}

const MATRIX_CELLS: CellReader<MatrixCell> = {
  source: (cell) => cell.source,
  destination: (cell) => cell.destination,
  count: (cell) => cell,
  flagged: (cell) => cell.flagged,
};

export type MatrixPatternName = 'all-but-diagonal' | 'bad-node' | 'bad-source' | 'bad-destination' | 'partition' | 'pair';

export interface MatrixPattern<Cell> {
  pattern: MatrixPatternName;
  /** The node for row/column patterns; null otherwise. */
  node: string | null;
  groups: string[][] | null;
  /** The elevated cells this pattern explains. */
  cells: Cell[];
  /** The measured cells in the pattern's scope. */
  scope: Cell[];
  /** The scope's cells pooled, with ln E of the pooled count against p0. */
  pooled: Pooled;
  /** The tests this pattern was one of (Bonferroni), so the level ln(tests / alpha) it cleared. */
  tests: number;
}

export type Pooled = Proportion & { k: number; n: number; logEvidence: number };

export interface PatternRules {
  /** The rate the cells are tested against (the loss threshold, or 1 % for a p99 limit). */
  p0: number;
  /** Share of a scope's cells that must be elevated. */
  share: number;
  /** Family-wise error rate shared by this matrix's pattern tests (Bonferroni over e-values: each at e >= tests / alpha). */
  alpha: number;
  /** Rows and columns are the same nodes (a node matrix), so matrix-wide patterns apply; not for a column of resolvers. */
  square: boolean;
}

// A row or column of one cell says nothing about the node (N = 2 cannot tell which end is bad).
const MIN_CELLS_FOR_LINE = 2;
const MIN_NODES_FOR_MATRIX_PATTERN = 3;

export function detectPatterns(cells: readonly MatrixCell[], rules: PatternRules): MatrixPattern<MatrixCell>[];
export function detectPatterns<Cell>(cells: readonly Cell[], rules: PatternRules, read: CellReader<Cell>): MatrixPattern<Cell>[];
export function detectPatterns<Cell>(cells: readonly Cell[], rules: PatternRules, read = MATRIX_CELLS as unknown as CellReader<Cell>): MatrixPattern<Cell>[] {
  const elevated = (cell: Cell) => read.count(cell).elevated;
  if (!cells.some(elevated)) return [];
  const ends = new CellEnds(cells, read);
  const { nodes } = ends;
  // Every node's row and column, the whole matrix and one partition: the tests one matrix can make.
  const scopeTests = 2 * nodes.length + 2;
  const pattern = (name: MatrixPatternName, scope: readonly Cell[], node: string | null = null, groups: string[][] | null = null): MatrixPattern<Cell> | null => {
    const pooled = pooledIfSpread(scope, rules, scopeTests, read);
    return pooled ? { pattern: name, node, groups, cells: scope.filter(elevated), scope: [...scope], pooled, tests: scopeTests } : null;
  };

  if (rules.square && nodes.length >= MIN_NODES_FOR_MATRIX_PATTERN) {
    const everything = pattern('all-but-diagonal', cells);
    if (everything) return [everything];
  }

  const patterns: MatrixPattern<Cell>[] = [];
  const rows = ends.byNode(ends.source);
  const columns = ends.byNode(ends.destination);
  const onLine = new Uint8Array(nodes.length);
  nodes.forEach((node, id) => {
    const row = pattern('bad-source', rows[id], node);
    const column = pattern('bad-destination', columns[id], node);
    if (row && column) {
      const scope = [...rows[id], ...columns[id]];
      // Its row and column each cleared the level on their own; the finding quotes the weaker.
      const weaker = row.pooled.logEvidence < column.pooled.logEvidence ? row : column;
      patterns.push({ pattern: 'bad-node', node, groups: null, cells: scope.filter(elevated), scope, pooled: { ...pooledOf(scope, rules.p0, read), logEvidence: weaker.pooled.logEvidence }, tests: scopeTests });
    } else if (row ?? column) patterns.push((row ?? column)!);
    if (row ?? column) onLine[id] = 1;
  });

  if (rules.square) {
    const rest: number[] = [];
    for (let i = 0; i < cells.length; i++) if (!onLine[ends.source[i]] && !onLine[ends.destination[i]]) rest.push(i);
    // Without an elevated cell among them no partition can clear its share (pooledIfSpread).
    const groups = rest.some((i) => elevated(cells[i])) ? ends.componentsWithoutElevated(rest) : [];
    if (groups.length > 1) {
      const groupOf = new Map(groups.flatMap((group, i) => group.map((node) => [node, i] as const)));
      const restCells = rest.map((i) => cells[i]);
      const partition = pattern('partition', restCells.filter((cell) => groupOf.get(read.source(cell)) !== groupOf.get(read.destination(cell))), null, groups);
      if (partition) patterns.push(partition);
    }
  }

  // What is left are pairs, said once for both directions when both are flagged.
  const explained = new Set(patterns.flatMap((p) => p.cells));
  // Indexed when a first flagged cell asks: most matrices have none left.
  let byEnds: Map<string, Cell> | null = null;
  for (const cell of cells) {
    if (!read.flagged(cell) || explained.has(cell)) continue;
    byEnds ??= new Map(cells.map((c) => [`${read.source(c)}|${read.destination(c)}`, c]));
    const reverse = byEnds.get(`${read.destination(cell)}|${read.source(cell)}`);
    const both = reverse && read.flagged(reverse) && !explained.has(reverse) ? [cell, reverse] : [cell];
    both.forEach((c) => explained.add(c));
    patterns.push({ pattern: 'pair', node: null, groups: null, cells: both, scope: both, pooled: pooledOf(both, rules.p0, read), tests: scopeTests });
  }
  return patterns;
}

/**
 * The cells' nodes numbered in the order first seen (each cell's source, then its destination),
 * and each cell's ends by number: a 5,000-node matrix has ~55,000 cells a protocol, and its rows,
 * columns and components keyed by node names (and by "source|destination" text) were most of
 * the time patterns took.
 */
class CellEnds<Cell> {
  readonly nodes: string[] = [];
  readonly source: Int32Array;
  readonly destination: Int32Array;
  private readonly cells: readonly Cell[];
  private readonly read: CellReader<Cell>;

  constructor(cells: readonly Cell[], read: CellReader<Cell>) {
    this.cells = cells;
    this.read = read;
    this.source = new Int32Array(cells.length);
    this.destination = new Int32Array(cells.length);
    const ids = new Map<string, number>();
    const idOf = (node: string) => {
      let id = ids.get(node);
      if (id === undefined) ids.set(node, (id = this.nodes.push(node) - 1));
      return id;
    };
    for (let i = 0; i < cells.length; i++) {
      this.source[i] = idOf(read.source(cells[i]));
      this.destination[i] = idOf(read.destination(cells[i]));
    }
  }

  /** Each node's cells by one end (a row by source, a column by destination), in the cells' order. */
  byNode(end: Int32Array): Cell[][] {
    const lines: Cell[][] = this.nodes.map(() => []);
    for (let i = 0; i < end.length; i++) lines[end[i]].push(this.cells[i]);
    return lines;
  }

  /**
   * Connected components of the graph of `rest`'s nodes (cells by index) whose edges are the
   * node pairs with no elevated cell either way; nodes and groups in the order first seen.
   */
  componentsWithoutElevated(rest: readonly number[]): string[][] {
    const count = this.nodes.length;
    const parent = Int32Array.from({ length: count }, (_, id) => id);
    const root = (id: number): number => {
      let r = id;
      while (parent[r] !== r) r = parent[r];
      parent[id] = r;
      return r;
    };
    const elevatedBetween = new Set<number>();
    for (const i of rest) {
      if (!this.read.count(this.cells[i]).elevated) continue;
      elevatedBetween.add(this.source[i] * count + this.destination[i]).add(this.destination[i] * count + this.source[i]);
    }
    const order: number[] = [];
    const seen = new Uint8Array(count);
    for (const i of rest) {
      for (const id of [this.source[i], this.destination[i]]) if (!seen[id]) (seen[id] = 1, order.push(id));
      if (!elevatedBetween.has(this.source[i] * count + this.destination[i])) parent[root(this.source[i])] = root(this.destination[i]);
    }
    const groups = new Map<number, string[]>();
    for (const id of order) {
      const r = root(id);
      const group = groups.get(r);
      if (group) group.push(this.nodes[id]);
      else groups.set(r, [this.nodes[id]]);
    }
    return [...groups.values()];
  }
}

/** The scope pooled, when enough of its cells are elevated and the pooled flag-side e-value clears the Bonferroni level. */
function pooledIfSpread<Cell>(scope: readonly Cell[], rules: PatternRules, tests: number, read: CellReader<Cell>): Pooled | null {
  if (scope.length < MIN_CELLS_FOR_LINE) return null;
  let elevated = 0;
  for (let i = 0; i < scope.length; i++) if (read.count(scope[i]).elevated) elevated++;
  if (elevated < rules.share * scope.length) return null;
  const pooled = pooledOf(scope, rules.p0, read);
  return pooled.ratio > rules.p0 && pooled.logEvidence >= Math.log(tests / rules.alpha) ? pooled : null;
}

function pooledOf<Cell>(cells: readonly Cell[], p0: number, read: CellReader<Cell>): Pooled {
  let k = 0;
  let n = 0;
  for (let i = 0; i < cells.length; i++) {
    const count = read.count(cells[i]);
    k += count.k;
    n += count.n;
  }
  return { k, n, ...wilsonInterval(k, n), logEvidence: logEvidence(k, n, p0) };
}
