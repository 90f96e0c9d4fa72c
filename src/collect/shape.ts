// Reading untrusted JSON field by field: each reader returns the typed value or throws a
// ShapeError naming the field's path ("series[3].latency.count") and what was there.

export class ShapeError extends Error {}

export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}

function fail(at: string, expected: string, value: unknown): never {
  throw new ShapeError(value === undefined ? `${at} is missing` : `${at} should be ${expected}, got ${describeValue(value)}`);
}

export function readObject(value: unknown, at: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(at, 'an object', value);
  return value as Record<string, unknown>;
}

export function readArray(value: unknown, at: string): unknown[] {
  if (!Array.isArray(value)) fail(at, 'a list', value);
  return value;
}

export function readString(value: unknown, at: string): string {
  if (typeof value !== 'string') fail(at, 'a string', value);
  return value;
}

export function readNumber(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) fail(at, 'a number', value);
  return value;
}

/** A whole number >= 0. */
export function readCount(value: unknown, at: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) fail(at, 'a whole number >= 0', value);
  return value;
}

export function readNullable<T>(value: unknown, at: string, read: (value: unknown, at: string) => T): T | null {
  return value === null ? null : read(value, at);
}

export function readOneOf<T extends string>(value: unknown, at: string, allowed: readonly T[]): T {
  if (!allowed.includes(value as T)) fail(at, `one of ${allowed.join(', ')}`, value);
  return value as T;
}

/** An object whose every value is a count, e.g. outcomes by name. */
export function readCounts(value: unknown, at: string): Record<string, number> {
  const counts = readObject(value, at);
  for (const [key, n] of Object.entries(counts)) readCount(n, `${at}.${key}`);
  return counts as Record<string, number>;
}

export function readCountList(value: unknown, at: string): number[] {
  return readArray(value, at).map((n, i) => readCount(n, `${at}[${i}]`));
}
