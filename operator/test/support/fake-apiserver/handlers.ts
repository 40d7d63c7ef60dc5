/**
 * TEST DOUBLE — the verbs of the fake Kubernetes API server on one resource route:
 * GET, LIST, POST, PUT, PATCH (merge, JSON patch, server-side apply with field ownership
 * — `managed-fields.ts`; strategic merge is treated as a merge on built-in types and refused
 * with 415 on custom resources, like the real server), DELETE, and the `/status` and
 * `/scale` subresources. Every write of a main resource passes `admission.ts` (422).
 */
import { parse as parseYaml } from 'yaml';
import { admit } from './admission.js';
import { ApiError, badRequest, invalid, notFound } from './api-error.js';
import { recordUpdate, serverSideApply } from './managed-fields.js';
import { JsonPatchError, jsonPatch, mergePatch } from './patch.js';
import { groupVersionOf } from './resource-types.js';
import type { ResourceRoute } from './routing.js';
import type { ObjectStore, StoredObject } from './store.js';

export interface VerbRequest {
  readonly method: string;
  readonly route: ResourceRoute;
  readonly query: URLSearchParams;
  readonly contentType: string;
  readonly body: string;
  /** The client's User-Agent: the field manager of a write that names none, as on the real server. */
  readonly userAgent?: string;
}

const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

/** The field manager of a non-apply write: `fieldManager`, else the User-Agent's product. */
function managerOf(req: VerbRequest): string {
  return req.query.get('fieldManager') ?? req.userAgent?.split('/')[0]?.trim() ?? 'unknown';
}

/** Admission and field ownership of a main-resource write, then the store write. */
function writeMain(store: ObjectStore, req: VerbRequest, existing: StoredObject | undefined, next: StoredObject) {
  const { type, namespace = '' } = req.route;
  admit(type, next, existing);
  const owned = recordUpdate(existing, next, managerOf(req), now());
  if (existing === undefined) return store.create(type, namespace, owned);
  return store.update(type, namespace, existing.metadata.name ?? '', owned, 'main');
}

export interface VerbResponse {
  readonly status: number;
  readonly body: object;
}

const ok = (body: object, status = 200): VerbResponse => ({ status, body });

function parseJson(body: string): StoredObject {
  try {
    return JSON.parse(body) as StoredObject;
  } catch {
    throw badRequest('the body is not JSON');
  }
}

/** Runs one non-watch request against the store. */
export function handleVerb(store: ObjectStore, req: VerbRequest): VerbResponse {
  const { route } = req;
  if (route.subresource !== undefined && !isSubresourceServed(route))
    throw notFound(`subresource ${route.subresource}`);
  if (route.name === undefined) return handleCollection(store, req);
  const namespace = route.namespace ?? '';
  switch (req.method) {
    case 'GET':
      return ok(
        route.subresource === 'scale'
          ? scaleOf(store.get(route.type, namespace, route.name))
          : store.get(route.type, namespace, route.name),
      );
    case 'PUT':
      return handlePut(store, req, route.name);
    case 'PATCH':
      return handlePatch(store, req, route.name);
    case 'DELETE': {
      const { object, isGone } = store.delete(route.type, namespace, route.name);
      if (!isGone) return ok(object);
      return ok({
        kind: 'Status',
        apiVersion: 'v1',
        status: 'Success',
        details: { name: route.name, kind: route.type.plural, uid: object.metadata.uid },
      });
    }
    default:
      throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed`);
  }
}

function isSubresourceServed(route: ResourceRoute): boolean {
  return (
    (route.subresource === 'status' && route.type.hasStatus) || (route.subresource === 'scale' && route.type.hasScale)
  );
}

function handleCollection(store: ObjectStore, req: VerbRequest): VerbResponse {
  const { type, namespace } = req.route;
  if (req.method === 'GET') {
    const items = store.list(type, namespace, req.query.get('labelSelector'), req.query.get('fieldSelector'));
    return ok({
      kind: `${type.kind}List`,
      apiVersion: groupVersionOf(type),
      metadata: { resourceVersion: String(store.resourceVersion) },
      items,
    });
  }
  if (req.method === 'POST') {
    const body = parseJson(req.body);
    delete body.metadata?.managedFields;
    return ok(writeMain(store, req, undefined, body), 201);
  }
  throw new ApiError(405, 'MethodNotAllowed', `${req.method} is not allowed on a collection`);
}

function handlePut(store: ObjectStore, req: VerbRequest, name: string): VerbResponse {
  const { type, namespace = '', subresource } = req.route;
  const body = parseJson(req.body);
  if (subresource === 'scale') return ok(writeScale(store, req.route, name, body));
  if (subresource === 'status') return ok(writeStatus(store, req, name, body));
  return ok(writeMain(store, req, store.get(type, namespace, name), body));
}

function writeStatus(store: ObjectStore, req: VerbRequest, name: string, next: StoredObject): StoredObject {
  const { type, namespace = '' } = req.route;
  const existing = store.get(type, namespace, name);
  if (type.isCustom) admit(type, { ...existing, status: next['status'] }, existing);
  return store.update(type, namespace, name, next, 'status');
}

function handlePatch(store: ObjectStore, req: VerbRequest, name: string): VerbResponse {
  const { type, namespace = '', subresource } = req.route;
  const mediaType = req.contentType.split(';')[0]?.trim() ?? '';
  if (mediaType === 'application/apply-patch+yaml' && subresource === undefined) return handleApply(store, req, name);
  const existing = store.get(type, namespace, name);
  const current = subresource === 'scale' ? scaleOf(existing) : existing;
  const patched = applyPatch(mediaType, type.isCustom, current, req.body);
  if (subresource === 'scale') return ok(writeScale(store, req.route, name, patched));
  if (subresource === 'status') return ok(writeStatus(store, req, name, patched));
  return ok(writeMain(store, req, existing, patched));
}

/** Server-side apply: the manager owns what it sends; a 409 on another owner's field unless force. */
function handleApply(store: ObjectStore, req: VerbRequest, name: string): VerbResponse {
  const { type, namespace = '' } = req.route;
  const manager = req.query.get('fieldManager');
  if (manager === null || manager === '') {
    throw badRequest('PATCH, application/apply-patch+yaml: fieldManager is required for apply requests');
  }
  const config = parseYaml(req.body) as StoredObject;
  if (config?.apiVersion === undefined || config.kind === undefined) {
    throw badRequest('invalid object: apiVersion and kind must be set in an apply configuration');
  }
  const existing = tryGet(store, req.route, name);
  const next = serverSideApply(
    existing,
    { ...config, metadata: { ...config.metadata, name } },
    {
      manager,
      force: req.query.get('force') === 'true',
      now: now(),
    },
  );
  admit(type, next, existing);
  if (existing === undefined) return ok(store.create(type, namespace, next), 201);
  return ok(store.update(type, namespace, name, next, 'main'));
}

function tryGet(store: ObjectStore, route: ResourceRoute, name: string): StoredObject | undefined {
  try {
    return store.get(route.type, route.namespace ?? '', name);
  } catch (error) {
    if (error instanceof ApiError && error.code === 404) return undefined;
    throw error;
  }
}

function applyPatch(mediaType: string, isCustom: boolean, current: StoredObject, body: string): StoredObject {
  try {
    switch (mediaType) {
      case 'application/merge-patch+json':
        return mergePatch(current, parseJson(body)) as StoredObject;
      case 'application/json-patch+json':
        return jsonPatch(current, JSON.parse(body)) as StoredObject;
      case 'application/strategic-merge-patch+json':
        if (isCustom) break;
        return mergePatch(current, parseJson(body)) as StoredObject;
    }
  } catch (error) {
    if (error instanceof JsonPatchError) throw invalid(error.message);
    throw error;
  }
  throw new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml`,
  );
}

/** The `autoscaling/v1` Scale view of a Deployment or StatefulSet. */
function scaleOf(object: StoredObject): StoredObject {
  const spec = (object['spec'] ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const status = (object['status'] ?? {}) as { replicas?: number };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: spec.replicas ?? 1 },
    status: { replicas: status.replicas ?? 0, selector },
  };
}

function writeScale(store: ObjectStore, route: ResourceRoute, name: string, scale: StoredObject): StoredObject {
  const existing = store.get(route.type, route.namespace ?? '', name);
  const replicas = (scale['spec'] as { replicas?: number } | undefined)?.replicas;
  if (typeof replicas !== 'number' || replicas < 0) throw invalid('spec.replicas must be a non-negative integer');
  const rv = scale.metadata?.resourceVersion;
  const next = {
    ...existing,
    metadata: { ...existing.metadata, ...(rv === undefined ? {} : { resourceVersion: rv }) },
    spec: { ...(existing['spec'] as object), replicas },
  };
  return scaleOf(store.update(route.type, route.namespace ?? '', name, next, 'main'));
}
