/**
 * TEST DOUBLE — the admission checks of the fake Kubernetes API server: what a real server
 * refuses with 422 Invalid where the operator can hit it. Not Kubernetes admission; it
 * checks:
 * - `WeChatPlatform` against the CRD's structural schema (types, enums, required fields,
 *   bounds), pruning unknown fields and applying the schema's defaults as the real server
 *   does; of the CEL rules only the transition rule `self == oldSelf` (immutability) is
 *   evaluated — the others are re-checked by the operator, never here;
 * - built-in kinds the operator writes against the upstream OpenAPI schemas
 *   (`kubernetes-models`), unknown fields included;
 * - the immutable parts of a StatefulSet's spec and of a Deployment's selector, with the real
 *   server's message shape.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import { openApiToJsonSchema } from '../../../src/api/json-schema.js';
import type { Schema } from '../../../src/api/openapi.js';
import { crdOpenApiSchema } from '../../api/crd-ajv.js';
import { kubernetesProblems } from '../../manifests/kube-validate.js';
import { invalid } from './api-error.js';
import type { ResourceType } from './resource-types.js';
import type { StoredObject } from './store.js';

let crdValidate: ValidateFunction | undefined;

/** ajv as the API server treats a structural schema: unknown fields pruned, defaults applied. */
function crdValidator(): ValidateFunction {
  if (crdValidate !== undefined) return crdValidate;
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults: true, removeAdditional: true });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  crdValidate = ajv.compile(openApiToJsonSchema(crdOpenApiSchema(), true));
  return crdValidate;
}

/** `StatefulSet.apps "x" is invalid: …`, as the real server words it. */
const invalidObject = (type: ResourceType, name: string, causes: readonly string[]) =>
  invalid(`${type.kind}${type.group === '' ? '' : `.${type.group}`} "${name}" is invalid: ${causes.join(', ')}`);

interface TransitionRule {
  readonly path: readonly string[];
  readonly message: string;
}

/** Every `self == oldSelf` rule of the CRD schema, with where it sits. */
function transitionRules(schema: Schema, path: readonly string[] = []): TransitionRule[] {
  const own = ((schema['x-kubernetes-validations'] as { rule: string; message?: string }[] | undefined) ?? [])
    .filter((r) => r.rule.replace(/\s+/g, '') === 'self==oldSelf')
    .map((r) => ({ path, message: r.message ?? 'Invalid value: field is immutable' }));
  const properties = (schema['properties'] as Record<string, Schema> | undefined) ?? {};
  return [...own, ...Object.entries(properties).flatMap(([k, child]) => transitionRules(child, [...path, k]))];
}

const at = (o: unknown, path: readonly string[]) =>
  path.reduce<unknown>(
    (n, k) => (n !== null && typeof n === 'object' ? (n as Record<string, unknown>)[k] : undefined),
    o,
  );

function checkPlatform(type: ResourceType, next: StoredObject, old: StoredObject | undefined): void {
  const validate = crdValidator();
  const { metadata, ...rest } = next;
  if (!validate(rest)) {
    // Ratcheting (on by default since Kubernetes 1.30): an update may keep a value that
    // was already invalid; only what it changes must be valid.
    const causes = (validate.errors ?? []).flatMap((e) => {
      const path = e.instancePath.split('/').filter((k) => k !== '');
      const missing = (e.params as { missingProperty?: string }).missingProperty;
      const field = missing === undefined ? path : [...path, missing];
      if (old !== undefined && JSON.stringify(at(old, field)) === JSON.stringify(at(rest, field))) return [];
      const where = field.join('.');
      return [missing === undefined ? `${where}: Invalid value: ${e.message ?? ''}` : `${where}: Required value`];
    });
    if (causes.length > 0) throw invalidObject(type, metadata.name ?? '', causes);
  }
  Object.assign(next, rest);
  if (old === undefined) return;
  const broken = transitionRules(crdOpenApiSchema()).filter((r) => {
    const before = at(old, r.path);
    return before !== undefined && JSON.stringify(before) !== JSON.stringify(at(next, r.path));
  });
  if (broken.length > 0) {
    throw invalidObject(
      type,
      metadata.name ?? '',
      broken.map((r) => `${r.path.join('.')}: Invalid value: "object": ${r.message}`),
    );
  }
}

const STATEFULSET_MUTABLE = [
  'replicas',
  'ordinals',
  'template',
  'updateStrategy',
  'persistentVolumeClaimRetentionPolicy',
  'minReadySeconds',
];

function checkImmutable(type: ResourceType, next: StoredObject, old: StoredObject): void {
  const name = next.metadata.name ?? '';
  const spec = (o: StoredObject) => (o['spec'] ?? {}) as Record<string, unknown>;
  if (type.kind === 'StatefulSet') {
    const frozen = (o: StoredObject) =>
      JSON.stringify(
        Object.entries(spec(o))
          .filter(([k]) => !STATEFULSET_MUTABLE.includes(k))
          .sort(),
      );
    if (frozen(next) !== frozen(old)) {
      throw invalidObject(type, name, [
        "spec: Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
      ]);
    }
  }
  if (type.kind === 'Deployment' && JSON.stringify(spec(next)['selector']) !== JSON.stringify(spec(old)['selector'])) {
    throw invalidObject(type, name, [
      `spec.selector: Invalid value: ${JSON.stringify(spec(next)['selector'])}: field is immutable`,
    ]);
  }
}

/**
 * The CRD's defaults applied to a `WeChatPlatform` (and unknown fields pruned) without
 * refusing anything: what the real server stores for an object a test puts straight into
 * the store, valid or not, so the first client write does not "change" it by defaulting.
 */
export function withCrdDefaults<T extends StoredObject>(object: T): T {
  const { metadata, ...rest } = object;
  crdValidator()(rest);
  return { ...rest, metadata } as T;
}

/**
 * Checks an object about to be stored by a client request (create, update, patch, apply on
 * the main resource); `old` is the stored one for an update. Throws 422 like the server.
 * May mutate `next` (pruning, defaults) as the real server does.
 */
export function admit(type: ResourceType, next: StoredObject, old: StoredObject | undefined): void {
  if (type.kind === 'WeChatPlatform') {
    checkPlatform(type, next, old);
    return;
  }
  const problems = kubernetesProblems(next).filter((p) => !p.includes('no schema known to the test'));
  if (problems.length > 0) throw invalidObject(type, next.metadata.name ?? '', problems);
  if (old !== undefined) checkImmutable(type, next, old);
}
