// Pingmesh's heatmap patterns (Guo et al., "Pingmesh", SIGCOMM 2015, §4-5), found so that
// one cause is reported once: a bad row (one source), a bad column (one destination), row
// and column (one node), everything but the diagonal (what all pairs share), groups that
// fail only between each other (a partition). A pattern needs most of its pairs elevated
// (spread, not one bad pair) and their pooled count significant (more than noise even
// when each pair has few probes). Flagged pairs that no pattern explains stay single.
import { groupBy } from '../shared/group-by.ts';
import { binomialUpperTail } from './significance.ts';
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
  /** How many measured cells lie in the pattern's scope. */
  measured: number;
  /** The scope's cells pooled. */
  pooled: Proportion & { k: number; n: number };
}

export interface PatternRules {
  /** The rate the cells are tested against (the loss threshold, or 1 % for a p99 limit). */
  p0: number;
  /** Share of a scope's cells that must be elevated. */
  share: number;
  /** Family-wise error rate shared by this matrix's pattern tests (Bonferroni). */
  alpha: number;
  /** Rows and columns are the same nodes (a node matrix), so matrix-wide patterns apply; not for a column of resolvers. */
  square: boolean;
}

// A row or column of one cell says nothing about the node (N = 2 cannot tell which end is bad).
const MIN_CELLS_FOR_LINE = 2;
const MIN_NODES_FOR_MATRIX_PATTERN = 3;

export function detectPatterns<Cell extends MatrixCell>(cells: readonly Cell[], rules: PatternRules): MatrixPattern<Cell>[] {
  if (!cells.some((cell) => cell.elevated)) return [];
  const nodes = [...new Set(cells.flatMap((cell) => [cell.source, cell.destination]))];
  // Every node's row and column, the whole matrix and one partition: the tests one matrix can make.
  const scopeTests = 2 * nodes.length + 2;
  const pattern = (name: MatrixPatternName, scope: readonly Cell[], node: string | null = null, groups: string[][] | null = null): MatrixPattern<Cell> | null => {
    const pooled = pooledIfSpread(scope, rules, scopeTests);
    return pooled ? { pattern: name, node, groups, cells: scope.filter((cell) => cell.elevated), measured: scope.length, pooled } : null;
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
      patterns.push({ pattern: 'bad-node', node, groups: null, cells: scope.filter((cell) => cell.elevated), measured: scope.length, pooled: pooledOf(scope) });
    } else if (row ?? column) patterns.push((row ?? column)!);
  }

  if (rules.square) {
    const lineNodes = new Set(patterns.map((p) => p.node));
    const rest = cells.filter((cell) => !lineNodes.has(cell.source) && !lineNodes.has(cell.destination));
    const groups = componentsWithoutElevated(rest);
    if (groups.length > 1) {
      const groupOf = new Map(groups.flatMap((group, i) => group.map((node) => [node, i] as const)));
      const partition = pattern('partition', rest.filter((cell) => groupOf.get(cell.source) !== groupOf.get(cell.destination)), null, groups);
      if (partition) patterns.push(partition);
    }
  }

  // What is left are pairs, said once for both directions when both are flagged.
  const explained = new Set(patterns.flatMap((p) => p.cells));
  const byEnds = new Map(cells.map((cell) => [`${cell.source}|${cell.destination}`, cell]));
  for (const cell of cells) {
    if (!cell.flagged || explained.has(cell)) continue;
    const reverse = byEnds.get(`${cell.destination}|${cell.source}`);
    const both = reverse?.flagged && !explained.has(reverse) ? [cell, reverse] : [cell];
    both.forEach((c) => explained.add(c));
    patterns.push({ pattern: 'pair', node: null, groups: null, cells: both, measured: both.length, pooled: pooledOf(both) });
  }
  return patterns;
}

/** The scope pooled, when enough of its cells are elevated and the pooled count is significant. */
function pooledIfSpread<Cell extends MatrixCell>(scope: readonly Cell[], rules: PatternRules, tests: number): (Proportion & { k: number; n: number }) | null {
  if (scope.length < MIN_CELLS_FOR_LINE || scope.filter((cell) => cell.elevated).length < rules.share * scope.length) return null;
  const pooled = pooledOf(scope);
  return pooled.low > rules.p0 && binomialUpperTail(pooled.k, pooled.n, rules.p0) <= rules.alpha / tests ? pooled : null;
}

function pooledOf(cells: readonly MatrixCell[]): Proportion & { k: number; n: number } {
  const k = cells.reduce((total, cell) => total + cell.k, 0);
  const n = cells.reduce((total, cell) => total + cell.n, 0);
  return { k, n, ...wilsonInterval(k, n) };
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
