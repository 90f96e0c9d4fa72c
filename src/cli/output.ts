// -o: the renderers by name, and the colour rule (no-color.org: NO_COLOR set and
// non-empty turns colour off; so does output that is not a terminal).
import { createWriteStream, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { renderHtml } from '../render/html.ts';
import { jsonChunks, renderJson } from '../render/json.ts';
import { renderMatrixJUnit } from '../render/junit-matrix.ts';
import { renderOpenMetrics } from '../render/openmetrics.ts';
import { renderTable } from '../render/table.ts';
import { renderWide } from '../render/wide.ts';
import { renderYaml } from '../render/yaml.ts';
import type { MatrixReport } from '../shared/report.ts';

export const OUTPUT_FORMATS = ['table', 'wide', 'json', 'yaml', 'html', 'junit', 'openmetrics'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface RenderSettings {
  color: boolean;
  width?: number;
  groupBy?: string;
}

export function renderReport(report: MatrixReport, format: OutputFormat, settings: RenderSettings): string {
  switch (format) {
    case 'table': return renderTable(report, settings);
    case 'wide': return renderWide(report, settings);
    case 'json': return renderJson(report);
    case 'yaml': return renderYaml(report);
    case 'html': return renderHtml(report);
    case 'junit': return renderMatrixJUnit(report);
    case 'openmetrics': return renderOpenMetrics(report);
  }
}

export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  return stream.isTTY === true && !env.NO_COLOR;
}

/** --out FILE (saying so on stderr), else stdout. */
export function writeOutput(text: string, out: string | undefined): void {
  if (out) {
    writeFileSync(out, text);
    process.stderr.write(`wrote ${out}\n`);
  } else {
    process.stdout.write(text);
  }
}

/** Pieces are written in blocks of about this many characters: few writes, little held at once. */
const BLOCK_CHARS = 256 * 1024;

/** The report in `format` to --out FILE or stdout; -o json piece by piece, as the stream takes it (a 5,000-node report is ~100 MB). */
export async function writeRenderedReport(report: MatrixReport, format: OutputFormat, settings: RenderSettings, out: string | undefined): Promise<void> {
  if (format !== 'json') return writeOutput(renderReport(report, format, settings), out);
  const stream: Writable = out ? createWriteStream(out) : process.stdout;
  let block = '';
  for (const piece of jsonChunks(report)) {
    block += piece;
    if (block.length < BLOCK_CHARS) continue;
    if (!stream.write(block)) await once(stream, 'drain');
    block = '';
  }
  if (!out) {
    if (!stream.write(block)) await once(stream, 'drain');
    return;
  }
  stream.end(block);
  await once(stream, 'finish');
  process.stderr.write(`wrote ${out}\n`);
}
