// Label selectors (k8s.io/apimachinery/pkg/labels syntax: =, ==, !=, in, notin, exists, !key)
// and field selectors (=, ==, != on the fields a resource exposes).
import { badRequest } from './status.ts';
import type { ResourceDef } from './registry.ts';
import type { KObject } from './store.ts';

type Requirement =
  | { key: string; op: 'in' | 'notin'; values: string[] }
  | { key: string; op: 'exists' | '!exists' };

export type Matcher = (obj: KObject) => boolean;

/** Splits on commas that are not inside a `( … )` value set. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) parts.push(current.trim());
  return parts;
}

function parseRequirement(part: string): Requirement {
  let m = /^([^\s!=]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(part);
  if (m) return { key: m[1], op: m[2] as 'in' | 'notin', values: m[3].split(',').map((v) => v.trim()).filter(Boolean) };
  m = /^([^\s!=]+)\s*(==|=|!=)\s*(\S*)$/.exec(part);
  if (m) return { key: m[1], op: m[2] === '!=' ? 'notin' : 'in', values: [m[3]] };
  m = /^!\s*([^\s!=]+)$/.exec(part);
  if (m) return { key: m[1], op: '!exists' };
  if (/^[^\s!=(),]+$/.test(part)) return { key: part, op: 'exists' };
  throw badRequest(`unable to parse requirement: ${part}`);
}

export function matchRequirements(labels: Record<string, string> | undefined, reqs: Requirement[]): boolean {
  const l = labels ?? {};
  return reqs.every((r) => {
    const has = Object.hasOwn(l, r.key);
    switch (r.op) {
      case 'exists': return has;
      case '!exists': return !has;
      case 'in': return has && r.values.includes(l[r.key]);
      case 'notin': return !has || !r.values.includes(l[r.key]);
    }
  });
}

export function labelSelector(text: string | null): Matcher {
  if (!text) return () => true;
  const reqs = splitTopLevel(text).map(parseRequirement);
  return (obj) => matchRequirements(obj.metadata.labels, reqs);
}

/** Reads a dotted field path; booleans and numbers compare as their string form, as in the real field sets. */
export function fieldValue(obj: KObject, path: string): string {
  let v: unknown = obj;
  for (const key of path.split('.')) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
  return v === undefined || v === null ? '' : String(v);
}

export function fieldSelector(text: string | null, def: ResourceDef): Matcher {
  if (!text) return () => true;
  const known = ['metadata.name', 'metadata.namespace', ...def.fields];
  const terms = text.split(',').filter(Boolean).map((part) => {
    const m = /^([^!=]+)(==|=|!=)(.*)$/.exec(part.trim());
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    if (!known.includes(m[1])) throw badRequest(`field label not supported: ${m[1]}`);
    return { path: m[1], equal: m[2] !== '!=', value: m[3] };
  });
  return (obj) => terms.every((t) => (fieldValue(obj, t.path) === t.value) === t.equal);
}
