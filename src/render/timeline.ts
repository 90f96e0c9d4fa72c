// --window in the table: one sparkline per probing node (its pairs' trouble share per
// window) under the cluster's, so a burst that hits every row at once stands apart
// from one node's bad minutes. Bursts are named in the findings below.
import { formatPercent } from '../shared/format.ts';
import type { TimelineReport } from '../shared/report.ts';
import { paint } from './ansi.ts';
import { wrap } from './wrap.ts';

const BARS = '▁▂▃▄▅▆▇█';
const LABEL_WIDTH = 14;

export function renderTimeline(timeline: TimelineReport, options: { color: boolean; width: number }): string {
  const columns = Math.max(8, options.width - LABEL_WIDTH - 20);
  // Adjacent windows merged when there are more than the terminal has columns.
  const perColumn = Math.ceil(timeline.windows.length / columns);
  const merge = (values: readonly number[]) => Array.from({ length: Math.ceil(timeline.windows.length / perColumn) }, (_, c) =>
    values.slice(c * perColumn, (c + 1) * perColumn).reduce((a, b) => a + b, 0));
  const cluster = { attempts: merge(timeline.windows.map((w) => w.attempts)), trouble: merge(timeline.windows.map((w) => w.trouble)) };
  const bySource = new Map<string, { attempts: number[]; trouble: number[] }>();
  for (const pair of timeline.pairs) {
    const row = bySource.get(pair.source) ?? { attempts: new Array(timeline.windows.length).fill(0), trouble: new Array(timeline.windows.length).fill(0) };
    pair.attempts.forEach((n, i) => (row.attempts[i] += n));
    pair.trouble.forEach((n, i) => (row.trouble[i] += n));
    bySource.set(pair.source, row);
  }
  const burstColumns = new Set(timeline.bursts.map((b) => Math.floor(b.window / perColumn)));
  const ratios = (row: { attempts: number[]; trouble: number[] }) => row.trouble.map((t, i) => (row.attempts[i] ? t / row.attempts[i] : 0));
  const peak = Math.max(1e-9, ...ratios(cluster), ...[...bySource.values()].map((r) => Math.max(...ratios({ attempts: merge(r.attempts), trouble: merge(r.trouble) }))));
  const spark = (row: { attempts: number[]; trouble: number[] }) => ratios(row).map((ratio, i) => {
    const bar = ratio === 0 ? ' ' : BARS[Math.min(BARS.length - 1, Math.floor((ratio / peak) * BARS.length))];
    return burstColumns.has(i) ? paint(bar, 'red', options.color) : bar;
  }).join('');
  const worst = (row: { attempts: number[]; trouble: number[] }) => {
    const r = ratios(row);
    const max = Math.max(...r);
    return max > 0 ? `peak ${formatPercent(max)}` : 'no trouble';
  };
  const minutes = (ms: number) => (ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);
  const lines = [
    wrap(`Trouble over time, ${timeline.windows.length} windows of ${minutes(timeline.windowMs)} from ${timeline.originAt.slice(11, 19)} UTC${perColumn > 1 ? ` (${perColumn} per column)` : ''}`
      + ' (failed probes, connects after SYN retransmits, DNS answers at 5 s marks; scale: the peak; bursts in red):', options.width, ''),
    `  ${'all pairs'.padEnd(LABEL_WIDTH)}${spark(cluster)}  ${worst(cluster)}`,
    ...[...bySource.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([source, row]) => {
      const merged = { attempts: merge(row.attempts), trouble: merge(row.trouble) };
      return `  ${`${source.slice(0, LABEL_WIDTH - 3)} →`.padEnd(LABEL_WIDTH)}${spark(merged)}  ${worst(merged)}`;
    }),
  ];
  if (bySource.size === 0) lines.push('  no probe had trouble in any window');
  return lines.join('\n');
}
