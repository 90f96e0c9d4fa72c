// The documents in what an agent printed: JSON object lines, and documents written in parts
// (src/shared/agent-output.ts) joined back, in the order they were completed. Parts that
// never arrived (a log rotated in the middle of a document) are named, not guessed at.
import { PART_PREFIX } from '../shared/agent-output.ts';

export interface IncompleteDocument {
  /** The parts there are (1-based), of how many. */
  have: number[];
  of: number;
  /** Seen after the last whole document: what the agent wrote last did not arrive whole. */
  afterLastComplete: boolean;
}

export interface AgentDocuments {
  /** Every whole document that parses as a JSON object, oldest first. */
  complete: Record<string, unknown>[];
  /** Documents of which only some parts are in the text. */
  incomplete: IncompleteDocument[];
  /** Lines that start like a JSON object but do not parse (cut off, or garbage): the first one's error. */
  firstParseError: string | null;
  /** Such a line after the last whole document: what the agent wrote last was cut off. */
  brokenAfterLastComplete: string | null;
  /** The text's last non-empty line, for messages. */
  lastLine: string;
}

const PART_LINE = /^(\d+) (\d+)\/(\d+) (.*)$/s;

interface PartialDocument { of: number; slices: Map<number, string>; done: boolean; lastSeen: number }

export function readDocuments(text: string): AgentDocuments {
  const complete: Record<string, unknown>[] = [];
  let lastCompleteAt = -1;
  const partial = new Map<number, PartialDocument>();
  let firstParseError: string | null = null;
  let lastBroken: { at: number; error: string } | undefined;
  const add = (candidate: string, at: number) => {
    try {
      const value: unknown = JSON.parse(candidate);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
      complete.push(value as Record<string, unknown>);
      lastCompleteAt = at;
    } catch (error) {
      firstParseError ??= (error as Error).message;
      lastBroken = { at, error: (error as Error).message };
    }
  };
  const trimmed = text.trim();
  const lines = trimmed.split('\n').map((line) => line.trim());
  // A document pretty-printed over several lines is the whole text.
  if (lines.length > 1 && trimmed.startsWith('{') && trimmed.endsWith('}')) {
    try {
      const value: unknown = JSON.parse(trimmed);
      if (typeof value === 'object' && value !== null) return { complete: [value as Record<string, unknown>], incomplete: [], firstParseError, brokenAfterLastComplete: null, lastLine: lines[lines.length - 1] };
    } catch {
      // Not one document: lines of their own.
    }
  }
  // Parts are taken as written: their slices may begin or end with a space.
  trimmed.split('\n').forEach((raw, at) => {
    const line = lines[at];
    if (line.startsWith('{')) return add(line, at);
    const match = raw.startsWith(PART_PREFIX) && PART_LINE.exec(raw.slice(PART_PREFIX.length).replace(/\r$/, ''));
    if (!match) return;
    const [doc, index, of] = [Number(match[1]), Number(match[2]), Number(match[3])];
    const entry = partial.get(doc) ?? { of, slices: new Map<number, string>(), done: false, lastSeen: at };
    partial.set(doc, entry);
    if (entry.done || index < 1 || index > entry.of) return;
    // The final document is written twice: the second copy fills in what a rotation cut from the first.
    entry.slices.set(index, match[4]);
    entry.lastSeen = at;
    if (entry.slices.size < entry.of) return;
    entry.done = true;
    add(Array.from({ length: entry.of }, (_, i) => entry.slices.get(i + 1)).join(''), at);
  });
  const incomplete = [...partial.values()].filter((p) => !p.done)
    .map((p) => ({ have: [...p.slices.keys()].sort((a, b) => a - b), of: p.of, afterLastComplete: p.lastSeen > lastCompleteAt }));
  const brokenAfterLastComplete = lastBroken && lastBroken.at > lastCompleteAt ? lastBroken.error : null;
  return { complete, incomplete, firstParseError, brokenAfterLastComplete, lastLine: lines[lines.length - 1] };
}

/** "parts 1-3 and 5 of 9". */
export function describeParts(parts: readonly number[], of: number): string {
  const ranges: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    let j = i;
    while (j + 1 < parts.length && parts[j + 1] === parts[j] + 1) j++;
    ranges.push(j > i ? `${parts[i]}-${parts[j]}` : String(parts[i]));
    i = j;
  }
  const list = ranges.length > 1 ? `${ranges.slice(0, -1).join(', ')} and ${ranges.at(-1)}` : ranges[0];
  return `part${parts.length === 1 ? '' : 's'} ${list} of ${of}`;
}
