// Flag values as a person types them: durations like kubectl's (30s, 2m, 1h30m),
// comma lists, key=value labels. Bad values fail before anything is created.

export class UsageError extends Error {}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration flag's value in ms: "30s", "2m", "1h30m", "500ms", a bare number is seconds; 0 only where `allowZero` (a flag whose 0 means off). */
export function parseDuration(text: string, flag: string, { allowZero = false } = {}): number {
  const trimmed = text.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== trimmed) {
    throw new UsageError(`${flag}: "${text}" is not a duration (e.g. 30s, 2m, 1h30m)`);
  }
  const ms = parts.reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_MS[unit], 0);
  if (ms < 0 || (ms === 0 && !allowZero)) throw new UsageError(`${flag}: must be longer than 0`);
  return ms;
}

export function parseList(text: string | undefined): string[] {
  return (text ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

export function parseLabels(text: string | undefined, flag: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const item of parseList(text)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new UsageError(`${flag}: "${item}" is not key=value`);
    labels[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return labels;
}

export function parseOneOf<T extends string>(values: readonly T[], text: string, flag: string): T {
  if (!values.includes(text as T)) throw new UsageError(`${flag}: "${text}" is not one of ${values.join(', ')}`);
  return text as T;
}

export function parseRate(value: number, flag: string): number {
  // Above ~100/s per pair the probes themselves load conntrack and the CPU: that measures netprobe, not the network.
  if (!Number.isFinite(value) || value <= 0 || value > 100) throw new UsageError(`${flag}: ${value} is not a rate between 0 and 100 per second`);
  return value;
}
