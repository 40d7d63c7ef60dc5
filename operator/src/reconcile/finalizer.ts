/**
 * The platform's finalizer, added on the first reconcile and removed after cleanup. Both
 * edits are RFC 6902 JSON patches guarded by a `test` operation, so a concurrent change to
 * the list (another controller's finalizer) fails with 422/409 and the reconcile retries,
 * instead of a merge patch silently replacing the whole list.
 */
import { FINALIZER } from '../api/v1alpha1.js';
import type { JsonPatchOperation, ObjectClient, ObjectRef } from '../kube/objects.js';
import { PLATFORM_TYPE } from './status.js';

interface Finalizable {
  readonly metadata?: { readonly finalizers?: readonly string[]; readonly resourceVersion?: string };
}

export const hasFinalizer = (object: Finalizable): boolean => (object.metadata?.finalizers ?? []).includes(FINALIZER);

/** Adds the finalizer (no-op when present). */
export async function addFinalizer(client: ObjectClient, ref: ObjectRef, object: Finalizable): Promise<void> {
  if (hasFinalizer(object)) return;
  const finalizers = object.metadata?.finalizers;
  const operations: JsonPatchOperation[] =
    finalizers === undefined
      ? [
          { op: 'test', path: '/metadata/resourceVersion', value: object.metadata?.resourceVersion },
          { op: 'add', path: '/metadata/finalizers', value: [FINALIZER] },
        ]
      : [
          { op: 'test', path: '/metadata/finalizers', value: finalizers },
          { op: 'add', path: '/metadata/finalizers/-', value: FINALIZER },
        ];
  await client.jsonPatchCustom(PLATFORM_TYPE, ref, operations);
}

/** Removes the finalizer (no-op when absent); the API server then deletes the object. */
export async function removeFinalizer(client: ObjectClient, ref: ObjectRef, object: Finalizable): Promise<void> {
  const index = (object.metadata?.finalizers ?? []).indexOf(FINALIZER);
  if (index < 0) return;
  await client.jsonPatchCustom(PLATFORM_TYPE, ref, [
    { op: 'test', path: `/metadata/finalizers/${index}`, value: FINALIZER },
    { op: 'remove', path: `/metadata/finalizers/${index}` },
  ]);
}
