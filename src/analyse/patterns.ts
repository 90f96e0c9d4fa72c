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
import { groupBy } from '../shared/group-by.ts';
import { logEvidence } from '../shared/sequential-test.ts';
import { wilsonInterval, type Proportion } from './wilson.ts';

export interface MatrixCell {
  source: string;
  destination: string;
  /** Failures (lost probes, retransmitted SYNs, slow samples) out of n, over the cell's protocols. */
  k: number;
  n: number;
  /** Its 95 % Wilson lower bound is past the threshold. */
  elevated: boolean;
  /** Elevated and significant on its own across the run (false discovery rate control). */
  flagged: boolean;
}

export type MatrixPatternName = 'all-but-diagonal' | 'bad-node' | 'bad-source' | 'bad-destination' | 'partition' | 'pair';

export interface MatrixPattern<Cell extends MatrixCell> {
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

export function detectPatterns<Cell extends MatrixCell>(cells: readonly Cell[], rules: PatternRules): MatrixPattern<Cell>[] {
  if (!cells.some((cell) => cell.elevated)) return [];
  const ends = new Set<string>();
  for (const cell of cells) ends.add(cell.source).add(cell.destination);
  const nodes = [...ends];
  // Every node's row and column, the whole matrix and one partition: the tests one matrix can make.
  const scopeTests = 2 * nodes.length + 2;
  const pattern = (name: MatrixPatternName, scope: readonly Cell[], node: string | null = null, groups: string[][] | null = null): MatrixPattern<Cell> | null => {
    const pooled = pooledIfSpread(scope, rules, scopeTests);
    return pooled ? { pattern: name, node, groups, cells: scope.filter((cell) => cell.elevated), scope: [...scope], pooled, tests: scopeTests } : null;
  };

  if (rules.square && nodes.length >= MIN_NODES_FOR_MATRIX_PATTERN) {
    const everything = pattern('all-but-diagonal', cells);
    if (everything) return [everything];
  }

  const patterns: MatrixPattern<Cell>[] = [];
  const rows = groupBy(cells, (cell) => cell.source);
  const columns = groupBy(cells, (cell) => cell.destination);
  for (const node of nodes) {
    const row = pattern('bad-source', rows.get(node) ?? [], node);
    const column = pattern('bad-destination', columns.get(node) ?? [], node);
    if (row && column) {
      const scope = [...rows.get(node)!, ...columns.get(node)!];
      // Its row and column each cleared the level on their own; the finding quotes the weaker.
      const weaker = row.pooled.logEvidence < column.pooled.logEvidence ? row : column;
      patterns.push({ pattern: 'bad-node', node, groups: null, cells: scope.filter((cell) => cell.elevated), scope, pooled: { ...pooledOf(scope, rules.p0), logEvidence: weaker.pooled.logEvidence }, tests: scopeTests });
    } else if (row ?? column) patterns.push((row ?? column)!);
  }

  if (rules.square) {
    const lineNodes = new Set(patterns.map((p) => p.node));
    const rest = cells.filter((cell) => !lineNodes.has(cell.source) && !lineNodes.has(cell.destination));
    // Without an elevated cell among them no partition can clear its share (pooledIfSpread).
    const groups = rest.some((cell) => cell.elevated) ? componentsWithoutElevated(rest) : [];
    if (groups.length > 1) {
      const groupOf = new Map(groups.flatMap((group, i) => group.map((node) => [node, i] as const)));
      const partition = pattern('partition', rest.filter((cell) => groupOf.get(cell.source) !== groupOf.get(cell.destination)), null, groups);
      if (partition) patterns.push(partition);
    }
  }

  // What is left are pairs, said once for both directions when both are flagged.
  const explained = new Set(patterns.flatMap((p) => p.cells));
  // Indexed when a first flagged cell asks: most matrices have none left.
  let byEnds: Map<string, Cell> | null = null;
  for (const cell of cells) {
    if (!cell.flagged || explained.has(cell)) continue;
    byEnds ??= new Map(cells.map((c) => [`${c.source}|${c.destination}`, c]));
    const reverse = byEnds.get(`${cell.destination}|${cell.source}`);
    const both = reverse?.flagged && !explained.has(reverse) ? [cell, reverse] : [cell];
    both.forEach((c) => explained.add(c));
    patterns.push({ pattern: 'pair', node: null, groups: null, cells: both, scope: both, pooled: pooledOf(both, rules.p0), tests: scopeTests });
  }
  return patterns;
}

/** The scope pooled, when enough of its cells are elevated and the pooled flag-side e-value clears the Bonferroni level. */
function pooledIfSpread<Cell extends MatrixCell>(scope: readonly Cell[], rules: PatternRules, tests: number): Pooled | null {
  if (scope.length < MIN_CELLS_FOR_LINE || scope.filter((cell) => cell.elevated).length < rules.share * scope.length) return null;
  const pooled = pooledOf(scope, rules.p0);
  return pooled.ratio > rules.p0 && pooled.logEvidence >= Math.log(tests / rules.alpha) ? pooled : null;
}

function pooledOf(cells: readonly MatrixCell[], p0: number): Pooled {
  const k = cells.reduce((total, cell) => total + cell.k, 0);
  const n = cells.reduce((total, cell) => total + cell.n, 0);
  return { k, n, ...wilsonInterval(k, n), logEvidence: logEvidence(k, n, p0) };
}

/** Connected components of the graph whose edges are the node pairs with no elevated cell. */
function componentsWithoutElevated(cells: readonly MatrixCell[]): string[][] {
  const parent = new Map<string, string>();
  const root = (node: string): string => {
    let r = node;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(node, r);
    return r;
  };
  for (const cell of cells) for (const node of [cell.source, cell.destination]) if (!parent.has(node)) parent.set(node, node);
  const elevatedBetween = new Set(cells.filter((c) => c.elevated).flatMap((c) => [`${c.source}|${c.destination}`, `${c.destination}|${c.source}`]));
  for (const cell of cells) {
    if (!elevatedBetween.has(`${cell.source}|${cell.destination}`)) parent.set(root(cell.source), root(cell.destination));
  }
  return [...groupBy(parent.keys(), root).values()];
}
