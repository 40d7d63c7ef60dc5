/**
 * TEST DOUBLE — part of the fake Kubernetes API server used by the operator's tests.
 * Not a Kubernetes implementation: the resource types it serves and the discovery
 * documents built from them (enough for `@kubernetes/client-node` and `kubectl get`).
 */
import { SHORT_NAMES } from '../../../src/api/v1alpha1.js';

/** One resource type the fake server serves. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  readonly plural: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  /** A custom resource: strategic-merge patches are refused with 415 like the real server. */
  readonly isCustom: boolean;
  readonly hasStatus: boolean;
  readonly hasScale: boolean;
  readonly shortNames?: readonly string[];
}

const core = (plural: string, kind: string, extra: Partial<ResourceType> = {}): ResourceType => ({
  group: '',
  version: 'v1',
  plural,
  singular: kind.toLowerCase(),
  kind,
  namespaced: true,
  isCustom: false,
  hasStatus: false,
  hasScale: false,
  ...extra,
});

const grouped = (group: string, version: string, plural: string, kind: string, extra: Partial<ResourceType> = {}) =>
  core(plural, kind, { group, version, ...extra });

/** Every type served; `wechatplatforms` is the operator's CRD with a status subresource. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  core('pods', 'Pod', { hasStatus: true, shortNames: ['po'] }),
  core('services', 'Service', { hasStatus: true, shortNames: ['svc'] }),
  core('configmaps', 'ConfigMap', { shortNames: ['cm'] }),
  core('secrets', 'Secret'),
  core('serviceaccounts', 'ServiceAccount', { shortNames: ['sa'] }),
  core('events', 'Event', { shortNames: ['ev'] }),
  core('namespaces', 'Namespace', { namespaced: false, hasStatus: true, shortNames: ['ns'] }),
  grouped('apps', 'v1', 'deployments', 'Deployment', { hasStatus: true, hasScale: true, shortNames: ['deploy'] }),
  grouped('apps', 'v1', 'statefulsets', 'StatefulSet', { hasStatus: true, hasScale: true, shortNames: ['sts'] }),
  grouped('networking.k8s.io', 'v1', 'ingresses', 'Ingress', { hasStatus: true, shortNames: ['ing'] }),
  grouped('networking.k8s.io', 'v1', 'networkpolicies', 'NetworkPolicy', { shortNames: ['netpol'] }),
  grouped('policy', 'v1', 'poddisruptionbudgets', 'PodDisruptionBudget', { hasStatus: true, shortNames: ['pdb'] }),
  grouped('coordination.k8s.io', 'v1', 'leases', 'Lease'),
  // Stored only (what `kubectl apply -k k8s/` installs): no RBAC is enforced, no CRD is served from them.
  grouped('apiextensions.k8s.io', 'v1', 'customresourcedefinitions', 'CustomResourceDefinition', {
    namespaced: false,
    hasStatus: true,
    shortNames: ['crd', 'crds'],
  }),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterroles', 'ClusterRole', { namespaced: false }),
  grouped('rbac.authorization.k8s.io', 'v1', 'clusterrolebindings', 'ClusterRoleBinding', { namespaced: false }),
  grouped('rbac.authorization.k8s.io', 'v1', 'roles', 'Role'),
  grouped('rbac.authorization.k8s.io', 'v1', 'rolebindings', 'RoleBinding'),
  grouped('batch', 'v1', 'jobs', 'Job', { hasStatus: true }),
  grouped('events.k8s.io', 'v1', 'events', 'Event', { shortNames: ['ev'] }),
  grouped('mpstack.io', 'v1alpha1', 'wechatplatforms', 'WeChatPlatform', {
    isCustom: true,
    hasStatus: true,
    shortNames: SHORT_NAMES,
  }),
];

/** `apps/v1`, or `v1` for the core group. */
export function groupVersionOf(type: Pick<ResourceType, 'group' | 'version'>): string {
  return type.group === '' ? type.version : `${type.group}/${type.version}`;
}

/** Finds a served type by its URL coordinates. */
export function findType(group: string, version: string, plural: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((t) => t.group === group && t.version === version && t.plural === plural);
}

/** `GET /api`: the legacy core group's versions. */
export function coreVersions(): object {
  return { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [] };
}

/** `GET /apis`: every named group (legacy discovery, which kubectl falls back to). */
export function groupList(): object {
  const groups = [...new Set(RESOURCE_TYPES.filter((t) => t.group !== '').map((t) => t.group))];
  return {
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: groups.map((name) => {
      const version = RESOURCE_TYPES.find((t) => t.group === name)?.version ?? 'v1';
      const gv = { groupVersion: `${name}/${version}`, version };
      return { name, versions: [gv], preferredVersion: gv };
    }),
  };
}

/** `GET /apis/<group>`: one group. */
export function groupDocument(group: string): object | undefined {
  const found = (groupList() as { groups: { name: string }[] }).groups.find((g) => g.name === group);
  return found === undefined ? undefined : { kind: 'APIGroup', apiVersion: 'v1', ...found };
}

/** `GET /api/v1`, `GET /apis/<group>/<version>`: the resources of one group version. */
export function resourceList(group: string, version: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => t.group === group && t.version === version);
  if (types.length === 0) return undefined;
  const verbs = ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'];
  const resources = types.flatMap((t) => [
    {
      name: t.plural,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs,
      ...(t.shortNames === undefined ? {} : { shortNames: t.shortNames }),
    },
    ...(t.hasStatus
      ? [
          {
            name: `${t.plural}/status`,
            singularName: '',
            namespaced: t.namespaced,
            kind: t.kind,
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
    ...(t.hasScale
      ? [
          {
            name: `${t.plural}/scale`,
            singularName: '',
            namespaced: t.namespaced,
            group: 'autoscaling',
            version: 'v1',
            kind: 'Scale',
            verbs: ['get', 'patch', 'update'],
          },
        ]
      : []),
  ]);
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersionOf({ group, version }), resources };
}

/** `apis/apps/v1`, `api/v1`: a group version's path under `/openapi/v3`. */
const openApiPathOf = (group: string, version: string) =>
  group === '' ? `api/${version}` : `apis/${group}/${version}`;

/** `GET /openapi/v3`: one document per group version. */
export function openApiV3Root(): object {
  const gvs = [...new Set(RESOURCE_TYPES.map((t) => openApiPathOf(t.group, t.version)))];
  return { paths: Object.fromEntries(gvs.map((gv) => [gv, { serverRelativeURL: `/openapi/v3/${gv}` }])) };
}

/**
 * `GET /openapi/v3/<gv>`: only what kubectl reads to learn that the server validates fields
 * itself (a `fieldValidation` query parameter on each kind's PATCH), so `kubectl apply` sends
 * `fieldValidation=Strict` instead of validating against schemas it would download. No schemas.
 */
export function openApiV3Document(gvPath: string): object | undefined {
  const types = RESOURCE_TYPES.filter((t) => openApiPathOf(t.group, t.version) === gvPath);
  if (types.length === 0) return undefined;
  const paths = Object.fromEntries(
    types.map((t) => [
      `/${gvPath}/${t.namespaced ? 'namespaces/{namespace}/' : ''}${t.plural}/{name}`,
      {
        patch: {
          'x-kubernetes-group-version-kind': { group: t.group, version: t.version, kind: t.kind },
          parameters: [{ name: 'fieldValidation', in: 'query', schema: { type: 'string' } }],
          responses: {},
        },
      },
    ]),
  );
  return { openapi: '3.0.0', info: { title: 'fake', version: 'v1' }, paths };
}
