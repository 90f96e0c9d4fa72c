// A rows × columns grid of graded cells, compact (one space between columns, no rules)
// so that twelve nodes fit in 80 columns.
import { paint, type Paint } from './ansi.ts';
import type { CellGrade, HeatCell } from './cells.ts';
import { compactTable, type Align } from './compact-table.ts';

export interface HeatmapModel {
  /** Row and column keys (node names or group values). */
  rows: readonly string[];
  columns: readonly string[];
  /** Key → the short label printed. */
  labels: ReadonlyMap<string, string>;
  cell(row: string, column: string): HeatCell;
  /** An extra column per row, e.g. the row's DNS. */
  extra?: { title: string; cell(row: string): HeatCell };
}

/** Colour only doubles the marks (! * ?): a reader without it sees the same verdicts. */
const GRADE_PAINT: Record<CellGrade, Paint | null> = {
  clear: 'green', inconclusive: null, measured: null, warning: 'yellow', critical: 'red', diagonal: 'grey', unmeasured: 'grey', 'no-data': 'grey',
};
/** "100!" is the widest cell text. */
const CELL_WIDTH = 4;

function columnWidths(model: Pick<HeatmapModel, 'rows' | 'columns' | 'labels' | 'extra'>): number[] {
  const label = (key: string) => model.labels.get(key)!.length;
  return [
    Math.max(1, ...model.rows.map(label)),
    ...model.columns.map((key) => Math.max(CELL_WIDTH, label(key))),
    ...(model.extra ? [Math.max(CELL_WIDTH, model.extra.title.length)] : []),
  ];
}

/** Printed width of the heatmap for these labels, without drawing it. */
export function heatmapWidth(model: Pick<HeatmapModel, 'rows' | 'columns' | 'labels' | 'extra'>): number {
  const widths = columnWidths(model);
  return widths.reduce((a, b) => a + b, 0) + widths.length - 1;
}

export function renderHeatmap(model: HeatmapModel, color: boolean): string {
  const label = (key: string) => model.labels.get(key)!;
  const extraTitle = model.extra ? [model.extra.title] : [];
  const painted = (cell: HeatCell) => (GRADE_PAINT[cell.grade] ? paint(cell.text, GRADE_PAINT[cell.grade]!, color) : cell.text);
  const rows = model.rows.map((row) => [
    label(row),
    ...model.columns.map((column) => painted(model.cell(row, column))),
    ...(model.extra ? [painted(model.extra.cell(row))] : []),
  ]);
  const aligns: Align[] = ['left', ...model.columns.map((): Align => 'right'), ...extraTitle.map((): Align => 'right')];
  return compactTable(['', ...model.columns.map(label), ...extraTitle], rows, aligns, columnWidths(model));
}
