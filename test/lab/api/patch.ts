// The patch types the API accepts: JSON merge patch (RFC 7386), strategic merge patch
// (treated as a merge patch — enough for labels, annotations and scalar fields), JSON patch
// (RFC 6902) and server-side apply (applied as a merge of the configuration).
import { load } from 'js-yaml';
import { badRequest, ApiError } from './status.ts';

type Json = unknown;

export function mergePatch(target: Json, patch: Json): Json {
  if (!patch || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const out: Record<string, Json> = target && typeof target === 'object' && !Array.isArray(target) ? { ...(target as Record<string, Json>) } : {};
  for (const [k, v] of Object.entries(patch as Record<string, Json>)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

interface JsonPatchOp { op: string; path: string; value?: Json; from?: string }

function pointer(path: string): string[] {
  return path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function jsonPatch(target: Json, ops: JsonPatchOp[]): Json {
  const doc = structuredClone(target);
  for (const op of ops) {
    const keys = pointer(op.path);
    const last = keys.pop()!;
    let parent = doc as Record<string, Json>;
    for (const k of keys) {
      parent = parent?.[k] as Record<string, Json>;
      if (parent === undefined) throw new ApiError(422, 'Invalid', `jsonpatch ${op.op} operation does not apply: doc is missing path: ${op.path}`);
    }
    const list = Array.isArray(parent) ? (parent as Json[]) : undefined;
    const index = list ? (last === '-' ? list.length : Number(last)) : -1;
    switch (op.op) {
      case 'add':
        if (list) list.splice(index, 0, op.value);
        else parent[last] = op.value;
        break;
      case 'replace':
        if (!(last in parent)) throw new ApiError(422, 'Invalid', `jsonpatch replace operation does not apply: doc is missing key: ${op.path}`);
        parent[last] = op.value;
        break;
      case 'remove':
        if (!(last in parent)) throw new ApiError(422, 'Invalid', `jsonpatch remove operation does not apply: doc is missing path: ${op.path}`);
        if (list) list.splice(index, 1);
        else delete parent[last];
        break;
      case 'test':
        if (JSON.stringify(parent[last]) !== JSON.stringify(op.value)) throw new ApiError(422, 'Invalid', `testing value ${op.path} failed`);
        break;
      default:
        throw badRequest(`unsupported json patch operation: ${op.op}`);
    }
  }
  return doc;
}

export const PATCH_TYPES = ['application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json', 'application/apply-patch+yaml'];

export function parsePatchBody(contentType: string, body: string): Json {
  try {
    return contentType === 'application/apply-patch+yaml' ? load(body) : JSON.parse(body);
  } catch (err) {
    throw badRequest(`error decoding patch: ${(err as Error).message}`);
  }
}

export function applyPatch(contentType: string, target: Json, patch: Json): Json {
  if (contentType === 'application/json-patch+json') return jsonPatch(target, patch as JsonPatchOp[]);
  return mergePatch(target, patch);
}
