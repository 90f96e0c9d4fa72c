import { visibleLength } from './ansi.ts';

/** Word-wraps text to width: the first line starts with firstIndent, the others with restIndent. */
export function wrap(text: string, width: number, firstIndent: string, restIndent = firstIndent): string {
  const lines: string[] = [];
  let line = firstIndent;
  let lineHasWord = false;
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (lineHasWord && visibleLength(line) + 1 + visibleLength(word) > width) {
      lines.push(line);
      line = restIndent;
      lineHasWord = false;
    }
    line += (lineHasWord ? ' ' : '') + word;
    lineHasWord = true;
  }
  lines.push(line);
  return lines.join('\n');
}
