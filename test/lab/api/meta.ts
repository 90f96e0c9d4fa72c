// Object metadata the server fills in on create (ObjectMeta conventions: uid, creationTimestamp,
// generateName with a random 5-character suffix).
import { randomBytes, randomUUID } from 'node:crypto';
import type { KObject } from './store.ts';

/** RFC 3339 with seconds, as metav1.Time serialises. */
export const now = (): string => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

// The same alphabet as utilrand.String: no vowels or confusable characters.
const ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';

export function randomSuffix(length = 5): string {
  return [...randomBytes(length)].map((b) => ALPHABET[b % ALPHABET.length]).join('');
}

export function initMetadata(obj: KObject, namespace: string | undefined): void {
  if (!obj.metadata.name && obj.metadata.generateName) obj.metadata.name = obj.metadata.generateName + randomSuffix();
  if (namespace !== undefined) obj.metadata.namespace = namespace;
  obj.metadata.uid = randomUUID();
  obj.metadata.creationTimestamp = now();
  delete obj.metadata.deletionTimestamp;
  delete obj.metadata.deletionGracePeriodSeconds;
}
