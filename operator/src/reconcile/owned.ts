/**
 * Observing what a platform owns: every object of the owned kinds in its namespace whose
 * controller owner reference carries the platform's uid. Matching on the uid (not a label)
 * means a platform deleted and re-created under the same name never adopts the old one's
 * leftovers by accident.
 */
import type { KubernetesObject } from '@kubernetes/client-node';
import type { ObjectClient, ObjectRef } from '../kube/objects.js';

/** The kinds the operator creates for a platform. */
export const OWNED_KINDS = [
  { apiVersion: 'apps/v1', kind: 'Deployment' },
  { apiVersion: 'apps/v1', kind: 'StatefulSet' },
  { apiVersion: 'v1', kind: 'Service' },
  { apiVersion: 'v1', kind: 'ConfigMap' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'Ingress' },
  { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' },
  { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy' },
] as const;

/** `Kind/name`: how desired and observed objects are matched. */
export const objectKey = (o: Pick<KubernetesObject, 'kind' | 'metadata'>): string =>
  `${o.kind ?? ''}/${o.metadata?.name ?? ''}`;

export function refOf(object: KubernetesObject, namespace: string): ObjectRef {
  return {
    apiVersion: object.apiVersion ?? 'v1',
    kind: object.kind ?? '',
    namespace,
    name: object.metadata?.name ?? '',
  };
}

const isOwnedBy = (object: KubernetesObject, uid: string) =>
  (object.metadata?.ownerReferences ?? []).some((ref) => ref.uid === uid && ref.controller === true);

/** The objects the platform `uid` controls, keyed by `Kind/name` (list items carry no kind: it is set here). */
export async function listOwned(
  client: ObjectClient,
  namespace: string,
  uid: string,
): Promise<Map<string, KubernetesObject>> {
  const lists = await Promise.all(
    OWNED_KINDS.map(async ({ apiVersion, kind }) => {
      const items = await client.list(apiVersion, kind, namespace);
      return items.map((item) => ({ ...item, apiVersion, kind }));
    }),
  );
  return new Map(
    lists
      .flat()
      .filter((o) => isOwnedBy(o, uid))
      .map((o) => [objectKey(o), o]),
  );
}
