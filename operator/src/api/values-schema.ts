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
  const enabled = (extra: Record<string, unknown> = {}) => ({
    type: 'object',
    additionalProperties: false,
    required: ['enabled'],
    properties: { enabled: { type: 'boolean' }, ...extra },
  });
  const labels = { type: 'object', additionalProperties: { type: 'string' } };
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
          replicas: { type: 'integer', minimum: 1, maximum: 5 },
          resources,
          nodeSelector: labels,
          tolerations: { type: 'array', items: { type: 'object' } },
          affinity: { type: 'object' },
        },
      },
      imagePullSecrets: {
        type: 'array',
        maxItems: 20,
        items: { type: 'object', additionalProperties: false, required: ['name'], properties: { name: str } },
      },
      podDisruptionBudget: enabled(),
      networkPolicy: enabled({ metricsFrom: { type: 'array', items: { type: 'object' } } }),
      serviceMonitor: enabled({ interval: { type: 'string', pattern: '^[0-9]+(s|m)$' }, labels }),
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
