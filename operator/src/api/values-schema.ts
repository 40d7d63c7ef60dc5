import { specOpenApiSchema } from './crd-spec-schema.js';
import { openApiToJsonSchema } from './json-schema.js';
import { MAX_PLATFORM_NAME_LENGTH } from './validation.js';

/**
 * JSON Schema of the Helm chart's values (`charts/mpstack/values.schema.json`). The
 * platform spec part is generated from the CRD's schema, so `helm install` rejects a bad
 * `platform.spec` (and misspelt fields) before anything reaches the cluster.
 */
export function chartValuesSchema(): Record<string, unknown> {
  const str = { type: 'string', minLength: 1 };
  const resources = {
    type: 'object',
    additionalProperties: false,
    properties: {
      requests: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
      limits: { type: 'object', additionalProperties: { type: ['string', 'number'] } },
    },
  };
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'mpstack chart values',
    type: 'object',
    additionalProperties: false,
    required: ['image', 'operator', 'serviceAccount', 'platform'],
    properties: {
      image: {
        type: 'object',
        additionalProperties: false,
        required: ['repository', 'tag', 'pullPolicy'],
        properties: { repository: str, tag: str, pullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] } },
      },
      operator: {
        type: 'object',
        additionalProperties: false,
        required: ['logLevel', 'resources'],
        properties: {
          logLevel: { enum: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
          watchNamespaces: { type: 'string', pattern: '^([a-z0-9-]+(,[a-z0-9-]+)*)?$' },
          resources,
        },
      },
      serviceAccount: {
        type: 'object',
        additionalProperties: false,
        required: ['name'],
        properties: { name: str },
      },
      platform: {
        type: 'object',
        additionalProperties: false,
        required: ['enabled', 'name', 'spec'],
        properties: {
          enabled: { type: 'boolean' },
          name: { type: 'string', pattern: '^[a-z]([-a-z0-9]*[a-z0-9])?$', maxLength: MAX_PLATFORM_NAME_LENGTH },
          spec: openApiToJsonSchema(specOpenApiSchema(), true),
        },
      },
    },
  };
}
