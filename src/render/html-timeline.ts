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
    + 'below, per probing node, its probes in trouble (one scale for all rows). Shaded: bursts (more trouble than the run\'s rate outside them explains). '
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
  // A gap between wide bars; thin ones (long runs) stay a pixel wide to be seen.
  const barWidth = pitch >= 4 ? pitch - 2 : Math.max(pitch, 1);
  // The arrow as in the table's sparklines: the row is what the node's probes met.
  const rowLabels = rows.map((row) => `${labels.get(row.node) ?? row.node} →`);
  const left = Math.ceil(Math.max('all pairs'.length, ...rowLabels.map((label) => label.length)) * CHAR_WIDTH + 14);
  const chartTop = LABEL_LANE * LABEL_LANES + 6;
  const chartBottom = chartTop + CHART_HEIGHT;
  const rowsTop = chartBottom + AXIS_HEIGHT + 8;
  const rowTop = (i: number) => rowsTop + i * (ROW_HEIGHT + ROW_GAP);
  const bottom = rows.length ? rowTop(rows.length) - ROW_GAP : chartBottom + AXIS_HEIGHT;
  const x = (w: number) => tenth(left + w * pitch);
  const totals = rows.map((row) => `${sum(row.trouble)} in trouble, peak ${Math.max(...row.trouble)}`);
  const width = Math.ceil(x(windows) + 16 + Math.max('100%'.length, ...totals.map((text) => text.length)) * CHAR_WIDTH);
  const bursts = new Map(timeline.bursts.map((burst) => [burst.window, burst]));
  const span = (w: number) => `${clock(timeline, w)}–${clock(timeline, w + 1)} UTC (window ${w})`;

  const shares = timeline.windows.map((w) => (w.attempts ? w.trouble / w.attempts : 0));
  const shareTop = niceCeiling(Math.max(...shares));
  const chart = timeline.windows.map((w, i) => {
    const height = (shares[i] / shareTop) * CHART_HEIGHT;
    const burst = bursts.get(i);
    const numbers = burst ? [describeBurstTrouble(burst), burstScope(burst)] : [`${w.trouble} of ${w.attempts} probes in trouble (${formatPercent(shares[i])})`];
    return `<g class="win${burst ? ' burst' : ''}"><title>${escapeHtml([`all pairs, ${span(i)}`, ...numbers].join('\n'))}</title>`
      + `<rect class="hit" x="${x(i)}" y="${chartTop}" width="${tenth(pitch)}" height="${CHART_HEIGHT}"/>`
      + (height > 0 ? bar(x(i), chartBottom, barWidth, Math.max(height, 1)) : '')
      + '</g>';
  });
  const yAxis = [0, shareTop / 2, shareTop].map((share) => {
    const y = chartBottom - (share / shareTop) * CHART_HEIGHT;
    return `<line class="grid" x1="${left}" y1="${tenth(y)}" x2="${x(windows)}" y2="${tenth(y)}"/><text class="tick y" x="${x(windows) + 8}" y="${tenth(y)}">${formatPercent(share)}</text>`;
  });

  const rowPeak = Math.max(1, ...rows.flatMap((row) => row.trouble));
  const rowMarks = rows.map((row, r) => {
    const top = rowTop(r);
    const base = top + ROW_HEIGHT;
    const bars = row.trouble.map((n, i) => {
      if (n === 0) return '';
      const burst = bursts.get(i);
      const title = [`${row.node} → its peers, ${span(i)}`, `${n} of its probes in trouble`, ...(burst ? [burstScope(burst)] : [])].join('\n');
      return `<g class="win${burst ? ' burst' : ''}"><title>${escapeHtml(title)}</title>${bar(x(i), base, barWidth, Math.max(2, (n / rowPeak) * ROW_HEIGHT))}</g>`;
    });
    return `<text class="row-label" x="${left - 6}" y="${top + ROW_HEIGHT / 2}">${escapeHtml(rowLabels[r])}<title>${escapeHtml(row.node)}</title></text>`
      + `<line class="baseline" x1="${left}" y1="${base}" x2="${x(windows)}" y2="${base}"/>${bars.join('')}`
      + `<text class="total" x="${x(windows) + 8}" y="${top + ROW_HEIGHT / 2}">${escapeHtml(totals[r])}</text>`;
  });

  const runs = burstRuns(timeline.bursts);
  const bands = runs.map((run) => {
    const bandWidth = Math.max(x(run.last + 1) - x(run.first), 3);
    return `<rect class="band" x="${tenth((x(run.first) + x(run.last + 1) - bandWidth) / 2)}" y="${chartTop - 2}" width="${tenth(bandWidth)}" height="${bottom - chartTop + 4}"/>`;
  });
  const step = TICK_STEPS.find((s) => s * pitch >= TICK_SPACING) ?? Math.ceil(windows / 10);
  // No tick at the end of the last window: its label would run into the y axis.
  const ticks = Array.from({ length: Math.floor((windows - 1) / step) + 1 }, (_, k) => k * step).map((w) =>
    `<line class="tick-mark" x1="${x(w)}" y1="${chartBottom}" x2="${x(w)}" y2="${chartBottom + 4}"/><text class="tick x" x="${x(w)}" y="${chartBottom + 16}">${clock(timeline, w)}</text>`);
  const label = `Trouble over time: ${windows} windows, ${countOf(timeline.bursts.length, 'burst')}, ${countOf(rows.length, 'probing node')} with trouble`;
  return `<svg class="timeline" width="${width}" height="${bottom + 6}" viewBox="0 0 ${width} ${bottom + 6}" aria-label="${escapeHtml(label)}">`
    + bands.join('') + yAxis.join('')
    + `<text class="row-label" x="${left - 6}" y="${chartTop + CHART_HEIGHT / 2}">all pairs</text>`
    + chart.join('') + `<line class="baseline" x1="${left}" y1="${chartBottom}" x2="${x(windows)}" y2="${chartBottom}"/>` + ticks.join('')
    + rowMarks.join('') + burstLabels(runs, x, left, width) + '</svg>';
}

/** Bursts in consecutive windows with the same scope: one band and one label. */
interface BurstRun {
  first: number;
  last: number;
  label: string;
  bursts: TimelineBurst[];
}

function burstRuns(bursts: readonly TimelineBurst[]): BurstRun[] {
  const runs: BurstRun[] = [];
  for (const burst of [...bursts].sort((a, b) => a.window - b.window)) {
    const label = burst.scope === 'node' ? `around ${burst.node}` : burst.scope === 'cluster-wide' ? 'cluster-wide' : 'some pairs';
    const previous = runs[runs.length - 1];
    if (previous && previous.last === burst.window - 1 && previous.label === label) {
      previous.last = burst.window;
      previous.bursts.push(burst);
    } else {
      runs.push({ first: burst.window, last: burst.window, label, bursts: [burst] });
    }
  }
  return runs;
}

/** Above the chart, in two lanes so that neighbouring bursts' labels do not overlap; labels that find no room keep their band and titles. */
function burstLabels(runs: readonly BurstRun[], x: (w: number) => number, left: number, width: number): string {
  const laneEnds = new Array<number>(LABEL_LANES).fill(-Infinity);
  return runs.map((run) => {
    const half = (run.label.length * CHAR_WIDTH) / 2;
    const centre = Math.min(Math.max((x(run.first) + x(run.last + 1)) / 2, left + half), width - half);
    const lane = laneEnds.findIndex((end) => end + 6 <= centre - half);
    if (lane < 0) return '';
    laneEnds[lane] = centre + half;
    const title = run.bursts.map((burst) => `window ${burst.window}: ${describeBurstTrouble(burst)}\n${burstScope(burst)}`).join('\n');
    return `<text class="burst-label" x="${tenth(centre)}" y="${LABEL_LANE * (lane + 1) - 3}">${escapeHtml(run.label)}<title>${escapeHtml(title)}</title></text>`;
  }).join('');
}

/** "burst around node-4: 10 of 66 pairs and 1 probing node hit". */
function burstScope(burst: TimelineBurst): string {
  const scope = burst.scope === 'node' ? ` around ${burst.node}` : burst.scope === 'cluster-wide' ? ', cluster-wide' : ' on some pairs';
  return `burst${scope}: ${burst.pairsHit} of ${burst.pairsMeasured} pairs and ${countOf(burst.sourcesHit, 'probing node')} hit`;
}

/** A bar standing on the baseline. */
function bar(x: number, base: number, width: number, height: number): string {
  return `<rect class="bar" x="${tenth(x)}" y="${tenth(base - height)}" width="${tenth(width)}" height="${tenth(height)}"/>`;
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

/** SVG coordinates to a tenth of a pixel: finer is invisible, and long runs draw thousands of them. */
function tenth(n: number): number {
  return Math.round(n * 10) / 10;
}

function sum(values: readonly number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
