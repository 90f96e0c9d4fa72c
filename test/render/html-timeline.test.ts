// -o html with --window: the "Over time" section draws every window for all pairs and
// one row per probing node with trouble, shades and labels the bursts, carries the
// numbers in hover titles, escapes what the cluster named, and renders in Chromium.
import { analyse } from '../../src/analyse/analyse.ts';
import { renderHtml } from '../../src/render/html.ts';
import type { Protocol } from '../../src/shared/plan.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RUN, windowedPair } from '../support/agent-results.ts';
import { SCENARIOS } from '../support/scenarios.ts';
import { BROWSER_TEST_TIMEOUT_MS, describeInChromium, pageOnDisk, paletteOf, pixelsNear, runChromium, screenshot, unescape } from './html-support.ts';

/** Every pair probed 20 times a window; lostIn says how many of them each pair loses in window w. */
function windowedReport(nodes: string[], windows: number, windowMs: number, lostIn: (source: string, destination: string, protocol: Protocol, w: number) => number): MatrixReport {
  const results = matrixResults(nodes, ['tcp', 'udp'], (source, destination, protocol) =>
    windowedPair(20, Array.from({ length: windows }, (_, w) => lostIn(source, destination, protocol, w))), () => ({ timeline: { originAt: '2026-01-01T00:00:00.000Z', windowMs } }));
  return analyse({ run: RUN, nodes: nodes.map((name) => ({ name })), results });
}

function timelineOf(html: string): string {
  const start = html.indexOf('<section id="timeline">');
  if (start < 0) throw new Error('no timeline section');
  return html.slice(start, html.indexOf('</section>', start));
}

/** The hover titles of the top chart's windows (all pairs) and of the rows' bars, unescaped. */
function titles(section: string): { chart: string[]; rows: string[]; bursts: string[] } {
  const all = [...section.matchAll(/<g class="win( burst)?"><title>([^<]*)<\/title>/g)].map(([, burst, title]) => ({ burst: Boolean(burst), title: unescape(title) }));
  return {
    chart: all.filter((t) => t.title.startsWith('all pairs')).map((t) => t.title),
    rows: all.filter((t) => !t.title.startsWith('all pairs')).map((t) => t.title),
    bursts: all.filter((t) => t.burst).map((t) => t.title.split('\n')[0]),
  };
}

describe('renderHtml with a timeline', () => {
  const report = analyse(SCENARIOS.find((s) => s.name === 'timeline-bursts')!.input);
  const html = renderHtml(report);
  const section = timelineOf(html);

  test('a section between the heatmap and the findings, linked from the header', () => {
    expect(html.indexOf('<section id="heatmap">')).toBeLessThan(html.indexOf('<section id="timeline">'));
    expect(html.indexOf('<section id="timeline">')).toBeLessThan(html.indexOf('<section id="findings">'));
    expect(html).toContain('<a href="#heatmap">Heatmap</a><a href="#timeline">Over time</a><a href="#findings">');
    expect(section).toContain('15 windows of 1 min from 2026-01-01 00:00:00 UTC.');
  });

  test('all pairs: one hover title per window with its UTC span and share; burst windows with their numbers and scope', () => {
    const { chart } = titles(section);
    expect(chart).toHaveLength(15);
    expect(chart[0]).toMatch(/^all pairs, 00:00–00:01 UTC \(window 0\)\n\d+ of 1320 probes in trouble \(/);
    const [cluster, node] = report.timeline!.bursts;
    expect(chart[4]).toBe(`all pairs, 00:04–00:05 UTC (window 4)\n198 of 1320 probes in trouble (15%; ${cluster.expected.toFixed(1)} expected at the run's rate outside bursts, p = ${cluster.pValue.toExponential(1)})\nburst, cluster-wide: 66 of 66 pairs and 6 probing nodes hit`);
    expect(chart[10]).toContain('\nburst around node-4: 10 of 66 pairs and 1 probing node hit');
    expect(node).toMatchObject({ scope: 'node', node: 'node-4' });
  });

  test('bursts: a shaded band and a label with the scope over each burst window', () => {
    const bands = [...section.matchAll(/<rect class="band" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)].map(([, x, width]) => Number(x) + Number(width) / 2);
    const windowCentre = (w: number) => {
      const hit = [...section.matchAll(/<rect class="hit" x="([\d.]+)" y="[\d.]+" width="([\d.]+)"/g)][w];
      return Number(hit[1]) + Number(hit[2]) / 2;
    };
    expect(bands).toEqual([windowCentre(4), windowCentre(10)]);
    expect([...section.matchAll(/<text class="burst-label"[^>]*>([^<]*)</g)].map(([, label]) => label)).toEqual(['cluster-wide', 'around node-4']);
    expect(titles(section).bursts.filter((t) => t.startsWith('all pairs'))).toEqual(['all pairs, 00:04–00:05 UTC (window 4)', 'all pairs, 00:10–00:11 UTC (window 10)']);
  });

  test('one row per probing node with trouble, its bars titled with the counts; node-4 stands out in window 10', () => {
    expect([...section.matchAll(/<text class="row-label"[^>]*>([^<]*)</g)].map(([, label]) => unescape(label))).toEqual(['all pairs', ...nodeNames(6).map((n) => `${n} →`)]);
    const node4 = titles(section).rows.filter((t) => t.startsWith('node-4 →'));
    expect(node4).toContain('node-4 → its peers, 00:10–00:11 UTC (window 10)\n80 of its probes in trouble\nburst around node-4: 10 of 66 pairs and 1 probing node hit');
    expect(section).toMatch(/>114 in trouble, peak 80</);
  });

  test('time ticks in UTC, at least 64 px apart', () => {
    expect([...section.matchAll(/<text class="tick x" x="[\d.]+" y="[\d.]+">([^<]*)</g)].map(([, t]) => t)).toEqual(['00:00', '00:02', '00:04', '00:06', '00:08', '00:10', '00:12', '00:14']);
  });

  test('burst findings: their window evidence, linked to the timeline, in place of pairs', () => {
    const articles = html.slice(html.indexOf('<section id="findings">')).split('<article').slice(1).map(unescape).filter((a) => a.includes('burst · window'));
    expect(articles).toHaveLength(2);
    expect(articles[0]).toContain('Evidence: window 4 · <a href="#timeline">on the timeline</a>');
    expect(articles[0]).toContain('<li>66 of 66 measured pairs hit in window 4, from 6 probing nodes; protocols dns, tcp, udp</li>');
    expect(articles[0]).not.toContain('0 pairs, 0 nodes');
  });

  test('nodes without trouble are named, not drawn; a run without trouble says so', () => {
    const quiet = timelineOf(renderHtml(windowedReport(nodeNames(4), 6, 60_000, (s, _d, _p, w) => (s === 'node-1' && w === 2 ? 10 : 0))));
    expect([...quiet.matchAll(/<text class="row-label"[^>]*>([^<]*)</g)].map(([, label]) => unescape(label))).toEqual(['all pairs', 'node-1 →']);
    expect(quiet).toContain('No trouble in any window from node-2, node-3, node-4.');
    const clean = timelineOf(renderHtml(windowedReport(nodeNames(3), 6, 60_000, () => 0)));
    expect(clean).toContain('No probe had trouble in any window.');
    expect(clean).not.toContain('class="band"');
  });

  test('a day of 1-minute windows fits a 1280 px page, ticks 64 px apart or more; 10 s windows tick with seconds', () => {
    const day = timelineOf(renderHtml(windowedReport(nodeNames(4), 1440, 60_000, (s, _d, _p, w) => (s === 'node-1' && w === 700 ? 20 : 0))));
    expect(Number(/<svg class="timeline" width="(\d+)"/.exec(day)![1])).toBeLessThanOrEqual(1100);
    expect(titles(day).chart).toHaveLength(1440);
    const ticks = [...day.matchAll(/<text class="tick x" x="([\d.]+)"/g)].map(([, x]) => Number(x));
    for (let i = 1; i < ticks.length; i++) expect(ticks[i] - ticks[i - 1]).toBeGreaterThanOrEqual(64);
    expect(day).toContain('>around node-1<');
    const seconds = timelineOf(renderHtml(windowedReport(nodeNames(2), 30, 10_000, () => 0)));
    expect(seconds).toContain('>00:00:30<');
  });

  test('hostile node names are escaped in rows, titles and labels', () => {
    const evil = ['node-a', '"><script>alert(1)</script>'];
    const page = renderHtml(windowedReport(evil, 6, 60_000, (s, _d, _p, w) => (s === evil[1] && w === 3 ? 20 : 0)));
    expect(page.match(/<script/g)).toHaveLength(1);
    expect(timelineOf(page)).toContain('&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;');
  });

  test('no --window, no section', () => {
    const plain = renderHtml(analyse(SCENARIOS.find((s) => s.name === 'bad-row')!.input));
    expect(plain).not.toContain('id="timeline"');
    expect(plain).not.toContain('Over time');
  });
});

describeInChromium('renderHtml with a timeline in headless Chromium', () => {
  const html = renderHtml(analyse(SCENARIOS.find((s) => s.name === 'timeline-bursts')!.input));
  const page = pageOnDisk(html);

  test('the page\'s policy still lets its script run: the heatmap panel is filled; every timeline bar is in the DOM', async () => {
    const dom = await runChromium(['--dump-dom', `file://${page.path}`]);
    expect(dom).toMatch(/<div class="detail-body"><strong>[^<]+<\/strong>/);
    expect(timelineOf(dom).match(/<rect class="bar"/g)).toHaveLength(timelineOf(html).match(/<rect class="bar"/g)!.length);
  }, BROWSER_TEST_TIMEOUT_MS);

  test.each(['light', 'dark'] as const)('a %s screenshot shows the burst bars in the critical colour', async (scheme) => {
    const image = await screenshot(page.path, scheme, '1280,1400');
    const { critical } = paletteOf(html, scheme, ['critical']);
    // The two burst bars of the top chart (46 px wide, 90 and 37 px high) and the rows' bars in those windows, beyond a badge or two.
    expect(pixelsNear(image, critical)).toBeGreaterThan(46 * (90 + 37));
  }, BROWSER_TEST_TIMEOUT_MS);
});
