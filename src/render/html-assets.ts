// The HTML report's inline style and script. Neither holds report data, so the page's
// Content-Security-Policy can allow exactly these two by hash and nothing else.

/** Cell and badge colours: each grade darker or lighter than the next, not told apart by hue alone. */
const COLOURS = `
:root { color-scheme: light dark;
  --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --line: #d1d9e0; --surface: #f6f8fa; --focus: #0969da;
  --ok: #4ac26b; --inconclusive: #d8dee4; --warning: #eac54f; --critical: #cf222e; --no-data: #6e7781; --unmeasured: transparent;
  --on-ok: #0f2a17; --on-inconclusive: #24292f; --on-warning: #3b2e00; --on-critical: #ffffff; --on-no-data: #ffffff; }
@media (prefers-color-scheme: dark) { :root {
  --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --line: #3d444d; --surface: #151b23; --focus: #4493f8;
  --ok: #2a8c46; --inconclusive: #3d444d; --warning: #d29922; --critical: #f85149; --no-data: #59636e;
  --on-ok: #e6ffec; --on-inconclusive: #e6edf3; --on-warning: #1f1500; --on-critical: #1a0002; --on-no-data: #e6edf3; } }`;

const LAYOUT = `
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg);
  font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1400px; margin: 0 auto; padding: 1.25rem 1.5rem 3rem; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.15rem; margin: 2rem 0 .75rem; padding-bottom: .3rem; border-bottom: 1px solid var(--line); }
h3 { font-size: 1rem; margin: 0 0 .5rem; }
code, .mono, svg.heatmap text, svg.timeline text { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; }
code { font-size: 12.5px; }
.muted { color: var(--muted); }
nav { margin-top: .6rem; } nav a { color: inherit; margin-right: 1rem; }
.summary { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; margin: .75rem 0 0; padding: 0; list-style: none; }
.summary strong { font-variant-numeric: tabular-nums; }
.badge { display: inline-block; padding: 0 .45rem; border-radius: 999px; font-size: 12px; font-weight: 600; line-height: 1.6; }
.badge.sev-critical, .badge.g-critical { background: var(--critical); color: var(--on-critical); }
.badge.sev-warning, .badge.g-warning { background: var(--warning); color: var(--on-warning); }
.badge.sev-info { background: var(--surface); color: var(--fg); border: 1px solid var(--line); }
.badge.g-clear { background: var(--ok); color: var(--on-ok); }
.badge.g-no-data { background: var(--no-data); color: var(--on-no-data); }

.tabs > input { position: absolute; opacity: 0; pointer-events: none; }
.tabs > label { display: inline-block; padding: .3rem .8rem; margin: 0 .25rem .5rem 0; border: 1px solid var(--line);
  border-radius: 6px; cursor: pointer; background: var(--surface); }
.tabs > input:checked + label { background: var(--fg); color: var(--bg); border-color: var(--fg); }
.tabs > input:focus-visible + label { outline: 2px solid var(--focus); outline-offset: 2px; }
.tabs .view { display: none; }
.heatmap-layout { display: flex; flex-wrap: wrap; gap: 1rem 1.5rem; align-items: flex-start; }
.heatmap-scroll { overflow-x: auto; max-width: 100%; }
.detail { flex: 1 1 16rem; max-width: 34rem; position: sticky; top: 1rem; padding: .75rem 1rem; border: 1px solid var(--line);
  border-radius: 8px; background: var(--surface); font-size: 13px; }
.detail-body { white-space: pre-line; font-variant-numeric: tabular-nums; }
.legend { display: flex; flex-wrap: wrap; gap: .25rem 1.25rem; margin: .75rem 0 0; padding: 0; list-style: none; font-size: 13px; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; margin-right: .35rem; vertical-align: -1px; border: 1px solid var(--line); }
.swatch.g-clear { background: var(--ok); } .swatch.g-inconclusive { background: var(--inconclusive); } .swatch.g-warning { background: var(--warning); } .swatch.g-critical { background: var(--critical); }
.swatch.g-no-data { background: var(--no-data); } .swatch.g-unmeasured { background: var(--unmeasured); } .swatch.g-diagonal { background: var(--surface); }
.names { display: grid; grid-template-columns: repeat(auto-fill, minmax(22rem, 1fr)); gap: 0 1.5rem; margin: .75rem 0 0; font-size: 13px; }
.names div { display: flex; gap: .5rem; } .names dt { font-weight: 600; min-width: 4em; } .names dd { margin: 0; overflow-wrap: anywhere; }
.axis-label { font: 600 12px ui-monospace, SFMono-Regular, Menlo, Consolas, "DejaVu Sans Mono", monospace; color: var(--muted); }

svg.heatmap text { font-size: 11px; fill: var(--fg); }
svg.heatmap .row-label { text-anchor: end; dominant-baseline: central; }
svg.heatmap .col-label.upright { text-anchor: middle; }
svg.heatmap .hl { font-weight: 700; fill: var(--focus); }
svg.heatmap .resolver-rule { stroke: var(--line); }
.cell rect { stroke: none; }
.cell:hover rect, .cell:focus rect { stroke: var(--fg); stroke-width: 2px; }
.cell:focus { outline: none; }
.cell text { text-anchor: middle; dominant-baseline: central; font-size: 10px; font-weight: 600; pointer-events: none; }
.g-clear rect { fill: var(--ok); } .g-clear text { fill: var(--on-ok); }
.g-inconclusive rect { fill: var(--inconclusive); } svg.heatmap .g-inconclusive text { fill: var(--on-inconclusive); }
.g-warning rect { fill: var(--warning); } svg.heatmap .g-warning text { fill: var(--on-warning); }
.g-critical rect { fill: var(--critical); } svg.heatmap .g-critical text { fill: var(--on-critical); }
.g-no-data rect { fill: var(--no-data); }
.g-unmeasured rect { fill: var(--unmeasured); stroke: var(--line); stroke-dasharray: 2 2; }
.g-diagonal rect { fill: var(--surface); } .g-diagonal line { stroke: var(--line); }

svg.timeline text { font-size: 11px; fill: var(--fg); }
svg.timeline .row-label { text-anchor: end; dominant-baseline: central; }
svg.timeline .tick.y { dominant-baseline: central; }
svg.timeline .tick, svg.timeline .total { fill: var(--muted); }
svg.timeline .tick.x { text-anchor: middle; }
svg.timeline .total { dominant-baseline: central; }
svg.timeline .grid { stroke: var(--line); stroke-dasharray: 2 3; }
svg.timeline .baseline, svg.timeline .tick-mark { stroke: var(--muted); }
svg.timeline .bar { fill: var(--muted); }
svg.timeline .burst .bar { fill: var(--critical); }
svg.timeline .band { fill: var(--critical); fill-opacity: .13; }
svg.timeline .hit { fill: transparent; }
svg.timeline .win:hover .hit { fill: var(--focus); fill-opacity: .1; }
svg.timeline .win:hover .bar { stroke: var(--fg); stroke-width: 1px; }
svg.timeline .burst-label { text-anchor: middle; font-weight: 700; fill: var(--critical); }

.finding { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 6px; padding: .6rem 1rem; margin: 0 0 .75rem; }
.finding.sev-critical { border-left-color: var(--critical); } .finding.sev-warning { border-left-color: var(--warning); }
.finding p { margin: .4rem 0; }
.finding .subject { font-size: 15px; }
.hint-label { font-weight: 600; margin-right: .3rem; }
.evidence summary, .evidence-summary { font-size: 13px; color: var(--muted); cursor: pointer; }
.evidence summary a, .evidence-summary a { color: var(--focus); }
.evidence ul { margin: .3rem 0; padding-left: 1.25rem; font-size: 13px; font-variant-numeric: tabular-nums; }
.all-clear { padding: .6rem 1rem; border-left: 4px solid var(--ok); background: var(--surface); }

.table-scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border-bottom: 1px solid var(--line); }
th { font-weight: 600; background: var(--surface); }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
tr.no-data td { color: var(--muted); }
.counter { display: inline-block; margin-right: .75rem; white-space: nowrap; }
.labels summary { font-size: 12px; color: var(--muted); cursor: pointer; }
.labels ul, .warnings { margin: .2rem 0; padding-left: 1.1rem; }
.run-columns { display: flex; flex-wrap: wrap; gap: 1rem 3rem; }
.run-columns > div { flex: 1 1 22rem; }
.run-columns dl { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; font-size: 13px; }
.run-columns dt { font-weight: 600; } .run-columns dd { margin: 0; overflow-wrap: anywhere; }
footer { margin-top: 2.5rem; font-size: 12px; color: var(--muted); }`;

/** The page style; the tab rules follow the number of heatmap views. */
export function pageStyle(views: number): string {
  const tabRules = Array.from({ length: views }, (_, i) => `#tab-${i}:checked ~ .views > .view-${i} { display: block; }`);
  return `${COLOURS}${LAYOUT}\n${tabRules.join('\n')}\n`;
}

// Shows a cell's evidence (its <title>) in the panel beside the map on hover or focus,
// marks its row and column labels, and starts on the worst cell of each view.
export const PAGE_SCRIPT = `
for (const view of document.querySelectorAll('.view')) {
  const body = view.querySelector('.detail-body');
  const show = (cell) => {
    const [heading, ...lines] = cell.querySelector('title').textContent.split('\\n');
    const strong = document.createElement('strong');
    strong.textContent = heading;
    body.replaceChildren(strong, document.createTextNode('\\n' + lines.join('\\n')));
    for (const label of view.querySelectorAll('.hl')) label.classList.remove('hl');
    for (const label of view.querySelectorAll('.row-label[data-r="' + cell.dataset.r + '"], .col-label[data-c="' + cell.dataset.c + '"]')) label.classList.add('hl');
  };
  const onCell = (event) => { const cell = event.target.closest('.cell'); if (cell) show(cell); };
  view.addEventListener('pointerover', onCell);
  view.addEventListener('focusin', onCell);
  const headline = view.querySelector('.cell[data-headline]');
  if (headline) show(headline);
}
`;
