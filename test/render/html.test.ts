// -o html: the page holds every cell, finding and node of a crafted report, escapes what
// the cluster named, references nothing outside itself, and renders in headless Chromium
// (the script fills the evidence panel; the screenshot shows the graded cells).
import { analyse } from '../../src/analyse/analyse.ts';
import { htmlNodeLimit, htmlViewCount } from '../../src/render/html-heatmap.ts';
import { renderHtml } from '../../src/render/html.ts';
import { describePairEvidence } from '../../src/shared/format.ts';
import type { MatrixReport } from '../../src/shared/report.ts';
import { matrixResults, nodeNames, RUN, type PairSpecOf } from '../support/agent-results.ts';
import { SCENARIOS } from '../support/scenarios.ts';
import { BROWSER_TEST_TIMEOUT_MS, describeInChromium, pageOnDisk, paletteOf, pixelsNear, runChromium, screenshot, unescape } from './html-support.ts';

const NO_DATA_REASON = 'pod netprobe-7f2kq could not be scheduled: 0/5 nodes are available: 1 node(s) had untolerated taint {dedicated: gpu}';

/**
 * node-1 → node-2 loses 20 of 300 (tcp with 4 SYN retransmits, udp), node-3's DNS answers at the
 * 5 s mark, node-5 has no data; node-4's probes are 100 a pair (inconclusive), the others' 1000 (clear).
 */
function craftedReport(): MatrixReport {
  const nodes = nodeNames(4);
  const pairs: PairSpecOf = (source, destination, protocol) => {
    if (source === 'node-1' && destination === 'node-2' && protocol !== 'dns') return { attempts: 300, lost: 20, synRetransmits: protocol === 'tcp' ? 4 : 0 };
    if (source === 'node-3' && protocol === 'dns') return { attempts: 300, answeredAtResolverMarks: [12] };
    return { attempts: source === 'node-4' ? 100 : 1000 };
  };
  const results = matrixResults(nodes, ['tcp', 'udp', 'dns'], pairs, (node) => (node === 'node-2' ? { kernel: '4.19.0-21-amd64', delta: { ListenOverflows: 15 } } : {}));
  return analyse({
    run: { ...RUN, settings: { ...RUN.settings, network: 'pod' } },
    nodes: [...nodes.map((name, i) => ({ name, internalIP: `198.18.0.${i + 10}`, labels: { 'topology.kubernetes.io/zone': 'zone-a' } })), { name: 'node-5' }],
    results,
    noData: [{ node: 'node-5', reason: NO_DATA_REASON }],
  });
}

interface RenderedCell {
  grade: string;
  row: number;
  column: number;
  title: string;
  headline: boolean;
}

/** The heatmap views, each with its cells as drawn. */
function viewsOf(html: string): RenderedCell[][] {
  return html.split('<div class="view view-').slice(1).map((view) =>
    [...view.matchAll(/<g class="cell g-([a-z-]+)" tabindex="0" data-r="(\d+)" data-c="(\d+)"( data-headline="")?><title>([^<]*)<\/title>/g)]
      .map(([, grade, row, column, headline, title]) => ({ grade, row: Number(row), column: Number(column), title: unescape(title), headline: Boolean(headline) })));
}

function cellAt(cells: readonly RenderedCell[], row: number, column: number): RenderedCell {
  const cell = cells.find((c) => c.row === row && c.column === column);
  if (!cell) throw new Error(`no cell at ${row}, ${column}`);
  return cell;
}

function svgWidths(html: string): number[] {
  return [...html.matchAll(/<svg class="heatmap" width="(\d+)"/g)].map(([, width]) => Number(width));
}

describe('renderHtml', () => {
  const report = craftedReport();
  const html = renderHtml(report);
  const views = viewsOf(html);

  test('one view per protocol and path after the worst-of view; one cell per source and destination, a DNS column in the first', () => {
    expect([...html.matchAll(/<label for="tab-\d">([^<]*)<\/label>/g)].map(([, title]) => title)).toEqual(['All, worst per pair', 'tcp · pod network', 'udp · pod network']);
    expect(views.map((cells) => cells.length)).toEqual([5 * 6, 5 * 5, 5 * 5]);
    expect(html.match(/class="col-label[^"]*" data-c="5"[^>]*>DNS</g)).toHaveLength(1);
  });

  test('cells are graded by verdict and carry their evidence', () => {
    const [all, tcp, udp] = views;
    const flagged = cellAt(all, 0, 1);
    expect(flagged.grade).toBe('warning');
    expect(flagged.title.split('\n\n')).toEqual([
      'node-1 → node-2',
      ['tcp · pod network → node-2:7000', 'verdict: flagged, warning (loss)', 'evidence: loss e = 2.7e13, syn-loss e = 0.52, latency e = 0.16',
        '280 of 300 probes succeeded; loss 6.7% (95% CI 4.4%-10%)',
        'latency p50 0.50 ms · p90 0.50 ms · p99 1.0 s · max 1.0 s', 'SYN retransmits 4; SYN-level loss 1.3% (95% CI 0.5%-3.3%)', 'errors: timeout 20'].join('\n'),
      ['udp · pod network → node-2:7000', 'verdict: flagged, warning (loss)', 'evidence: loss e = 2.7e13, latency e = 5.3',
        '280 of 300 probes succeeded; loss 6.7% (95% CI 4.4%-10%)',
        'latency p50 0.50 ms · p90 0.50 ms · p99 0.50 ms · max 0.50 ms', 'errors: timeout 20'].join('\n'),
    ]);
    // Thin evidence is not shown clean: "?" in the cell, and what would decide it.
    const thin = cellAt(all, 3, 0);
    expect(thin.grade).toBe('inconclusive');
    expect(thin.title).toMatch(/verdict: inconclusive; \d+ more probes \(\d+ s\) would decide it/);
    expect(/<g [^>]*data-r="3" data-c="0"[^]*?<\/g>/.exec(html)![0]).toMatch(/<text [^>]*>\?<\/text><\/g>$/);
    expect(cellAt(all, 1, 0).title).toContain('verdict: clear');
    expect(cellAt(tcp, 0, 1).title).not.toContain('udp');
    expect(cellAt(udp, 0, 1).title).toContain('udp · pod network');

    const dns = cellAt(all, 2, 5);
    expect(dns.grade).toBe('warning');
    expect(dns.title).toContain('node-3 → dns:10.96.0.10\n\ndns · service network → 10.96.0.10:53\nverdict: flagged, warning (resolver-marks)');
    expect(dns.title).toContain('DNS timeouts 0; answered only at resolver marks: 12 after 1 resend');

    expect(cellAt(all, 0, 0)).toMatchObject({ grade: 'diagonal', title: 'node-1 → node-1\nsame node: not probed' });
    for (const cell of all.filter((c) => c.row === 4 && c.column !== 4)) expect(cell).toMatchObject({ grade: 'no-data', title: expect.stringContaining(NO_DATA_REASON) });
    // Of 30: the diagonal 5, node-5's row and column 5 + 4, the two flagged, node-4's row (3 nodes and DNS) inconclusive.
    expect(all.filter((c) => c.grade === 'clear')).toHaveLength(30 - 5 - 9 - 2 - 4);
    expect(all.filter((c) => c.grade === 'inconclusive')).toHaveLength(4);
    // The flagged cell shows the figure behind its flag when the cell is large enough.
    expect(/<g [^>]*data-r="0" data-c="1"[^]*?<\/g>/.exec(html)![0]).toMatch(/<text [^>]*>6\.7%<\/text><\/g>$/);
  });

  test('the panel starts on the top finding\'s pair: the headline cell of each view', () => {
    const [first] = report.findings[0].evidence.pairs;
    expect(views.map((cells) => cells.filter((c) => c.headline).map((c) => c.title.split('\n')[0]))).toEqual([
      [`${first.source} → ${first.destination}`], ['node-1 → node-2'], ['node-1 → node-2'],
    ]);
  });

  test('findings worst first, with severity, subject, message, hint and evidence', () => {
    expect(report.findings.map((f) => `${f.severity} ${f.kind} ${f.subject}`)).toEqual(['warning dns-conntrack-race node-3', 'warning loss node-1 -> node-2']);
    const findings = html.slice(html.indexOf('<section id="findings">'), html.indexOf('<section id="nodes">'));
    const articles = findings.split('<article').slice(1);
    expect(articles).toHaveLength(2);
    report.findings.forEach((finding, i) => {
      const article = unescape(articles[i]);
      expect(article).toContain(`<span class="badge sev-warning">${finding.severity}</span> <strong class="subject">${finding.subject}</strong>`);
      expect(article).toContain(finding.message);
      expect(article).toContain(finding.hint);
      for (const evidence of finding.evidence.pairs) expect(article).toContain(describePairEvidence(evidence));
    });
    expect(unescape(articles[0])).toContain('node-3 (kernel 6.1.0-18-amd64): lookups 300, answeredAtResolverMarks 12, timeouts 0');
    expect(articles[1]).toContain('1 of 1 measured pairs flagged');
  });

  test('nodes: kernel, internal IP, status or the reason for no data, counter deltas, SYN retransmits inferred / counted', () => {
    const rows = html.slice(html.indexOf('<section id="nodes">'), html.indexOf('<section id="run">')).split('<tr').slice(2).map(unescape);
    expect(rows).toHaveLength(5);
    expect(rows[0]).toMatch(/node-1<\/strong>.*198\.18\.0\.10.*6\.1\.0-18-amd64.*>ok<.*>4 \/ 4<.*TCPSynRetrans <strong>4<\/strong>/);
    expect(rows[1]).toMatch(/node-2<\/strong>.*4\.19\.0-21-amd64.*>0 \/ 0<.*ListenOverflows <strong>15<\/strong>/);
    expect(rows[2]).toContain('all zero');
    expect(rows[0]).toContain('<code>topology.kubernetes.io/zone=zone-a</code>');
    expect(rows[4]).toContain(`no data</span> ${NO_DATA_REASON}`);
  });

  test('run: id, start, end, settings and thresholds', () => {
    expect(html).toContain('<div class="muted">2026-01-01 00:00:00 → 00:00:30 UTC (30 s)</div>');
    const run = unescape(html.slice(html.indexOf('<section id="run">')));
    for (const fact of ['<dt>Run id</dt><dd>run-test</dd>', '<dt>Start</dt><dd>2026-01-01T00:00:00.000Z</dd>', '<dt>End</dt><dd>2026-01-01T00:00:30.000Z</dd>',
      '<dt>protocols</dt><dd>tcp, udp, dns</dd>', '<dt>network</dt><dd>pod</dd>',
      'above 0.5%, at a 5.0% false discovery rate across the run\'s tests (e-BH)', 'a pair at the threshold is cleared with probability at most 5.0%', 'exceeds 5.0%',
      'max(3 × the cluster median pair p99, median + 5.0 ms), on pairs with at least 20 successful probes', 'at least 80% elevated',
      '<dt>Agent latency floor</dt><dd>not measured by these agents</dd>', '<dt>Verdicts</dt><dd>3 flagged, 18 clear, 7 inconclusive.']) {
      expect(run).toContain(fact);
    }
  });

  test('no resource outside the page: no URL, no external src/href, a policy that forbids fetching', () => {
    // The policy's base64 hashes may hold "//" by chance: the rest of the page may not.
    const withoutPolicy = html.replace(/<meta http-equiv="Content-Security-Policy"[^>]*>/, '');
    expect(withoutPolicy).not.toMatch(/https?:|\/\/|url\(|@import|<link|<img|<iframe|<object|<embed/i);
    expect([...html.matchAll(/\s(?:src|href|srcset|action|formaction|poster|xlink:href)\s*=\s*"([^"]*)"/gi)].map(([, value]) => value).every((value) => value.startsWith('#'))).toBe(true);
    expect(html).toMatch(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/);
  });

  test('hostile node names, labels, reasons and settings are escaped', () => {
    const evil = ['node-a', '"><script>alert("name")</script>', 'b</title><svg onload=alert(2)>'];
    const results = matrixResults(evil.slice(0, 2), ['tcp', 'dns'], () => ({ attempts: 300, lost: 30 }));
    const hostile = renderHtml(analyse({
      run: { ...RUN, id: 'run-<b>1</b>&co', settings: { note: '</style><script>alert(4)</script>' } },
      nodes: evil.map((name) => ({ name, labels: { 'evil</code><script>alert(3)</script>': `'"&<i>` } })),
      results,
      noData: [{ node: evil[2], reason: '<img src=x onerror=alert(5)> <a href="https://evil.example/">x</a>' }],
    }));
    expect(hostile.match(/<script/g)).toHaveLength(1);
    expect(hostile).not.toMatch(/<(img|svg onload|a href="https|b>|i>)/);
    expect(hostile).toContain('&quot;&gt;&lt;script&gt;alert(&quot;name&quot;)&lt;/script&gt;');
    expect(hostile).toContain('b&lt;/title&gt;&lt;svg onload=alert(2)&gt;');
    expect(hostile).toContain('<title>netprobe matrix · run-&lt;b&gt;1&lt;/b&gt;&amp;co</title>');
    expect(hostile).toContain('&lt;/style&gt;&lt;script&gt;alert(4)&lt;/script&gt;');
    expect(hostile).toContain('evil&lt;/code&gt;&lt;script&gt;alert(3)&lt;/script&gt;=&#39;&quot;&amp;&lt;i&gt;');
    expect(hostile.match(/<\/title>/g)).toHaveLength(hostile.match(/<title>/g)!.length);
    expect([...hostile.matchAll(/\s(?:src|href)\s*=\s*"([^"]*)"/gi)].every(([, value]) => value.startsWith('#'))).toBe(true);
  });

  test('long names are shortened on the axes with a legend; 2 to 50 nodes fit beside the panel', () => {
    const long = (count: number) => Array.from({ length: count }, (_, i) => `ip-10-0-${i + 1}-${17 * i + 5}.eu-west-1.compute.internal`);
    const page = (names: string[]) => renderHtml(analyse({ run: RUN, nodes: names.map((name) => ({ name })), results: matrixResults(names, ['tcp', 'udp', 'dns'], () => ({ attempts: 30 })) }));
    const fifty = page(long(50));
    expect(fifty).toContain('<div><dt>7-107</dt><dd>ip-10-0-7-107.eu-west-1.compute.internal</dd></div>');
    expect(fifty).toMatch(/class="row-label" data-r="6"[^>]*>7-107<title>ip-10-0-7-107\.eu-west-1\.compute\.internal<\/title>/);
    expect(viewsOf(fifty).map((cells) => cells.length)).toEqual([50 * 51, 50 * 50, 50 * 50]);
    for (const width of svgWidths(fifty)) expect(width).toBeLessThanOrEqual(960);
    const two = page(long(2));
    expect(two).toMatch(/class="row-label" data-r="1"[^>]*>2-22</);
    for (const width of svgWidths(two)) expect(width).toBeLessThanOrEqual(300);
  });

  test.each(SCENARIOS.map((s) => s.name))('scenario %s: one cell per row and column of every view', (name) => {
    const scenarioReport = analyse(SCENARIOS.find((s) => s.name === name)!.input);
    const page = renderHtml(scenarioReport);
    const rows = scenarioReport.nodes.length;
    const resolvers = new Set(scenarioReport.pairs.filter((p) => p.destination.startsWith('dns:')).map((p) => p.destination)).size;
    const nodeColumns = scenarioReport.pairs.some((p) => !p.destination.startsWith('dns:')) ? rows : 0;
    const [all, ...perProtocol] = viewsOf(page);
    expect(all).toHaveLength(rows * (nodeColumns + resolvers));
    for (const cells of perProtocol) expect(cells).toHaveLength(rows * rows);
    expect(page.split('<article').length - 1).toBe(scenarioReport.findings.length);
  });

  test('a clean run says so; one probed too little to tell says that instead', () => {
    const run = (attempts: number) => renderHtml(analyse({ run: RUN, nodes: nodeNames(3).map((name) => ({ name })), results: matrixResults(nodeNames(3), ['tcp'], () => ({ attempts })) }));
    const clean = run(1000);
    expect(clean).toContain('No findings: every measured pair is clear, shown within the thresholds.');
    expect(clean).toContain('Every measured pair is clear, shown within the thresholds. Hover over a cell for its evidence.');
    expect(clean).not.toContain('<div class="tabs">');
    const thin = run(30);
    expect(thin).toContain('No findings: nothing was flagged. 6 pairs of 6 are inconclusive (too few probes to call them clean)');
    expect(thin).toContain('Nothing is flagged; cells marked ? are inconclusive');
    expect(thin).not.toContain('Every measured pair is clear');
  });

  test('the agents\' latency floor in the nodes and the run; coverage in the header', () => {
    const mixed = analyse(SCENARIOS.find((s) => s.name === 'mixed-faults')!.input);
    const page = unescape(renderHtml({ ...mixed, coverage: { probedPairs: 12, possiblePairs: 20, fullMeshAfterMs: null } }));
    expect(page).toContain('<td class="num">0.35 ms / 0.45 ms</td>');
    expect(page).toContain("<dt>Agent latency floor</dt><dd>TCP connect p50 0.37 ms (0.35-0.41 ms over 4 nodes), UDP echo p50 0.12 ms on all 4 nodes: connects and echoes to the agent's own listener at start");
    expect(page).toContain('<li>Coverage: 12 of 20 directed node pairs probed (60%); the others are never probed by this sample');
  });
});

describeInChromium('renderHtml in headless Chromium', () => {
  const html = renderHtml(craftedReport());
  const page = pageOnDisk(html);

  test('the script ran under the page\'s policy: each view\'s panel shows its headline cell; every cell is in the DOM', async () => {
    const dom = await runChromium(['--dump-dom', `file://${page.path}`]);
    const headlines = viewsOf(html).map((cells) => cells.find((cell) => cell.headline)!.title.split('\n')[0]);
    const panels = [...dom.matchAll(/<div class="detail-body"><strong>([^<]*)<\/strong>/g)].map(([, heading]) => unescape(heading));
    expect(panels).toEqual(headlines);
    expect(dom.match(/<g class="cell /g)).toHaveLength(30 + 25 + 25);
  }, BROWSER_TEST_TIMEOUT_MS);

  test.each(['light', 'dark'] as const)('a %s screenshot shows the graded cells', async (scheme) => {
    const image = await screenshot(page.path, scheme);
    expect([image.width, image.height]).toEqual([1280, 1000]);
    const palette = paletteOf(html, scheme, ['ok', 'inconclusive', 'warning']);
    // 10 clear (green) cells, 4 inconclusive (grey) and 2 flagged (yellow) ones (of 42 × 42 px) in the first view, plus badges and legend swatches.
    expect(pixelsNear(image, palette.ok)).toBeGreaterThan(10 * 1500);
    expect(pixelsNear(image, palette.inconclusive)).toBeGreaterThan(4 * 1500);
    expect(pixelsNear(image, palette.warning)).toBeGreaterThan(2 * 1500);
  }, BROWSER_TEST_TIMEOUT_MS);
});

describe('-o html past the longest page V8 can hold', () => {
  test('a page of 1,000 nodes in 3 views is refused with what to use instead (not V8\'s "Invalid string length" after minutes of drawing)', () => {
    const measured = nodeNames(3);
    const report = analyse({ run: RUN, nodes: nodeNames(1000).map((name) => ({ name })), results: matrixResults(measured, ['tcp', 'udp'], () => ({ attempts: 30 })) });
    expect(() => renderHtml(report)).toThrow('-o html draws every node pair: 1000 nodes in 3 views would pass the longest page that can be written (934 nodes); use -o json, or the table with --group-by LABEL');
  });

  test('the limit: ~205 characters a cell against 2^29 - 24 characters, fewer nodes the more views', () => {
    expect(htmlNodeLimit(1)).toBe(1618);
    expect(htmlNodeLimit(3)).toBe(934);
    expect(htmlViewCount(1)).toBe(1);
    expect(htmlViewCount(2)).toBe(3);
  });
});
