import { z } from 'zod';
import {
  CLOCK_TIME_PATTERN,
  DEFAULT_FAILOVER,
  DEFAULT_IMAGE_PULL_POLICY,
  DEFAULT_METRICS_SOURCE,
  DEFAULT_MYSQL_IMAGE,
  DEFAULT_RABBITMQ_IMAGE,
  DEFAULT_RABBITMQ_REPLICAS,
  DEFAULT_REPLICAS,
  DEFAULT_SCALE_DOWN,
  DEFAULT_SCALE_UP,
  DEFAULT_SCRAPE_INTERVAL_SECONDS,
  DEFAULT_STORAGE_SIZE,
  DEFAULT_TOLERANCE,
  DNS_NAME_PATTERN,
  ENV_NAME_PATTERN,
  OBJECT_NAME_PATTERN,
  QUANTITY_PATTERN,
} from './defaults.js';
import {
  IMAGE_PULL_POLICIES,
  METRICS_SOURCES,
  MYSQL_MODES,
  RABBITMQ_MODES,
  SCALING_POLICY_TYPES,
  type ScalingRules,
  SELECT_POLICIES,
  SERVICE_NAMES,
  type ServiceName,
} from './v1alpha1.js';

/**
 * The zod mirror of the CRD's OpenAPI schema (`crd-spec-schema.ts`): single-field rules and
 * defaults. Cross-field rules (the CEL rules of the CRD) live in `cross-checks.ts` so they
 * are reported even when a single field is wrong too. Unknown fields are stripped, as the
 * API server prunes them from a structural schema.
 */

const positiveInt = z.number().int().min(1);
const nonNegativeInt = z.number().int().min(0);
const objectName = z.string().regex(new RegExp(OBJECT_NAME_PATTERN), 'must be a Kubernetes object name').max(253);
const quantity = z.string().regex(new RegExp(QUANTITY_PATTERN), 'must be a Kubernetes quantity such as 10Gi');

const secretKeyRef = z.object({ name: objectName, key: z.string().min(1) });

const policy = z.object({
  type: z.enum(SCALING_POLICY_TYPES),
  value: positiveInt,
  periodSeconds: z.number().int().min(1).max(1800),
});

function scalingRules(defaults: ScalingRules) {
  return z.object({
    stabilizationWindowSeconds: z.number().int().min(0).max(3600).default(defaults.stabilizationWindowSeconds),
    policies: z
      .array(policy)
      .min(1)
      .default(() => defaults.policies.map((p) => ({ ...p }))),
    selectPolicy: z.enum(SELECT_POLICIES).default(defaults.selectPolicy),
  });
}

const tier = z.object({ requestsPerSecond: z.number().min(0), minReplicas: nonNegativeInt });

const scaling = z.object({
  targetRequestsPerSecondPerReplica: z.number().gt(0),
  tolerance: z.number().min(0).lt(1).default(DEFAULT_TOLERANCE),
  scaleUp: scalingRules(DEFAULT_SCALE_UP).prefault({}),
  scaleDown: scalingRules(DEFAULT_SCALE_DOWN).prefault({}),
  tiers: z.array(tier).optional(),
  queue: z.object({ name: z.string().min(1), targetDepthPerReplica: positiveInt }).optional(),
});

const resources = z.object({
  requests: z.record(z.string(), quantity).optional(),
  limits: z.record(z.string(), quantity).optional(),
});

const envVar = z.object({
  name: z.string().regex(new RegExp(ENV_NAME_PATTERN), 'must be an environment variable name'),
  value: z.string(),
});

function serviceSchema(name: ServiceName) {
  const replicas = DEFAULT_REPLICAS[name];
  return z.object({
    replicas: z.object({ min: positiveInt, max: positiveInt }).default(() => ({ ...replicas })),
    scaling: scaling.optional(),
    resources: resources.optional(),
    env: z.array(envVar).optional(),
  });
}

const services = z.object(
  Object.fromEntries(SERVICE_NAMES.map((name) => [name, serviceSchema(name).prefault({})])) as Record<
    ServiceName,
    z.ZodPrefault<ReturnType<typeof serviceSchema>>
  >,
);

const storage = z.object({
  size: quantity.default(DEFAULT_STORAGE_SIZE),
  storageClassName: z.string().min(1).optional(),
});

const mysql = z.object({
  mode: z.enum(MYSQL_MODES).default('dualMaster'),
  image: z.string().min(1).default(DEFAULT_MYSQL_IMAGE),
  storage: storage.prefault({}),
  semiSync: z.boolean().default(true),
  resources: resources.optional(),
  failover: z
    .object({
      probeIntervalSeconds: positiveInt.default(DEFAULT_FAILOVER.probeIntervalSeconds),
      failureThreshold: positiveInt.default(DEFAULT_FAILOVER.failureThreshold),
      antiFlapSeconds: nonNegativeInt.default(DEFAULT_FAILOVER.antiFlapSeconds),
    })
    .prefault({}),
  credentialsSecret: objectName.optional(),
  externalUrlSecret: secretKeyRef.optional(),
});

const rabbitmq = z.object({
  mode: z.enum(RABBITMQ_MODES).default('statefulSet'),
  replicas: positiveInt
    .refine((n) => n % 2 === 1, 'must be odd (quorum queues need a majority)')
    .default(DEFAULT_RABBITMQ_REPLICAS),
  image: z.string().min(1).default(DEFAULT_RABBITMQ_IMAGE),
  storage: storage.prefault({}),
  resources: resources.optional(),
  credentialsSecret: objectName.optional(),
  externalUrlSecret: secretKeyRef.optional(),
});

const logs = z.object({
  summary: z
    .object({
      smtpUrlSecret: secretKeyRef,
      to: z.string().min(3).max(1000),
      from: z.string().min(3).max(255).optional(),
      at: z.string().regex(new RegExp(CLOCK_TIME_PATTERN), 'must be HH:MM').optional(),
      timeZone: z.string().min(1).max(64).optional(),
    })
    .optional(),
  retentionMonths: z.number().int().min(1).max(120).optional(),
  filesClaimName: objectName.optional(),
});

const outbound = z.object({
  mail: z
    .object({
      smtpUrlSecret: secretKeyRef,
      to: z.string().min(3).max(1000),
      from: z.string().min(3).max(255).optional(),
    })
    .optional(),
});

/** The whole spec, defaults applied. */
export const specSchema = z.object({
  image: z.string().min(1),
  imagePullPolicy: z.enum(IMAGE_PULL_POLICIES).default(DEFAULT_IMAGE_PULL_POLICY),
  imagePullSecrets: z
    .array(z.object({ name: objectName }))
    .max(20)
    .default([]),
  podDisruptionBudgets: z.object({ enabled: z.boolean().default(true) }).prefault({}),
  networkPolicies: z.object({ enabled: z.boolean().default(false) }).prefault({}),
  ingress: z.object({
    host: z.string().max(253).regex(new RegExp(DNS_NAME_PATTERN), 'must be a lower-case DNS name'),
    className: z.string().min(1).optional(),
    tls: z.object({ secretName: objectName }).optional(),
  }),
  services: services.prefault({}),
  metrics: z
    .object({
      source: z.enum(METRICS_SOURCES).default(DEFAULT_METRICS_SOURCE),
      prometheusUrl: z.url({ protocol: /^https?$/ }).optional(),
      scrapeIntervalSeconds: z.number().int().min(1).max(3600).default(DEFAULT_SCRAPE_INTERVAL_SECONDS),
    })
    .prefault({}),
  mysql: mysql.prefault({}),
  rabbitmq: rabbitmq.prefault({}),
  redis: z.object({ urlSecret: secretKeyRef }),
  logs: logs.optional(),
  outbound: outbound.optional(),
  paused: z.boolean().default(false),
});
