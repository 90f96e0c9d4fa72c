// --window in the HTML report: trouble over time as inline SVG. On top, all pairs: the
// share of each window's probes in trouble; below, one row per probing node (its
// pairs' probes in trouble, one scale for all rows), so a burst that hits every row at
// once stands apart from one node's bad minutes. Burst windows are shaded and labelled
// with their scope; every bar carries its numbers in an SVG <title> (a hover tooltip).
import { countOf, describeBurstTrouble, formatPercent } from '../shared/format.ts';
import type { NodeReport, TimelineBurst, TimelineReport } from '../shared/report.ts';
import { escapeHtml } from './html-text.ts';

// Geometry, in CSS pixels; labels are monospace 11 px (see html-heatmap.ts).
const CHAR_WIDTH = 6.8;
const PLOT_WIDTH = 760;
const MAX_PITCH = 48;
const CHART_HEIGHT = 120;
const ROW_HEIGHT = 24;
const ROW_GAP = 6;
const AXIS_HEIGHT = 26;
const LABEL_LANE = 15;
const LABEL_LANES = 2;
/** Time labels at least this far apart. */
const TICK_SPACING = 64;
const TICK_STEPS = [1, 2, 3, 5, 10, 15, 20, 30, 60, 120, 180, 360, 720, 1440, 2880];
/** Beyond this many troubled nodes, the rows with the most trouble. */
const MAX_ROWS = 40;

interface Row {
  node: string;
  trouble: number[];
}

export function timelineSection(timeline: TimelineReport, nodes: readonly NodeReport[], labels: ReadonlyMap<string, string>): string {
  const windows = timeline.windows.length;
  if (windows === 0) return '<p class="muted">No window was measured.</p>';
  const allRows = troubleBySource(timeline);
  const rows = allRows.length > MAX_ROWS
    ? [...allRows].sort((a, b) => sum(b.trouble) - sum(a.trouble)).slice(0, MAX_ROWS).sort((a, b) => a.node.localeCompare(b.node))
    : allRows;
  const caption = `<p class="muted">${escapeHtml(`${windows} windows of ${duration(timeline.windowMs)} from ${timeline.originAt.slice(0, 19).replace('T', ' ')} UTC. `
    + 'Trouble: failed probes, connects after SYN retransmits, DNS answers at the 5 s marks. Top: the share of all probes in trouble; '
    + 'below, per probing node, its probes in trouble (one scale for all rows). Shaded: bursts (more trouble than the run\'s average rate explains). '
    + 'Hover over a bar for its numbers.')}</p>`;
  return caption + `<div class="table-scroll">${timelineSvg(timeline, rows, labels)}</div>` + quietNodes(timeline, nodes, allRows, rows);
}

/** Probes in trouble per window, summed over each probing node's pairs. */
function troubleBySource(timeline: TimelineReport): Row[] {
  const bySource = new Map<string, number[]>();
  for (const pair of timeline.pairs) {
    const row = bySource.get(pair.source) ?? new Array<number>(timeline.windows.length).fill(0);
    pair.trouble.forEach((n, i) => (row[i] += n));
    bySource.set(pair.source, row);
  }
  return [...bySource].map(([node, trouble]) => ({ node, trouble })).sort((a, b) => a.node.localeCompare(b.node));
}

/** The probing nodes without a row: no trouble at all, or less than the rows shown. */
function quietNodes(timeline: TimelineReport, nodes: readonly NodeReport[], allRows: readonly Row[], rows: readonly Row[]): string {
  const troubled = new Set(allRows.map((row) => row.node));
  const quiet = nodes.filter((node) => node.status === 'ok' && !troubled.has(node.name)).map((node) => node.name);
  const notes = [];
  if (timeline.pairs.length === 0) notes.push('No probe had trouble in any window.');
  else if (quiet.length) notes.push(`No trouble in any window from ${quiet.length <= 12 ? quiet.join(', ') : countOf(quiet.length, 'other probing node')}.`);
  if (rows.length < allRows.length) notes.push(`${countOf(allRows.length - rows.length, 'more probing node')} with less trouble not drawn (-o json has every pair's windows).`);
  return notes.length ? `<p class="muted">${escapeHtml(notes.join(' '))}</p>` : '';
}

function timelineSvg(timeline: TimelineReport, rows: readonly Row[], labels: ReadonlyMap<string, string>): string {
  const windows = timeline.windows.length;
  const pitch = Math.min(MAX_PITCH, PLOT_WIDTH / windows);
  const barWidth = pitch >= 4 ? pitch - 2 : pitch;
  // The arrow as in the table's sparklines: the row is what the node's probes met.
  const rowLabels = rows.map((row) => `${labels.get(row.node) ?? row.node} →`);
  const left = Math.ceil(Math.max('all pairs'.length, ...rowLabels.map((label) => label.length)) * CHAR_WIDTH + 14);
  const chartTop = LABEL_LANE * LABEL_LANES + 6;
  const chartBottom = chartTop + CHART_HEIGHT;
  const rowsTop = chartBottom + AXIS_HEIGHT + 8;
  const rowTop = (i: number) => rowsTop + i * (ROW_HEIGHT + ROW_GAP);
  const bottom = rows.length ? rowTop(rows.length) - ROW_GAP : chartBottom + AXIS_HEIGHT;
  const x = (w: number) => left + w * pitch;
  const totals = rows.map((row) => `${sum(row.trouble)} in trouble, peak ${Math.max(...row.trouble)}`);
  const width = Math.ceil(x(windows) + 16 + Math.max('100%'.length, ...totals.map((text) => text.length)) * CHAR_WIDTH);
  const bursts = new Map(timeline.bursts.map((burst) => [burst.window, burst]));
  const span = (w: number) => `${clock(timeline, w)}–${clock(timeline, w + 1)} UTC (window ${w})`;

  const shares = timeline.windows.map((w) => (w.attempts ? w.trouble / w.attempts : 0));
  const shareTop = niceCeiling(Math.max(...shares));
  const chart = timeline.windows.map((w, i) => {
    const height = (shares[i] / shareTop) * CHART_HEIGHT;
    const burst = bursts.get(i);
    const title = [`all pairs, ${span(i)}`, `${w.trouble} of ${w.attempts} probes in trouble (${formatPercent(shares[i])})`, ...(burst ? burstLines(burst) : [])].join('\n');
    return `<g class="win${burst ? ' burst' : ''}"><title>${escapeHtml(title)}</title>`
      + `<rect class="hit" x="${x(i)}" y="${chartTop}" width="${pitch}" height="${CHART_HEIGHT}"/>`
      + (height > 0 ? `<rect class="bar" x="${x(i)}" y="${chartBottom - height}" width="${barWidth}" height="${Math.max(height, 1)}"/>` : '')
      + '</g>';
  });
  const yAxis = [0, shareTop / 2, shareTop].map((share) => {
    const y = chartBottom - (share / shareTop) * CHART_HEIGHT;
    return `<line class="grid" x1="${left}" y1="${y}" x2="${x(windows)}" y2="${y}"/><text class="tick y" x="${x(windows) + 8}" y="${y}">${formatPercent(share)}</text>`;
  });

  const rowPeak = Math.max(1, ...rows.flatMap((row) => row.trouble));
  const rowMarks = rows.map((row, r) => {
    const top = rowTop(r);
    const base = top + ROW_HEIGHT;
    const bars = row.trouble.map((n, i) => {
      if (n === 0) return '';
      const height = Math.max(2, (n / rowPeak) * ROW_HEIGHT);
      const title = `${row.node}, ${span(i)}\n${n} of its probes in trouble${bursts.has(i) ? '\nin a burst window' : ''}`;
      return `<g class="win${bursts.has(i) ? ' burst' : ''}"><title>${escapeHtml(title)}</title><rect class="bar" x="${x(i)}" y="${base - height}" width="${barWidth}" height="${height}"/></g>`;
    });
    return `<text class="row-label" x="${left - 6}" y="${top + ROW_HEIGHT / 2}">${escapeHtml(rowLabels[r])}<title>${escapeHtml(row.node)}</title></text>`
      + `<line class="baseline" x1="${left}" y1="${base}" x2="${x(windows)}" y2="${base}"/>${bars.join('')}`
      + `<text class="total" x="${x(windows) + 8}" y="${top + ROW_HEIGHT / 2}">${escapeHtml(totals[r])}</text>`;
  });

  const bands = timeline.bursts.map((burst) => {
    const bandWidth = Math.max(pitch, 3);
    return `<rect class="band" x="${x(burst.window) + pitch / 2 - bandWidth / 2}" y="${chartTop - 2}" width="${bandWidth}" height="${bottom - chartTop + 4}"/>`;
  });
  const step = TICK_STEPS.find((s) => s * pitch >= TICK_SPACING) ?? Math.ceil(windows / 10);
  const ticks = Array.from({ length: Math.floor(windows / step) + 1 }, (_, k) => k * step).map((w) =>
    `<line class="tick-mark" x1="${x(w)}" y1="${chartBottom}" x2="${x(w)}" y2="${chartBottom + 4}"/><text class="tick x" x="${x(w)}" y="${chartBottom + 16}">${clock(timeline, w)}</text>`);
  const label = `Trouble over time: ${windows} windows, ${countOf(timeline.bursts.length, 'burst')}, ${countOf(rows.length, 'probing node')} with trouble`;
  return `<svg class="timeline" width="${width}" height="${bottom + 6}" viewBox="0 0 ${width} ${bottom + 6}" aria-label="${escapeHtml(label)}">`
    + bands.join('') + yAxis.join('')
    + `<text class="row-label" x="${left - 6}" y="${chartTop + CHART_HEIGHT / 2}">all pairs</text>`
    + chart.join('') + `<line class="baseline" x1="${left}" y1="${chartBottom}" x2="${x(windows)}" y2="${chartBottom}"/>` + ticks.join('')
    + `<text class="total" x="${x(windows) + 8}" y="${chartBottom + 16}">UTC</text>`
    + rowMarks.join('') + burstLabels(timeline.bursts, x, pitch, left, width) + '</svg>';
}

/** Above the chart, in two lanes so that neighbouring bursts' labels do not overlap; labels that find no room keep their band and titles. */
function burstLabels(bursts: readonly TimelineBurst[], x: (w: number) => number, pitch: number, left: number, width: number): string {
  const laneEnds = new Array<number>(LABEL_LANES).fill(-Infinity);
  return bursts.map((burst) => {
    const text = burst.scope === 'node' ? `around ${burst.node}` : burst.scope === 'cluster-wide' ? 'cluster-wide' : 'some pairs';
    const half = (text.length * CHAR_WIDTH) / 2;
    const centre = Math.min(Math.max(x(burst.window) + pitch / 2, left + half), width - half);
    const lane = laneEnds.findIndex((end) => end + 6 <= centre - half);
    if (lane < 0) return '';
    laneEnds[lane] = centre + half;
    return `<text class="burst-label" x="${centre}" y="${LABEL_LANE * (lane + 1) - 3}">${escapeHtml(text)}<title>${escapeHtml(burstLines(burst).join('\n'))}</title></text>`;
  }).join('');
}

function burstLines(burst: TimelineBurst): string[] {
  const scope = burst.scope === 'node' ? `around node ${burst.node}` : burst.scope === 'cluster-wide' ? 'cluster-wide' : 'on some pairs';
  return [`burst, ${scope}: ${describeBurstTrouble(burst)}`, `${burst.pairsHit} of ${burst.pairsMeasured} pairs and ${countOf(burst.sourcesHit, 'probing node')} hit`];
}

/** The UTC clock time a window starts at: hh:mm, or hh:mm:ss for windows shorter than a minute. */
function clock(timeline: TimelineReport, window: number): string {
  const time = new Date(Date.parse(timeline.originAt) + window * timeline.windowMs).toISOString();
  return timeline.windowMs % 60_000 === 0 ? time.slice(11, 16) : time.slice(11, 19);
}

function duration(ms: number): string {
  return ms % 60_000 === 0 ? `${ms / 60_000} min` : `${ms / 1000} s`;
}

/** The y-axis top: 1, 2 or 5 × a power of ten at or above the peak (a clean run: 1 %). */
function niceCeiling(value: number): number {
  if (value <= 0) return 0.01;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((candidate) => candidate >= value)!;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
