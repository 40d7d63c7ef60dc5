/**
 * TEST DOUBLE — the object store of the fake Kubernetes API server: one global
 * resourceVersion counter, a bounded watch history (older resourceVersions answer 410 Gone),
 * optimistic concurrency (409 on a stale resourceVersion), `metadata.generation` bumped on
 * spec changes, status-subresource rules, finalizers and a simplified garbage collector
 * (deleting an owner deletes every object that lists it as an owner, other owners or not).
 */
import { randomUUID } from 'node:crypto';
import { alreadyExists, badRequest, conflict, notFound } from './api-error.js';
import { groupVersionOf, type ResourceType } from './resource-types.js';
import { matchesFields, matchesLabels } from './selectors.js';

export interface ObjectMeta {
  name?: string | undefined;
  generateName?: string | undefined;
  namespace?: string | undefined;
  uid?: string | undefined;
  resourceVersion?: string | undefined;
  generation?: number | undefined;
  creationTimestamp?: string | undefined;
  deletionTimestamp?: string | undefined;
  labels?: Record<string, string> | undefined;
  annotations?: Record<string, string> | undefined;
  finalizers?: string[] | undefined;
  ownerReferences?:
    | { uid: string; kind: string; name: string; apiVersion: string; controller?: boolean | undefined }[]
    | undefined;
  [key: string]: unknown;
}

export interface StoredObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [key: string]: unknown;
}

export interface StoreEvent {
  readonly type: 'ADDED' | 'MODIFIED' | 'DELETED';
  readonly resourceType: ResourceType;
  readonly object: StoredObject;
  readonly resourceVersion: number;
}

/** How a write reaches an object: the main resource or its `/status` subresource. */
export type WriteTarget = 'main' | 'status';

const keyOf = (t: ResourceType) => `${t.group}/${t.plural}`;
const nameKey = (ns: string, name: string) => `${ns}/${name}`;
const specOf = (o: StoredObject) => JSON.stringify({ ...o, metadata: undefined, status: undefined });
const clone = <T>(v: T): T => structuredClone(v);

export class ObjectStore {
  private revision = 0;
  private compactedRevision = 0;
  private readonly objects = new Map<string, Map<string, StoredObject>>();
  private readonly history: StoreEvent[] = [];
  private readonly listeners = new Set<(event: StoreEvent) => void>();

  private readonly types: ReadonlyMap<string, ResourceType>;

  constructor(
    types: readonly ResourceType[],
    private readonly historyLimit = 1000,
  ) {
    this.types = new Map(types.map((t) => [keyOf(t), t]));
  }

  get resourceVersion(): number {
    return this.revision;
  }

  list(
    type: ResourceType,
    namespace: string | undefined,
    labels: string | null,
    fields: string | null,
  ): StoredObject[] {
    const all = [...(this.objects.get(keyOf(type))?.values() ?? [])];
    return all
      .filter((o) => namespace === undefined || o.metadata.namespace === namespace)
      .filter((o) => matchesLabels(labels, o.metadata.labels) && matchesFields(fields, o.metadata))
      .map(clone);
  }

  get(type: ResourceType, namespace: string, name: string): StoredObject {
    const found = this.bucket(type).get(nameKey(namespace, name));
    if (found === undefined) throw notFound(`${type.plural} "${name}"`);
    return clone(found);
  }

  create(type: ResourceType, namespace: string, body: StoredObject): StoredObject {
    const meta = body.metadata ?? {};
    const name =
      meta.name ?? (meta.generateName === undefined ? undefined : meta.generateName + randomUUID().slice(0, 5));
    if (name === undefined || name === '') throw badRequest('metadata.name is required');
    if (this.bucket(type).has(nameKey(namespace, name))) throw alreadyExists(`${type.plural} "${name}"`);
    const object: StoredObject = {
      ...clone(body),
      apiVersion: groupVersionOf(type),
      kind: type.kind,
      metadata: {
        ...clone(meta),
        name,
        ...(type.namespaced ? { namespace } : {}),
        uid: randomUUID(),
        generation: 1,
        creationTimestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      },
    };
    delete object.metadata.deletionTimestamp;
    if (type.isCustom && type.hasStatus) delete object['status'];
    return this.save(type, object, 'ADDED');
  }

  /** PUT semantics: the body replaces the object (or only its status for `/status`). */
  update(type: ResourceType, namespace: string, name: string, body: StoredObject, target: WriteTarget): StoredObject {
    const existing = this.get(type, namespace, name);
    const sent = body.metadata?.resourceVersion;
    if (sent !== undefined && sent !== '' && sent !== existing.metadata.resourceVersion) {
      throw conflict(`Operation cannot be fulfilled on ${type.plural} "${name}": the object has been modified`);
    }
    const next =
      target === 'status' ? { ...existing, status: clone(body['status']) } : this.mergeMain(type, existing, body);
    if (
      JSON.stringify({ ...next, metadata: { ...next.metadata, resourceVersion: '' } }) ===
      JSON.stringify({ ...existing, metadata: { ...existing.metadata, resourceVersion: '' } })
    ) {
      return existing;
    }
    if (target === 'main' && specOf(next) !== specOf(existing)) {
      next.metadata.generation = (existing.metadata.generation ?? 1) + 1;
    }
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) {
      return this.remove(type, next);
    }
    return this.save(type, next, 'MODIFIED');
  }

  /** DELETE: marks the object while finalizers remain, removes it (and its dependents) otherwise. */
  delete(
    type: ResourceType,
    namespace: string,
    name: string,
  ): { readonly object: StoredObject; readonly isGone: boolean } {
    const existing = this.get(type, namespace, name);
    if ((existing.metadata.finalizers ?? []).length === 0) return { object: this.remove(type, existing), isGone: true };
    if (existing.metadata.deletionTimestamp !== undefined) return { object: existing, isGone: false };
    existing.metadata.deletionTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    return { object: this.save(type, existing, 'MODIFIED'), isGone: false };
  }

  /** Watch history after `since`, or `'gone'` when part of it was already compacted away. */
  eventsSince(since: number): StoreEvent[] | 'gone' {
    if (since < this.compactedRevision) return 'gone';
    return this.history.filter((e) => e.resourceVersion > since);
  }

  /** Forgets the whole watch history, so every older resourceVersion answers 410 Gone. */
  compact(): void {
    this.compactedRevision = this.revision;
    this.history.length = 0;
  }

  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private mergeMain(type: ResourceType, existing: StoredObject, body: StoredObject): StoredObject {
    const next: StoredObject = {
      ...clone(body),
      apiVersion: existing.apiVersion,
      kind: existing.kind,
      metadata: {
        ...clone(body.metadata ?? {}),
        name: existing.metadata.name,
        uid: existing.metadata.uid,
        generation: existing.metadata.generation,
        creationTimestamp: existing.metadata.creationTimestamp,
        resourceVersion: existing.metadata.resourceVersion,
        ...(type.namespaced ? { namespace: existing.metadata.namespace } : {}),
      },
    };
    if (existing.metadata.deletionTimestamp !== undefined) {
      next.metadata.deletionTimestamp = existing.metadata.deletionTimestamp;
    }
    if (type.hasStatus) {
      if (existing['status'] === undefined) delete next['status'];
      else next['status'] = clone(existing['status']);
    }
    return next;
  }

  private bucket(type: ResourceType): Map<string, StoredObject> {
    let bucket = this.objects.get(keyOf(type));
    if (bucket === undefined) {
      bucket = new Map();
      this.objects.set(keyOf(type), bucket);
    }
    return bucket;
  }

  private save(type: ResourceType, object: StoredObject, kind: 'ADDED' | 'MODIFIED'): StoredObject {
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    this.bucket(type).set(nameKey(object.metadata.namespace ?? '', object.metadata.name ?? ''), clone(object));
    this.emit({ type: kind, resourceType: type, object: clone(object), resourceVersion: this.revision });
    return clone(object);
  }

  private remove(type: ResourceType, object: StoredObject): StoredObject {
    this.revision += 1;
    object.metadata.resourceVersion = String(this.revision);
    this.bucket(type).delete(nameKey(object.metadata.namespace ?? '', object.metadata.name ?? ''));
    this.emit({ type: 'DELETED', resourceType: type, object: clone(object), resourceVersion: this.revision });
    this.collectDependents(object.metadata.uid ?? '');
    return object;
  }

  private collectDependents(ownerUid: string): void {
    for (const [key, bucket] of this.objects) {
      for (const dependent of [...bucket.values()]) {
        if (!(dependent.metadata.ownerReferences ?? []).some((ref) => ref.uid === ownerUid)) continue;
        const type = this.types.get(key);
        const { namespace = '', name = '' } = dependent.metadata;
        if (type !== undefined && bucket.has(nameKey(namespace, name))) this.delete(type, namespace, name);
      }
    }
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    while (this.history.length > this.historyLimit) {
      const dropped = this.history.shift();
      if (dropped !== undefined) this.compactedRevision = dropped.resourceVersion;
    }
    for (const listener of this.listeners) listener(event);
  }
}
