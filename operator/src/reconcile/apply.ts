/**
 * Applying desired objects by server-side apply (field manager `mpstack-operator`, force):
 * the operator owns exactly the fields it sends, so a field removed from the spec (an
 * Ingress's TLS, its class) is removed from the object by the server. An object is applied
 * when it is missing, when a field we set drifted, or when what we send changed — the hash
 * of the sent body rides along in an annotation, because a removal leaves the desired body
 * a subset of the live object and would otherwise go unnoticed. Nothing matches → no write
 * (a reconcile with nothing to do costs the API server only reads). What the platform owns
 * but no longer wants is deleted. One object failing (a 422 for an immutable StatefulSet
 * field, say) never stops the others: its failure is reported with the server's message.
 */
import { createHash } from 'node:crypto';
import type { KubernetesObject } from '@kubernetes/client-node';
import { serverMessageOf, statusOf } from '../kube/errors.js';
import type { ObjectClient } from '../kube/objects.js';
import { objectKey, refOf } from './owned.js';
import { stableJson } from './status.js';

/** The hash of the body last applied, so a removed field is noticed. */
export const APPLIED_HASH_ANNOTATION = 'mpstack.io/applied-hash';

/** One object the server refused, with its words. */
export interface ApplyFailure {
  readonly key: string;
  readonly status: number | undefined;
  readonly message: string;
}

export interface ApplySummary {
  readonly created: readonly string[];
  readonly patched: readonly string[];
  readonly deleted: readonly string[];
  readonly failed: readonly ApplyFailure[];
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

/** What we send: no status, no server-owned metadata, our namespace and the hash annotation. */
function applyBody(object: KubernetesObject, namespace: string): KubernetesObject {
  const { status: _status, ...rest } = object as KubernetesObject & { status?: unknown };
  const { resourceVersion: _rv, ...metadata } = object.metadata ?? {};
  const body = { ...rest, metadata: { ...metadata, namespace } };
  const hash = createHash('sha256').update(stableJson(body)).digest('hex').slice(0, 16);
  return {
    ...body,
    metadata: { ...body.metadata, annotations: { ...body.metadata.annotations, [APPLIED_HASH_ANNOTATION]: hash } },
  };
}

const failureOf = (key: string, error: unknown): ApplyFailure => ({
  key,
  status: statusOf(error),
  message: serverMessageOf(error),
});

/** Brings the owned objects to the desired set, object by object. */
export async function applyDesired(
  client: ObjectClient,
  namespace: string,
  desired: readonly KubernetesObject[],
  owned: ReadonlyMap<string, KubernetesObject>,
): Promise<ApplySummary> {
  const created: string[] = [];
  const patched: string[] = [];
  const deleted: string[] = [];
  const failed: ApplyFailure[] = [];
  const wanted = new Set<string>();
  for (const object of desired) {
    const key = objectKey(object);
    wanted.add(key);
    try {
      const body = applyBody(object, namespace);
      const existing = owned.get(key) ?? (await client.get(refOf(object, namespace)));
      if (existing !== undefined && isSubset(body, existing)) continue;
      await client.apply(body);
      (existing === undefined ? created : patched).push(key);
    } catch (error) {
      failed.push(failureOf(key, error));
    }
  }
  for (const [key, object] of owned) {
    if (wanted.has(key)) continue;
    try {
      await client.delete(refOf(object, namespace));
      deleted.push(key);
    } catch (error) {
      failed.push(failureOf(key, error));
    }
  }
  return { created, patched, deleted, failed };
}
