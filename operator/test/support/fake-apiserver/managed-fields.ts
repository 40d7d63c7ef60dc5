/**
 * TEST DOUBLE — field ownership of the fake Kubernetes API server (`metadata.managedFields`),
 * enough for server-side apply to behave as the operator relies on it: an apply
 * (`application/apply-patch+yaml`, `fieldManager` required) owns the fields it sends; a
 * later apply by the same manager that no longer sends a field REMOVES it unless another
 * manager also owns it; a field another manager owns with a different value is a 409
 * conflict unless `force=true`, which takes it over; any other write (create, update,
 * merge or JSON patch) makes its manager own the fields it changed, taking them from the
 * others. Simplification, not Kubernetes: every list is atomic (owned and replaced whole —
 * the real server merges lists like `containers` by key), and `status` is not tracked.
 */
import { ApiError } from './api-error.js';
import type { StoredObject } from './store.js';

type Path = readonly string[];
type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: Record<string, unknown>;
}

/** Metadata the server owns; never part of anyone's field set. */
const SERVER_META = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'managedFields',
  'generateName',
  'selfLink',
]);

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);
const keyOf = (p: Path) => JSON.stringify(p);
const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The leaf paths of an object: scalars, lists (atomic) and empty maps. */
export function leafPaths(object: Readonly<Record<string, unknown>>): Path[] {
  const out: Path[] = [];
  const walk = (value: unknown, path: string[]) => {
    if (isObject(value) && Object.keys(value).length > 0) {
      for (const [k, v] of Object.entries(value)) walk(v, [...path, k]);
    } else out.push(path);
  };
  for (const [key, value] of Object.entries(object)) {
    if (key === 'apiVersion' || key === 'kind' || key === 'status') continue;
    if (key === 'metadata' && isObject(value)) {
      for (const [k, v] of Object.entries(value)) if (!SERVER_META.has(k)) walk(v, ['metadata', k]);
    } else walk(value, [key]);
  }
  return out;
}

function valueAt(object: unknown, path: Path): unknown {
  let node = object;
  for (const key of path) node = isObject(node) ? node[key] : undefined;
  return node;
}

function removeAt(object: Record<string, unknown>, path: Path): void {
  const parents: Record<string, unknown>[] = [];
  let node: unknown = object;
  for (const key of path.slice(0, -1)) {
    if (!isObject(node)) return;
    parents.push(node);
    node = node[key];
  }
  const last = path[path.length - 1];
  if (!isObject(node) || last === undefined) return;
  delete node[last];
  // A map left empty by the removal goes too, as the real server's pruning of owned maps does.
  for (let i = parents.length - 1; i >= 0; i -= 1) {
    const child = path[i];
    const parent = parents[i];
    if (child === undefined || parent === undefined) break;
    const value = parent[child];
    if (!isObject(value) || Object.keys(value).length > 0) break;
    delete parent[child];
  }
}

/** Objects merge; lists and scalars replace (atomic lists). */
function merge(target: unknown, config: unknown): unknown {
  if (!isObject(config) || !isObject(target)) return structuredClone(config);
  const result: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(config)) result[k] = merge(result[k], v);
  return result;
}

/** `{"f:spec":{"f:replicas":{}}}` from paths (the FieldsV1 shape). */
function toFieldsV1(paths: readonly Path[]): Record<string, unknown> {
  const root: Record<string, Record<string, unknown>> = {};
  for (const path of paths) {
    let node: Record<string, unknown> = root;
    for (const key of path) {
      const field = `f:${key}`;
      node[field] ??= {};
      node = node[field] as Record<string, unknown>;
    }
  }
  return root;
}

function fromFieldsV1(fields: Record<string, unknown>, prefix: string[] = []): Path[] {
  const entries = Object.entries(fields).filter(([k]) => k.startsWith('f:'));
  if (entries.length === 0) return prefix.length === 0 ? [] : [prefix];
  return entries.flatMap(([k, v]) => fromFieldsV1(isObject(v) ? v : {}, [...prefix, k.slice(2)]));
}

interface Owner {
  readonly entry: ManagedFieldsEntry;
  paths: Path[];
}

const ownersOf = (object: StoredObject | undefined): Owner[] =>
  ((object?.metadata.managedFields as ManagedFieldsEntry[] | undefined) ?? []).map((entry) => ({
    entry,
    paths: fromFieldsV1(entry.fieldsV1),
  }));

/** Does `owned` overlap `path` (the same field, or one inside the other)? */
const overlaps = (owned: Path, path: Path) => {
  const n = Math.min(owned.length, path.length);
  return owned.slice(0, n).every((k, i) => k === path[i]);
};

const isSameManager = (e: ManagedFieldsEntry, manager: string, operation: ManagedFieldsEntry['operation']) =>
  e.manager === manager && e.operation === operation;

function withOwners(object: StoredObject, owners: readonly Owner[], now: string, changed: ReadonlySet<Owner>) {
  const managedFields = owners
    .filter((o) => o.paths.length > 0)
    .map((o) => ({ ...o.entry, fieldsV1: toFieldsV1(o.paths), ...(changed.has(o) ? { time: now } : {}) }));
  object.metadata.managedFields = managedFields.length === 0 ? undefined : managedFields;
  if (object.metadata.managedFields === undefined) delete object.metadata.managedFields;
  return object;
}

const fieldPath = (p: Path) => `.${p.join('.')}`;

export interface ApplyRequest {
  readonly manager: string;
  readonly force: boolean;
  readonly now: string;
}

/** Server-side apply of `config` onto `existing` (undefined: the apply creates it). */
export function serverSideApply(
  existing: StoredObject | undefined,
  config: StoredObject,
  req: ApplyRequest,
): StoredObject {
  const owners = ownersOf(existing);
  const configPaths = leafPaths(config);
  const base = existing === undefined ? ({ metadata: {} } as StoredObject) : structuredClone(existing);
  const others = owners.filter((o) => !isSameManager(o.entry, req.manager, 'Apply'));
  const conflicts = others.flatMap((o) =>
    configPaths
      .filter((p) => o.paths.some((q) => overlaps(q, p)) && !sameJson(valueAt(config, p), valueAt(base, p)))
      .map((p) => ({ owner: o, path: p })),
  );
  if (conflicts.length > 0 && !req.force) throw conflictError(conflicts, config.apiVersion);
  for (const { owner, path } of conflicts) owner.paths = owner.paths.filter((q) => !overlaps(q, path));
  const mine = owners.find((o) => isSameManager(o.entry, req.manager, 'Apply'));
  const wanted = new Set(configPaths.map(keyOf));
  for (const dropped of mine?.paths ?? []) {
    if (wanted.has(keyOf(dropped))) continue;
    if (configPaths.some((p) => overlaps(p, dropped))) continue;
    if (others.some((o) => o.paths.some((q) => overlaps(q, dropped)))) continue;
    removeAt(base, dropped);
  }
  const next = merge(base, config) as StoredObject;
  next.metadata = { ...(base.metadata ?? {}), ...(next.metadata ?? {}) };
  const applied: Owner = mine ?? {
    entry: {
      manager: req.manager,
      operation: 'Apply',
      apiVersion: config.apiVersion,
      time: req.now,
      fieldsType: 'FieldsV1',
      fieldsV1: {},
    },
    paths: [],
  };
  const isChanged = !sameJson(applied.paths.map(keyOf).sort(), [...wanted].sort());
  applied.paths = configPaths;
  const all = mine === undefined ? [...others, applied] : owners;
  return withOwners(next, all, req.now, new Set(isChanged ? [applied, ...conflicts.map((c) => c.owner)] : []));
}

function conflictError(conflicts: readonly { owner: Owner; path: Path }[], apiVersion: string): ApiError {
  const lines = conflicts.map(
    (c) => `conflict with "${c.owner.entry.manager}" using ${apiVersion}: ${fieldPath(c.path)}`,
  );
  const n = conflicts.length;
  const message =
    n === 1 ? `Apply failed with 1 conflict: ${lines[0]}` : `Apply failed with ${n} conflicts: ${lines.join('\n')}`;
  return new ApiError(409, 'Conflict', message);
}

/** Ownership after a non-apply write: `manager` owns what it changed, taken from the others. */
export function recordUpdate(
  before: StoredObject | undefined,
  after: StoredObject,
  manager: string,
  now: string,
): StoredObject {
  const owners = ownersOf(before ?? after);
  const beforePaths = before === undefined ? [] : leafPaths(before);
  const afterPaths = leafPaths(after);
  const changed = afterPaths.filter((p) => before === undefined || !sameJson(valueAt(before, p), valueAt(after, p)));
  const gone = beforePaths.filter((p) => valueAt(after, p) === undefined);
  for (const owner of owners) {
    owner.paths = owner.paths.filter((q) => !changed.some((p) => overlaps(q, p)) && !gone.some((p) => overlaps(q, p)));
  }
  let mine = owners.find((o) => isSameManager(o.entry, manager, 'Update'));
  if (mine === undefined && changed.length > 0) {
    mine = {
      entry: {
        manager,
        operation: 'Update',
        apiVersion: after.apiVersion,
        time: now,
        fieldsType: 'FieldsV1',
        fieldsV1: {},
      },
      paths: [],
    };
    owners.push(mine);
  }
  if (mine !== undefined)
    mine.paths = [...mine.paths, ...changed.filter((p) => !mine?.paths.some((q) => sameJson(q, p)))];
  return withOwners(after, owners, now, new Set(changed.length > 0 && mine !== undefined ? [mine] : []));
}
