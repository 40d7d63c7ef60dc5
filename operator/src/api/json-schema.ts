import type { Schema } from './openapi.js';

/**
 * Converts the CRD's OpenAPI v3.0 schema into JSON Schema draft-07, for Helm's
 * `values.schema.json` and for ajv in the tests: `exclusiveMinimum: true` becomes the
 * draft-07 number form, Kubernetes extensions and the int32/int64 formats are dropped (CEL
 * rules cannot be expressed; `validateSpec` re-checks them). `closed` adds
 * `additionalProperties: false` to every object with properties, so a misspelt field is an
 * error instead of being silently pruned by the API server.
 */
export function openApiToJsonSchema(schema: Schema, closed: boolean): Schema {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key.startsWith('x-kubernetes-')) continue;
    if (key === 'format' && (value === 'int32' || value === 'int64')) continue;
    if (key === 'exclusiveMinimum' || key === 'exclusiveMaximum') continue;
    out[key] = convertChild(key, value, closed);
  }
  if (schema['exclusiveMinimum'] === true) {
    out['exclusiveMinimum'] = schema['minimum'];
    delete out['minimum'];
  }
  if (schema['exclusiveMaximum'] === true) {
    out['exclusiveMaximum'] = schema['maximum'];
    delete out['maximum'];
  }
  if (closed && out['properties'] !== undefined && out['additionalProperties'] === undefined) {
    out['additionalProperties'] = false;
  }
  return out;
}

function convertChild(key: string, value: unknown, closed: boolean): unknown {
  if (key === 'properties' && isSchema(value)) {
    return Object.fromEntries(
      Object.entries(value).map(([name, child]) => [
        name,
        isSchema(child) ? openApiToJsonSchema(child, closed) : child,
      ]),
    );
  }
  if ((key === 'items' || key === 'additionalProperties') && isSchema(value)) return openApiToJsonSchema(value, closed);
  return value;
}

function isSchema(value: unknown): value is Schema {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
