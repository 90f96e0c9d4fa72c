// How an agent writes its documents to stdout, so that the kubelet's log handling cannot
// corrupt them unseen. The container runtime splits a line longer than 16 KiB into partial
// ("P") CRI log entries, and the kubelet rotates a container's log file (past
// containerLogMaxSize, 10 MiB by default, checked every 10 s) between entries, serving only
// the current file to `kubectl logs`: a rotation can land inside a long line and leave only
// its tail. So no line the agent writes is longer than PART_CHARS (a document that does not fit
// becomes numbered parts, each a line of its own), and the CLI knows which parts it lacks.
//
// A document that fits is one JSON line, as it always was; a larger one is written as lines
//   netprobe-part <doc> <i>/<n> <slice of its JSON text>
// whose slices, joined in order, are the document's JSON text.

export const PART_PREFIX = 'netprobe-part ';
/** Characters of JSON per line: 4 Ki (at most 12 KiB in UTF-8), 12 Ki when all ASCII; both below the runtime's 16 KiB entries. */
const PART_CHARS_ASCII = 12 * 1024;
const PART_CHARS_UTF8 = 4 * 1024;

/** The lines (without newlines) that carry document number `doc`. */
export function documentLines(doc: object, docNumber: number): string[] {
  const text = JSON.stringify(doc);
  const ascii = /^[\x00-\x7f]*$/.test(text);
  const size = ascii ? PART_CHARS_ASCII : PART_CHARS_UTF8;
  if (text.length <= size) return [text];
  const slices: string[] = [];
  for (let at = 0; at < text.length;) {
    let end = Math.min(text.length, at + size);
    // Never between the two halves of a surrogate pair (JSON.stringify leaves only whole pairs).
    if (end < text.length && /[\ud800-\udbff]/.test(text[end - 1])) end--;
    slices.push(text.slice(at, end));
    at = end;
  }
  return slices.map((slice, i) => `${PART_PREFIX}${docNumber} ${i + 1}/${slices.length} ${slice}`);
}
