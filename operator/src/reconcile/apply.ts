/**
 * Applying desired objects: create what is missing, merge-patch what differs, leave alone
 * what already matches (no write at all — a reconcile with nothing to do must cost the API
 * server only reads), delete what the platform owns but no longer wants. "Matches" means
 * every field we set has our value; fields the API server or other controllers added
 * (defaults, status, annotations) are not ours to compare.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectClient } from '../kube/objects.js';
import { objectKey, refOf } from './owned.js';

export interface ApplySummary {
  readonly created: readonly string[];
  readonly patched: readonly string[];
  readonly deleted: readonly string[];
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Is every field of `desired` present in `actual` with the same value? Arrays must have the
 * same length and match element by element (a merge patch replaces arrays whole).
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && desired.length === actual.length && desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (isRecord(desired)) {
    if (actual instanceof Date || !isRecord(actual)) return false;
    return Object.entries(desired).every(([key, value]) => value === undefined || isSubset(value, actual[key]));
  }
  if (actual instanceof Date) return typeof desired === 'string' && Date.parse(desired) === actual.getTime();
  return desired === actual;
}

/** The part of a desired object we write: no status, no resourceVersion. */
function writable(object: KubernetesObject): KubernetesObject {
  const { status: _status, ...rest } = object as KubernetesObject & { status?: unknown };
  const { resourceVersion: _rv, ...metadata } = object.metadata ?? {};
  return { ...rest, metadata };
}

/** Brings the owned objects to the desired set. */
export async function applyDesired(
  client: ObjectClient,
  namespace: string,
  desired: readonly KubernetesObject[],
  owned: ReadonlyMap<string, KubernetesObject>,
): Promise<ApplySummary> {
  const created: string[] = [];
  const patched: string[] = [];
  const deleted: string[] = [];
  const wanted = new Set<string>();
  for (const object of desired) {
    const key = objectKey(object);
    wanted.add(key);
    const body = writable(object);
    const existing = owned.get(key) ?? (await client.get(refOf(object, namespace)));
    if (existing === undefined) {
      await client.create({ ...body, metadata: { ...body.metadata, namespace } });
      created.push(key);
    } else if (!isSubset(body, existing)) {
      await client.mergePatch(refOf(object, namespace), body);
      patched.push(key);
    }
  }
  for (const [key, object] of owned) {
    if (wanted.has(key)) continue;
    await client.delete(refOf(object, namespace));
    deleted.push(key);
  }
  return { created, patched, deleted };
}
