// Pingmesh's heatmap patterns (Guo et al., "Pingmesh", SIGCOMM 2015, §4-5), found in a
// matrix of flagged cells so that one cause is reported once: a bad row (one source), a
// bad column (one destination), row and column (one node), everything but the diagonal
// (the network all pairs share), groups that fail only between each other (a partition).
// What no pattern explains is left as single pairs.
import { groupBy } from '../shared/group-by.ts';

export interface MatrixCell {
  source: string;
  destination: string;
  flagged: boolean;
}

export type MatrixPatternName = 'all-but-diagonal' | 'bad-node' | 'bad-source' | 'bad-destination' | 'partition' | 'pair';

export interface MatrixPattern<Cell extends MatrixCell> {
  pattern: MatrixPatternName;
  /** The node for row/column patterns; null for matrix-wide ones and pairs. */
  node: string | null;
  groups: string[][] | null;
  /** The flagged cells this pattern explains. */
  flagged: Cell[];
  /** How many measured cells lie in the pattern's scope. */
  measured: number;
}

// A row or column of one cell says nothing about the node (N = 2 cannot tell which end is bad).
const MIN_CELLS_FOR_LINE = 2;
const MIN_NODES_FOR_MATRIX_PATTERN = 3;

/**
 * `square`: rows and columns are the same nodes (a node matrix), so matrix-wide patterns
 * apply; not for a column of resolvers.
 */
export function detectPatterns<Cell extends MatrixCell>(cells: readonly Cell[], share: number, square: boolean): MatrixPattern<Cell>[] {
  const flagged = cells.filter((cell) => cell.flagged);
  if (flagged.length === 0) return [];
  const nodes = [...new Set(cells.flatMap((cell) => [cell.source, cell.destination]))];

  if (square && nodes.length >= MIN_NODES_FOR_MATRIX_PATTERN && flagged.length >= share * cells.length) {
    return [{ pattern: 'all-but-diagonal', node: null, groups: null, flagged, measured: cells.length }];
  }

  const patterns: MatrixPattern<Cell>[] = [];
  const explained = new Set<Cell>();
  const mostlyFlagged = (line: readonly Cell[]) => line.length >= MIN_CELLS_FOR_LINE && line.filter((c) => c.flagged).length >= share * line.length;
  const rows = groupBy(cells, (cell) => cell.source);
  const columns = groupBy(cells, (cell) => cell.destination);
  for (const node of nodes) {
    const row = rows.get(node) ?? [];
    const column = columns.get(node) ?? [];
    const badRow = mostlyFlagged(row);
    const badColumn = mostlyFlagged(column);
    if (!badRow && !badColumn) continue;
    const scope = [...(badRow ? row : []), ...(badColumn ? column : [])];
    const pattern = badRow && badColumn ? 'bad-node' : badRow ? 'bad-source' : 'bad-destination';
    patterns.push({ pattern, node, groups: null, flagged: scope.filter((cell) => cell.flagged), measured: scope.length });
    scope.forEach((cell) => explained.add(cell));
  }

  if (square) {
    const lineNodes = new Set(patterns.map((p) => p.node));
    const partition = detectPartition(cells.filter((cell) => !lineNodes.has(cell.source) && !lineNodes.has(cell.destination)), share);
    if (partition) {
      patterns.push(partition);
      partition.flagged.forEach((cell) => explained.add(cell));
    }
  }

  for (const cell of flagged) {
    if (!explained.has(cell)) patterns.push({ pattern: 'pair', node: null, groups: null, flagged: [cell], measured: 1 });
  }
  return patterns;
}

/** Connected components of the graph whose edges are the node pairs with no flagged cell. */
function detectPartition<Cell extends MatrixCell>(cells: readonly Cell[], share: number): MatrixPattern<Cell> | null {
  const parent = new Map<string, string>();
  const root = (node: string): string => {
    let r = node;
    while (parent.get(r) !== r) r = parent.get(r)!;
    parent.set(node, r);
    return r;
  };
  for (const cell of cells) for (const node of [cell.source, cell.destination]) if (!parent.has(node)) parent.set(node, node);
  const flaggedBetween = new Set(cells.filter((c) => c.flagged).flatMap((c) => [`${c.source}|${c.destination}`, `${c.destination}|${c.source}`]));
  for (const cell of cells) {
    if (!flaggedBetween.has(`${cell.source}|${cell.destination}`)) parent.set(root(cell.source), root(cell.destination));
  }

  const groupsByRoot = groupBy(parent.keys(), root);
  if (groupsByRoot.size < 2) return null;
  const crossGroup = cells.filter((cell) => root(cell.source) !== root(cell.destination));
  const flagged = crossGroup.filter((cell) => cell.flagged);
  if (flagged.length < share * crossGroup.length) return null;
  return { pattern: 'partition', node: null, groups: [...groupsByRoot.values()], flagged, measured: crossGroup.length };
}
