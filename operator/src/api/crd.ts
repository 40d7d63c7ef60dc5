import { specOpenApiSchema } from './crd-spec-schema.js';
import { arrayOf, enumOf, int, mapOf, num, object, type Schema, str } from './openapi.js';
import { CONDITION_TYPES, GROUP, KIND, PLURAL, SERVICE_NAMES, SHORT_NAMES, SINGULAR, VERSION } from './v1alpha1.js';
import { MAX_PLATFORM_NAME_LENGTH } from './validation.js';

/** The metav1.Condition schema (as the API server publishes it). */
function conditionSchema(): Schema {
  return object(
    {
      type: enumOf(Object.values(CONDITION_TYPES)),
      status: enumOf(['True', 'False', 'Unknown']),
      observedGeneration: int(0, { format: 'int64' }),
      lastTransitionTime: str({ format: 'date-time' }),
      reason: str({ maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
      message: str({ maxLength: 32768 }),
    },
    { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] },
  );
}

function statusOpenApiSchema(): Schema {
  const serviceStatus = object(
    {
      replicas: int(0),
      desiredReplicas: int(0),
      lastMetric: object(
        { requestsPerSecond: num({ minimum: 0 }), at: str({ format: 'date-time' }) },
        {
          required: ['requestsPerSecond', 'at'],
        },
      ),
    },
    { required: ['replicas', 'desiredReplicas'] },
  );
  return object({
    observedGeneration: int(0, { format: 'int64' }),
    conditions: arrayOf(conditionSchema(), 16, {
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    }),
    services: object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceStatus]))),
    mysql: object(
      {
        writer: str({ description: 'Pod name of the one writable MySQL pod.' }),
        lastFailoverAt: str({ format: 'date-time' }),
        failures: mapOf(int(0)),
        fenced: arrayOf(str(), 2),
      },
      { required: ['writer'] },
    ),
    scheduledPushes: arrayOf(
      object(
        { start: str({ format: 'date-time' }), expectedMessages: int(0, { format: 'int64' }), durationSeconds: int(1) },
        { required: ['start', 'expectedMessages', 'durationSeconds'] },
      ),
      32,
    ),
  });
}

/**
 * The `WeChatPlatform` CustomResourceDefinition (apiextensions.k8s.io/v1): a structural
 * OpenAPI v3 schema with defaults and CEL rules (re-checked by `validateSpec`), the status
 * subresource (so the operator's status writes never race spec edits), and printer
 * columns. No scale subresource: the operator scales the Deployments, not the platform.
 * Pure and deterministic: `generate-manifests` serialises it to the files a test compares.
 */
export function buildCrd(): Readonly<Record<string, unknown>> {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: {
      name: `${PLURAL}.${GROUP}`,
      labels: { 'app.kubernetes.io/name': 'mpstack', 'app.kubernetes.io/component': 'crd' },
    },
    spec: {
      group: GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: PLURAL, singular: SINGULAR, shortNames: [...SHORT_NAMES] },
      versions: [
        {
          name: VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: [
            { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
            { name: 'Writer', type: 'string', jsonPath: '.status.mysql.writer' },
            { name: 'Ingress', type: 'integer', jsonPath: '.status.services.ingress.replicas' },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
          schema: {
            openAPIV3Schema: object(
              {
                apiVersion: str(),
                kind: str(),
                metadata: { type: 'object' },
                spec: specOpenApiSchema(),
                status: statusOpenApiSchema(),
              },
              {
                required: ['spec'],
                rules: [
                  {
                    rule: `size(self.metadata.name) <= ${MAX_PLATFORM_NAME_LENGTH}`,
                    message: `metadata.name: at most ${MAX_PLATFORM_NAME_LENGTH} characters (object names derive from it)`,
                  },
                ],
                extra: { description: 'One mpstack deployment (docs/architecture.md §7, the operator as built).' },
              },
            ),
          },
        },
      ],
    },
  };
}
