// cli-table3 without rules: one space between columns, no trailing blanks.
import Table from 'cli-table3';

const NO_RULES = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: ' ',
};

export type Align = 'left' | 'right';

export function compactTable(head: string[], rows: string[][], aligns: Align[], colWidths?: number[]): string {
  const table = new Table({
    head,
    chars: NO_RULES,
    style: { head: [], border: [], 'padding-left': 0, 'padding-right': 0 },
    colAligns: aligns,
    ...(colWidths ? { colWidths } : {}),
  });
  table.push(...rows);
  // cli-table3 pads every line to the full width: trailing blanks are noise in a terminal and in golden files.
  return table.toString().split('\n').map((line) => line.trimEnd()).join('\n');
}
