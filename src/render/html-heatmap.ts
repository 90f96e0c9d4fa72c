// The heatmap of the HTML report as inline SVG: rows are sources, columns destinations,
// then the DNS resolver(s). The first view grades each pair by its worst protocol and
// path; when several were measured, one view per protocol and path follows (tabs).
// Each cell carries its evidence in an SVG <title>: a tooltip without script, and the
// text the page script shows in the panel beside the map.
import { formatDuration, formatEValue, formatMs, formatPercent } from '../shared/format.ts';
import { isResolver, type Finding, type MatrixReport, type NodeReport, type PairReport, type ProportionInterval } from '../shared/report.ts';
import { verdictGrade, type CellGrade } from './cells.ts';
import { cellIndex } from './cell-index.ts';
import { escapeHtml } from './html-text.ts';
import { labelCandidates } from './names.ts';

/** The grades a loss heatmap draws, in legend order ('measured' is the p99 table's). */
const GRADE_NAMES: Partial<Record<CellGrade, string>> = {
  critical: 'flagged, critical', warning: 'flagged, warning', inconclusive: 'inconclusive (?): too few probes to tell', clear: 'clear',
  'no-data': 'no data', unmeasured: 'not measured', diagonal: 'same node',
};

/** A row or column: the full name (tooltips, legend) and the label drawn on the axis. */
interface Axis {
  name: string;
  label: string;
  resolver: boolean;
}

interface Cell {
  grade: CellGrade;
  /** Evidence lines, first line naming the pair. */
  title: string;
  /** The figure behind the worst flag, or "?" for an inconclusive cell, drawn in the cell when there is room. */
  figure: string;
}

interface View {
  title: string;
  pairs: readonly PairReport[];
  columns: Axis[];
}

/** Longest axis label before names are shortened (see names.ts); a legend then maps labels to names. */
const MAX_LABEL = 16;

export function nodeLabels(names: readonly string[]): Map<string, string> {
  const candidates = labelCandidates(names);
  return candidates.find((labels) => [...labels.values()].every((label) => label.length <= MAX_LABEL)) ?? candidates[candidates.length - 1];
}

/** Node names in the report's order, plus any that only the pairs mention. */
export function matrixNodes(report: MatrixReport): string[] {
  const names = new Set(report.nodes.map((node) => node.name));
  for (const pair of report.pairs) {
    names.add(pair.source);
    if (!isResolver(pair.destination)) names.add(pair.destination);
  }
  return [...names];
}

/**
 * The page draws every node pair in each view, ~205 characters of markup a cell (measured: 55.5 M
 * characters for 300 nodes in 3 views), and it is one string, whose longest in V8 is 2^29 - 24
 * characters: past this many nodes the page cannot be made at all.
 */
export function htmlNodeLimit(views: number): number {
  const CELL_CHARS = 205;
  const LONGEST_STRING = 2 ** 29 - 24;
  return Math.floor(Math.sqrt(LONGEST_STRING / (CELL_CHARS * Math.max(1, views))));
}

/** The views a page draws for node pairs of this many kinds (protocol × network): every pair, then each kind when there are several. */
export function htmlViewCount(kinds: number): number {
  return kinds > 1 ? kinds + 1 : 1;
}

/** What -o html says when the page cannot be made. */
export function htmlTooLarge(nodes: number, views: number): string {
  return `-o html draws every node pair: ${nodes} nodes in ${views} view${views === 1 ? '' : 's'} would pass the longest page that can be written (${htmlNodeLimit(views)} nodes); use -o json, or the table with --group-by LABEL`;
}

export interface HeatmapHtml {
  html: string;
  /** How many views (tabs) the page style must provide for. */
  views: number;
}

export function heatmapSection(report: MatrixReport, nodeNames: readonly string[], labels: ReadonlyMap<string, string>): HeatmapHtml {
  const rows: Axis[] = nodeNames.map((name) => ({ name, label: labels.get(name) ?? name, resolver: false }));
  const views = heatmapViews(report.pairs, rows);
  if (views.length === 0) return { html: '<p class="muted">No pairs were measured.</p>', views: 0 };
  if (rows.length > htmlNodeLimit(views.length)) throw new RangeError(htmlTooLarge(rows.length, views.length));
  const nodesByName = new Map(report.nodes.map((node) => [node.name, node]));
  const rendered = views.map((view, i) => viewHtml(view, i, rows, nodesByName, report.findings));
  const resolverNote = views[0].columns.some((column) => column.resolver) ? ' (then the DNS resolver)' : '';
  const caption = `<p class="muted">Rows are sources, columns destinations${resolverNote}. Hover over or focus a cell for its evidence.</p>`;
  const legend = gradeLegend() + namesLegend(rows);
  if (views.length === 1) return { html: `${caption}<div class="views">${rendered[0]}</div>${legend}`, views: 1 };
  const tabs = views.map((view, i) => `<input type="radio" name="view" id="tab-${i}"${i === 0 ? ' checked' : ''}><label for="tab-${i}">${escapeHtml(view.title)}</label>`);
  return { html: `${caption}<div class="tabs">${tabs.join('')}<div class="views">${rendered.join('')}</div></div>${legend}`, views: views.length };
}

function gradeLegend(): string {
  const items = Object.entries(GRADE_NAMES).map(([grade, name]) => `<li><span class="swatch g-${grade}"></span>${name}</li>`);
  return `<ul class="legend">${items.join('')}</ul>`;
}

/** Full names behind shortened axis labels. */
function namesLegend(rows: readonly Axis[]): string {
  const shortened = rows.filter((row) => row.label !== row.name);
  if (shortened.length === 0) return '';
  return `<dl class="names">${shortened.map((row) => `<div><dt>${escapeHtml(row.label)}</dt><dd>${escapeHtml(row.name)}</dd></div>`).join('')}</dl>`;
}

/** "tcp · pod network", "tcp · pod network (IPv6)". */
function viewKind(pair: PairReport): string {
  return `${pair.protocol} · ${pair.path} network${pair.family ? ' (IPv6)' : ''}`;
}

function heatmapViews(pairs: readonly PairReport[], nodes: readonly Axis[]): View[] {
  const nodePairs = pairs.filter((pair) => !isResolver(pair.destination));
  const resolvers = [...new Set(pairs.map((pair) => pair.destination).filter(isResolver))].sort();
  const resolverColumns = resolvers.map((name) => ({ name, label: resolvers.length === 1 ? 'DNS' : name.slice('dns:'.length), resolver: true }));
  const nodeColumns = nodePairs.length ? [...nodes] : [];
  if (nodeColumns.length + resolverColumns.length === 0) return [];
  // The analysis orders pairs by path, then protocol: the views follow that order.
  const kinds = [...new Set(nodePairs.map(viewKind))];
  const overall: View = { title: kinds.length > 1 ? 'All, worst per pair' : 'All', pairs, columns: [...nodeColumns, ...resolverColumns] };
  if (kinds.length < 2) return [overall];
  return [overall, ...kinds.map((kind) => ({
    title: kind,
    pairs: nodePairs.filter((pair) => viewKind(pair) === kind),
    columns: nodeColumns,
  }))];
}

// Geometry, in CSS pixels. Labels are monospace (11 px), so their width is predictable.
const CHAR_WIDTH = 6.8;
const GRID_WIDTH = 760;
const MIN_CELL = 16;
const MAX_CELL = 44;
const CELL_GAP = 2;
const RESOLVER_GAP = 12;
/** Smallest cell that can hold a figure such as "6.7%" or "12 ms". */
const FIGURE_CELL = 34;
/** Rotated column labels need this much room between neighbours, across the text (11 px font). */
const LABEL_LINE = 13;

function viewHtml(view: View, index: number, rows: readonly Axis[], nodesByName: ReadonlyMap<string, NodeReport>, findings: readonly Finding[]): string {
  const pairsAt = cellIndex(view.pairs, (pair) => pair.source, (pair) => pair.destination);
  const cells = rows.map((row) => view.columns.map((column) => cellOf(row, column, pairsAt(row.name, column.name) ?? [], nodesByName)));
  const headline = headlineCell(cells, rows, view.columns, findings);
  return `<div class="view view-${index}"><div class="heatmap-layout">`
    + `<div class="heatmap-scroll">${heatmapSvg(view, rows, cells, headline)}</div>`
    + `<aside class="detail" aria-live="polite"><div class="detail-body">${headline ? 'Hover over a cell for its evidence.' : `${quietNote(cells)} Hover over a cell for its evidence.`}</div></aside>`
    + '</div></div>';
}

/** A view without a flag: clean only if every cell is clear. */
function quietNote(cells: readonly Cell[][]): string {
  return cells.flat().some((cell) => cell.grade === 'inconclusive')
    ? 'Nothing is flagged; cells marked ? are inconclusive (too few probes to call them clean).'
    : 'Every measured pair is clear, shown within the thresholds.';
}

function cellOf(row: Axis, column: Axis, pairs: readonly PairReport[], nodesByName: ReadonlyMap<string, NodeReport>): Cell {
  const heading = `${row.name} → ${column.name}`;
  if (pairs.length === 0) {
    if (row.name === column.name) return { grade: 'diagonal', title: `${heading}\nsame node: not probed`, figure: '' };
    const missing = [row.name, column.name].map((name) => nodesByName.get(name)).find((node) => node?.status === 'no-data');
    if (missing) return { grade: 'no-data', title: `${heading}\nno data from ${missing.name}: ${missing.noDataReason ?? 'no reason given'}`, figure: '' };
    return { grade: 'unmeasured', title: `${heading}\nnot measured in this run`, figure: '' };
  }
  const grade = verdictGrade(pairs);
  const worst = pairs.find((pair) => pair.status === grade) ?? pairs[0];
  return { grade, title: [heading, ...pairs.map(pairEvidence)].join('\n\n'), figure: grade === 'inconclusive' ? '?' : flagFigure(worst) };
}

function isFlagged(cell: Cell): boolean {
  return cell.grade === 'warning' || cell.grade === 'critical';
}

/** The cell the panel starts on: the top finding's first pair in this view, else the first worst cell. */
function headlineCell(cells: readonly Cell[][], rows: readonly Axis[], columns: readonly Axis[], findings: readonly Finding[]): Cell | null {
  const rowIndex = new Map(rows.map((row, i) => [row.name, i]));
  const columnIndex = new Map(columns.map((column, j) => [column.name, j]));
  for (const finding of findings) {
    for (const pair of finding.evidence.pairs) {
      const cell = cells[rowIndex.get(pair.source) ?? -1]?.[columnIndex.get(pair.destination) ?? -1];
      if (cell && isFlagged(cell)) return cell;
    }
  }
  const flat = cells.flat();
  return flat.find((cell) => cell.grade === 'critical') ?? flat.find(isFlagged) ?? null;
}

/** The pair's evidence, one fact a line, as the tooltip and the detail panel show it. */
function pairEvidence(pair: PairReport): string {
  const latency = pair.latencyMs;
  const lines = [
    `${viewKind(pair)} → ${pair.target}`,
    `verdict: ${verdictLine(pair)}`,
    `${pair.successes} of ${pair.attempts} probes succeeded; loss ${interval(pair.loss)}`,
    latency.p50 === null ? 'latency: no probe succeeded'
      : `latency p50 ${msOrDash(latency.p50)} · p90 ${msOrDash(latency.p90)} · p99 ${msOrDash(latency.p99)} · max ${msOrDash(latency.max)}`,
  ];
  if (pair.synLoss) lines.push(`SYN retransmits ${pair.synRetransmits}; SYN-level loss ${interval(pair.synLoss)}`);
  if (pair.protocol === 'dns') lines.push(`DNS timeouts ${pair.dnsTimeouts}; answered only at resolver marks: ${resolverMarks(pair.dnsAnsweredAtResolverMarks)}`);
  const errors = Object.entries(pair.errors).filter(([, count]) => count > 0);
  if (errors.length) lines.push(`errors: ${errors.map(([code, count]) => `${code} ${count}`).join(', ')}`);
  return lines.join('\n');
}

function verdictLine(pair: PairReport): string {
  const evidence = Object.entries(pair.logEvidence).map(([measure, logE]) => `${measure} e = ${formatEValue(logE)}`).join(', ');
  const decide = pair.toDecide === undefined ? ''
    : pair.toDecide === null ? '; its loss is too close to the threshold for any run length to decide'
      : `; ${pair.toDecide.probes} more probes${pair.toDecide.seconds === null ? '' : ` (${formatDuration(pair.toDecide.seconds * 1000)})`} would decide it`;
  const what = pair.verdict === 'flagged' ? `flagged, ${pair.status} (${pair.flags.join(', ')})` : pair.verdict;
  return `${what}${decide}${evidence ? `\nevidence: ${evidence}` : ''}`;
}

function interval(proportion: ProportionInterval): string {
  if (proportion.ratio === null || proportion.low === null || proportion.high === null) return 'n/a (nothing sent)';
  return `${formatPercent(proportion.ratio)} (95% CI ${formatPercent(proportion.low)}-${formatPercent(proportion.high)})`;
}

function msOrDash(ms: number | null): string {
  return ms === null ? '-' : formatMs(ms);
}

/** [12, 0] → "12 after 1 resend, 0 after 2 resends". */
function resolverMarks(marks: readonly number[]): string {
  if (marks.every((count) => count === 0)) return 'none';
  return marks.map((count, i) => `${count} after ${i + 1} resend${i ? 's' : ''}`).join(', ');
}

/** The measure that flagged the pair: its loss, SYN-level loss, resolver-mark share or p99. */
function flagFigure(pair: PairReport): string {
  switch (pair.flags[0]) {
    case 'loss': return formatPercent(pair.loss.ratio ?? 0);
    case 'syn-loss': return formatPercent(pair.synLoss?.ratio ?? 0);
    case 'resolver-marks': return formatPercent(pair.dnsAnsweredAtResolverMarks.reduce((a, b) => a + b, 0) / Math.max(pair.attempts, 1));
    case 'latency': return msOrDash(pair.latencyMs.p99);
    default: return '';
  }
}

function heatmapSvg(view: View, rows: readonly Axis[], cells: readonly Cell[][], headline: Cell | null): string {
  const columns = view.columns;
  const size = Math.max(MIN_CELL, Math.min(MAX_CELL, Math.floor(GRID_WIDTH / columns.length)));
  const rowLabelWidth = Math.max(...rows.map((row) => row.label.length)) * CHAR_WIDTH;
  const columnLabelWidth = Math.max(...columns.map((column) => column.label.length)) * CHAR_WIDTH;
  // Upright when the labels fit a cell, else slanted: 45° when neighbours stay a line apart, steeper when cells are small.
  const uprightLabels = columnLabelWidth <= size - 4;
  const angle = uprightLabels ? 0 : size * Math.SQRT1_2 >= LABEL_LINE ? 45 : 60;
  const left = Math.ceil(rowLabelWidth + 12);
  const top = Math.ceil(columnLabelWidth * Math.sin(angle * Math.PI / 180) + (uprightLabels ? 20 : 14));
  const right = Math.ceil(Math.max(8, columnLabelWidth * Math.cos(angle * Math.PI / 180) - size / 2 + 8));
  const firstResolver = columns.findIndex((column) => column.resolver);
  const x = (j: number) => left + j * size + (columns[j].resolver ? RESOLVER_GAP : 0);
  const y = (i: number) => top + i * size;
  const width = x(columns.length - 1) + size + right;
  const height = y(rows.length) + 4;

  const rowLabels = rows.map((row, i) =>
    `<text class="row-label" data-r="${i}" x="${left - 6}" y="${y(i) + (size - CELL_GAP) / 2}">${escapeHtml(row.label)}<title>${escapeHtml(row.name)}</title></text>`);
  const columnLabels = columns.map((column, j) => {
    const cx = x(j) + (size - CELL_GAP) / 2;
    const position = uprightLabels ? `x="${cx}" y="${top - 6}"` : `transform="translate(${cx} ${top - 6}) rotate(-${angle})"`;
    return `<text class="col-label${uprightLabels ? ' upright' : ''}" data-c="${j}" ${position}>${escapeHtml(column.label)}<title>${escapeHtml(column.name)}</title></text>`;
  });
  const cellMarks = cells.flatMap((row, i) => row.map((cell, j) => cellSvg(cell, i, j, x(j), y(i), size, cell === headline)));
  const label = `Heatmap, ${view.title}: ${rows.length} sources × ${columns.length} destinations`;
  return `<svg class="heatmap" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" aria-label="${escapeHtml(label)}">`
    + (firstResolver > 0 ? resolverRule(x(firstResolver) - RESOLVER_GAP / 2 - 1, top, height - 4) : '')
    + rowLabels.join('') + columnLabels.join('') + cellMarks.join('') + '</svg>';
}

/** Sets the resolver column(s) apart from the node columns. */
function resolverRule(x: number, top: number, bottom: number): string {
  return `<line class="resolver-rule" x1="${x}" y1="${top}" x2="${x}" y2="${bottom}"/>`;
}

function cellSvg(cell: Cell, i: number, j: number, x: number, y: number, size: number, headline: boolean): string {
  const side = size - CELL_GAP;
  const diagonal = cell.grade === 'diagonal' ? `<line x1="${x + 3}" y1="${y + side - 3}" x2="${x + side - 3}" y2="${y + 3}"/>` : '';
  const figure = cell.figure && size >= FIGURE_CELL ? `<text x="${x + side / 2}" y="${y + side / 2}">${escapeHtml(cell.figure)}</text>` : '';
  return `<g class="cell g-${cell.grade}" tabindex="0" data-r="${i}" data-c="${j}"${headline ? ' data-headline=""' : ''}>`
    + `<title>${escapeHtml(cell.title)}</title><rect x="${x}" y="${y}" width="${side}" height="${side}" rx="2"/>${diagonal}${figure}</g>`;
}
