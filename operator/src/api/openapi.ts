/**
 * Tiny builders for the structural OpenAPI v3 schema of the CRD (apiextensions.k8s.io/v1):
 * every node has a `type`, objects list their properties, and CEL rules are attached with
 * `x-kubernetes-validations`. Plain objects, so the CRD serialises to YAML as is.
 */

export type Schema = Readonly<Record<string, unknown>>;

export interface CelRule {
  readonly rule: string;
  readonly message: string;
}

export function str(extra: Schema = {}): Schema {
  return { type: 'string', ...extra };
}

export function int(minimum: number, extra: Schema = {}): Schema {
  return { type: 'integer', format: 'int32', minimum, ...extra };
}

export function num(extra: Schema = {}): Schema {
  return { type: 'number', ...extra };
}

export function bool(extra: Schema = {}): Schema {
  return { type: 'boolean', ...extra };
}

export function enumOf(values: readonly string[], extra: Schema = {}): Schema {
  return { type: 'string', enum: [...values], ...extra };
}

export function arrayOf(items: Schema, maxItems: number, extra: Schema = {}): Schema {
  return { type: 'array', maxItems, items, ...extra };
}

export function mapOf(values: Schema, extra: Schema = {}): Schema {
  return { type: 'object', additionalProperties: values, ...extra };
}

/** An object; `required` lists the properties that have no default. */
export function object(
  properties: Readonly<Record<string, Schema>>,
  options: { readonly required?: readonly string[]; readonly rules?: readonly CelRule[]; readonly extra?: Schema } = {},
): Schema {
  return {
    type: 'object',
    ...(options.required !== undefined && options.required.length > 0 ? { required: [...options.required] } : {}),
    properties,
    ...(options.rules !== undefined && options.rules.length > 0
      ? { 'x-kubernetes-validations': options.rules.map((r) => ({ ...r })) }
      : {}),
    ...options.extra,
  };
}

/** Deep copy of a default value, so two schema nodes never share one array or object. */
export function copy<T>(value: T): T {
  return structuredClone(value);
}
