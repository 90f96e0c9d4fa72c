// What the agent writes to stdout, and how much of it. The log the CLI reads is the kubelet's
// current log file of the container, which the kubelet rotates once it passes
// containerLogMaxSize (10 MiB by default; KubeletConfiguration) — at most once per 10 s
// monitor period, between CRI entries — and the runtime splits lines longer than 16 KiB into
// partial entries. So:
//  - every line is short enough never to be split (src/shared/agent-output.ts), so a rotation
//    can cut between documents' parts but never inside a line, and the CLI can say what is missing;
//  - interim results (--window) together take at most INTERIM_BUDGET_BYTES of the log, less
//    than half of 10 MiB, so that on its own the log never reaches a rotation, however long the
//    run (they are cumulative, so each grows with the run: the budget decides which are printed);
//  - the final result is written twice, back to back: a rotation that cuts the first copy leaves
//    a fresh file that cannot rotate again before the second copy is whole in it. (One later than
//    that, in the milliseconds before the agent exits, needs the log past the limit: with the
//    budget, and the default limit, it never gets there.)
import { documentLines } from '../shared/agent-output.ts';

export const INTERIM_BUDGET_BYTES = 4 * 1024 * 1024;
/** What the runtime adds to each line in the log file: "<RFC 3339 timestamp, ns> stdout F " (the CRI log format). */
const CRI_ENTRY_OVERHEAD_BYTES = 45;

export class DocumentWriter {
  private nextDocument = 1;
  private readonly out: (text: string) => void;

  constructor(out: (text: string) => void) {
    this.out = out;
  }

  /** The document's lines (numbered as the next document) and what they take in the log. */
  prepare(doc: object): { lines: string[]; logBytes: number } {
    const lines = documentLines(doc, this.nextDocument++);
    return { lines, logBytes: lines.reduce((n, line) => n + Buffer.byteLength(line) + 1 + CRI_ENTRY_OVERHEAD_BYTES, 0) };
  }

  /** Writes prepared lines, `copies` times in a row. */
  write(lines: readonly string[], copies = 1): void {
    const text = `${lines.join('\n')}\n`;
    for (let i = 0; i < copies; i++) this.out(text);
  }

  /** The final result: twice (see above). */
  writeFinal(doc: object): void {
    this.write(this.prepare(doc).lines, 2);
  }
}

/**
 * Spends the interim budget evenly over the run: after window i of n, interim results may
 * have taken i/n of it. A document that would overspend is skipped (a Ctrl-C then reports
 * the last one printed); as they grow with the run, they come less often rather than stop.
 */
export class InterimBudget {
  private spent = 0;
  private readonly budgetBytes: number;

  constructor(budgetBytes = INTERIM_BUDGET_BYTES) {
    this.budgetBytes = budgetBytes;
  }

  /** Whether a document of `bytes` at the end of window `index` (0-based) of `windows` fits; if so it counts as spent. */
  allows(bytes: number, index: number, windows: number): boolean {
    const allowance = this.budgetBytes * Math.min(1, (index + 1) / windows);
    if (this.spent + bytes > allowance) return false;
    this.spent += bytes;
    return true;
  }
}
