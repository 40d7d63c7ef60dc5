/**
 * TEST DOUBLE — URL routing of the fake Kubernetes API server: discovery documents and
 * `/api/v1/…`, `/apis/<group>/<version>/…` resource paths, namespaced or cluster-wide.
 */
import {
  coreVersions,
  findType,
  groupDocument,
  groupList,
  openApiV3Document,
  openApiV3Root,
  type ResourceType,
  resourceList,
} from './resource-types.js';

/** A resource request: the type, its namespace (undefined = all namespaces), name and subresource. */
export interface ResourceRoute {
  readonly kind: 'resource';
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

export type Route = ResourceRoute | { readonly kind: 'document'; readonly body: object } | { readonly kind: 'none' };

const NONE = { kind: 'none' } as const;

/** Maps a path to a discovery document or a resource request. */
export function route(path: string): Route {
  const parts = path.split('/').filter((p) => p !== '');
  if (parts[0] === 'version' && parts.length === 1) {
    return { kind: 'document', body: { major: '1', minor: '32', gitVersion: 'v1.32.0-fake', platform: 'linux/amd64' } };
  }
  if (parts[0] === 'openapi' && parts[1] === 'v3') {
    return parts.length === 2
      ? { kind: 'document', body: openApiV3Root() }
      : documentOrNone(openApiV3Document(parts.slice(2).join('/')));
  }
  if (parts[0] === 'api') return routeGroup(parts.length === 1 ? undefined : '', parts.slice(1));
  if (parts[0] === 'apis') {
    if (parts.length === 1) return { kind: 'document', body: groupList() };
    return routeGroup(parts[1], parts.slice(2));
  }
  return NONE;
}

function routeGroup(group: string | undefined, rest: readonly string[]): Route {
  if (group === undefined) return { kind: 'document', body: coreVersions() };
  if (group !== '' && rest.length === 0) return documentOrNone(groupDocument(group));
  const [version, ...tail] = rest;
  if (version === undefined) return NONE;
  if (tail.length === 0) return documentOrNone(resourceList(group, version));
  return routeResource(group, version, tail);
}

function routeResource(group: string, version: string, tail: readonly string[]): Route {
  const isNamespacedPath = tail[0] === 'namespaces' && tail.length >= 3;
  const namespace = isNamespacedPath ? tail[1] : undefined;
  const [plural, name, subresource] = isNamespacedPath ? tail.slice(2) : tail;
  const type = plural === undefined ? undefined : findType(group, version, plural);
  if (type === undefined) return NONE;
  if (isNamespacedPath !== type.namespaced && name !== undefined) return NONE;
  return { kind: 'resource', type, namespace, name, subresource };
}

function documentOrNone(body: object | undefined): Route {
  return body === undefined ? NONE : { kind: 'document', body };
}
