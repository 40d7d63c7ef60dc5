import { Ajv, type ValidateFunction } from 'ajv';
import { buildCrd } from '../../src/api/crd.js';
import { openApiToJsonSchema } from '../../src/api/json-schema.js';
import type { Schema } from '../../src/api/openapi.js';

/** The CRD's openAPIV3Schema as built (OpenAPI v3.0 with Kubernetes extensions). */
export function crdOpenApiSchema(): Schema {
  const crd = buildCrd() as { spec: { versions: { schema: { openAPIV3Schema: Schema } }[] } };
  const version = crd.spec.versions[0];
  if (version === undefined) throw new Error('the CRD has no version');
  return version.schema.openAPIV3Schema;
}

/** An ajv that knows the formats the CRD uses; strict, so an unknown keyword is an error. */
export function newAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: true, useDefaults, allowUnionTypes: true });
  ajv.addFormat('date-time', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/);
  return ajv;
}

/**
 * A validator of whole `WeChatPlatform` objects against the CRD schema; `closed` rejects
 * unknown fields (which the API server would prune silently). CEL rules are not evaluated.
 */
export function crdValidator(options: { closed: boolean; useDefaults: boolean }): ValidateFunction {
  const key = `${options.closed}/${options.useDefaults}`;
  const cached = compiled.get(key);
  if (cached !== undefined) return cached;
  const validate = newAjv(options.useDefaults).compile(openApiToJsonSchema(crdOpenApiSchema(), options.closed));
  compiled.set(key, validate);
  return validate;
}

/** Compiling the whole CRD schema takes ~150 ms; tests share the compiled validators. */
const compiled = new Map<string, ValidateFunction>();

/** ajv errors as `path message` lines. */
export function ajvProblems(validate: ValidateFunction): string[] {
  return (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`.trim());
}
