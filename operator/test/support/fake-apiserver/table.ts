/**
 * TEST DOUBLE — the `meta.k8s.io/v1` Table that `kubectl get` asks for (Accept
 * `…;as=Table;…`): NAME, then a custom resource's `additionalPrinterColumns` from its CRD
 * (the simple JSONPaths it uses: fields and one `[?(@.k=="v")]` filter), else AGE.
 */
import { buildCrd } from '../../../src/api/crd.js';
import type { ResourceType } from './resource-types.js';
import type { StoredObject } from './store.js';

interface PrinterColumn {
  readonly name: string;
  readonly type: string;
  readonly jsonPath: string;
}

function printerColumns(type: ResourceType | undefined): readonly PrinterColumn[] {
  if (type?.kind !== 'WeChatPlatform') return [{ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' }];
  const crd = buildCrd() as { spec: { versions: { additionalPrinterColumns: PrinterColumn[] }[] } };
  return crd.spec.versions[0]?.additionalPrinterColumns ?? [];
}

/** `.a.b[?(@.type=="Ready")].status` on one object. */
function evaluate(object: unknown, jsonPath: string): unknown {
  let node: unknown = object;
  for (const step of jsonPath.match(/\.[A-Za-z0-9_-]+|\[\?\(@\.[A-Za-z]+=="[^"]*"\)\]/g) ?? []) {
    const filter = /^\[\?\(@\.([A-Za-z]+)=="([^"]*)"\)\]$/.exec(step);
    if (filter !== null) {
      const [, key = '', value] = filter;
      node = Array.isArray(node) ? node.find((e) => (e as Record<string, unknown>)[key] === value) : undefined;
    } else
      node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[step.slice(1)] : undefined;
  }
  return node;
}

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
export function toTable(body: object, type?: ResourceType, now = Date.now()): object {
  const list = body as { items?: StoredObject[]; metadata?: { resourceVersion?: string } };
  const items = list.items ?? [body as StoredObject];
  const columns = printerColumns(type);
  const cell = (item: StoredObject, column: PrinterColumn) => {
    const value = evaluate(item, column.jsonPath);
    if (column.type === 'date') return age(value as string | undefined, now);
    return value === undefined ? '' : value;
  };
  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata: { resourceVersion: list.metadata?.resourceVersion ?? '' },
    columnDefinitions: [
      { name: 'Name', type: 'string', format: 'name', description: 'Name', priority: 0 },
      ...columns.map((c) => ({ name: c.name, type: c.type, format: '', description: c.name, priority: 0 })),
    ],
    rows: items.map((item) => ({
      cells: [item.metadata.name, ...columns.map((c) => cell(item, c))],
      object: { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: item.metadata },
    })),
  };
}
