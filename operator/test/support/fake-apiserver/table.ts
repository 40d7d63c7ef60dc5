/**
 * TEST DOUBLE — the `meta.k8s.io/v1` Table that `kubectl get` asks for (Accept
 * `…;as=Table;…`): NAME and AGE columns only, rendered by the fake server.
 */
import type { StoredObject } from './store.js';

/** Does the client ask for server-side printing? */
export function wantsTable(accept: string | undefined): boolean {
  return accept?.includes('as=Table') === true;
}

function age(created: string | undefined, now: number): string {
  if (created === undefined) return '<unknown>';
  const seconds = Math.max(0, Math.round((now - Date.parse(created)) / 1000));
  return seconds < 120 ? `${seconds}s` : `${Math.round(seconds / 60)}m`;
}

/** A Table of the objects in a list or of one object. */
export function toTable(body: object, now = Date.now()): object {
  const list = body as { items?: StoredObject[]; metadata?: { resourceVersion?: string } };
  const items = list.items ?? [body as StoredObject];
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: list.metadata?.resourceVersion ?? '' },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      { name: 'Age', type: 'string', format: '', description: 'Age', priority: 0 },
    ],
    rows: items.map((item) => ({
      cells: [item.metadata.name, age(item.metadata.creationTimestamp, now)],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}
