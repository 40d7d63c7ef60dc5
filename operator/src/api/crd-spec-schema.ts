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
import { arrayOf, bool, copy, enumOf, int, mapOf, num, object, type Schema, str } from './openapi.js';
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
 * OpenAPI schema of `spec`, mirrored by `spec-schema.ts` (zod) and `cross-checks.ts` (the
 * CEL rules). Defaults come from the same table as zod's; a default of `{}` on an object
 * makes the API server apply the defaults nested inside it.
 */

const objectName = str({ pattern: OBJECT_NAME_PATTERN, maxLength: 253 });
const quantity = str({ pattern: QUANTITY_PATTERN });
const resources = object({ requests: mapOf(quantity), limits: mapOf(quantity) });
const secretKeyRef = object({ name: objectName, key: str({ minLength: 1 }) }, { required: ['name', 'key'] });

function scalingRules(defaults: ScalingRules, description: string): Schema {
  const policy = object(
    {
      type: enumOf(SCALING_POLICY_TYPES),
      value: int(1),
      periodSeconds: int(1, { maximum: 1800 }),
    },
    { required: ['type', 'value', 'periodSeconds'] },
  );
  return object(
    {
      stabilizationWindowSeconds: int(0, { maximum: 3600, default: defaults.stabilizationWindowSeconds }),
      policies: arrayOf(policy, 10, { minItems: 1, default: copy(defaults.policies) }),
      selectPolicy: enumOf(SELECT_POLICIES, { default: defaults.selectPolicy }),
    },
    { extra: { default: {}, description } },
  );
}

const tiers = arrayOf(
  object(
    { requestsPerSecond: num({ minimum: 0 }), minReplicas: int(0) },
    { required: ['requestsPerSecond', 'minReplicas'] },
  ),
  20,
  {
    description: 'At or above requestsPerSecond, never fewer than minReplicas.',
    'x-kubernetes-validations': [
      {
        rule: 'self.map(t, t.requestsPerSecond).isSorted() && self.all(a, self.exists_one(b, b.requestsPerSecond == a.requestsPerSecond))',
        message: 'tiers must be strictly ascending by requestsPerSecond',
      },
    ],
  },
);

const scaling = object(
  {
    targetRequestsPerSecondPerReplica: num({ exclusiveMinimum: true, minimum: 0 }),
    tolerance: num({ minimum: 0, maximum: 1, exclusiveMaximum: true, default: DEFAULT_TOLERANCE }),
    scaleUp: scalingRules(DEFAULT_SCALE_UP, 'Like autoscaling/v2 behavior.scaleUp.'),
    scaleDown: scalingRules(DEFAULT_SCALE_DOWN, 'Like autoscaling/v2 behavior.scaleDown.'),
    tiers,
    queue: object(
      { name: str({ minLength: 1 }), targetDepthPerReplica: int(1) },
      { required: ['name', 'targetDepthPerReplica'] },
    ),
  },
  { required: ['targetRequestsPerSecondPerReplica'], extra: { description: 'Absent: fixed at replicas.min.' } },
);

function service(name: ServiceName): Schema {
  const replicas = object(
    { min: int(1), max: int(1) },
    {
      required: ['min', 'max'],
      rules: [{ rule: 'self.min <= self.max', message: 'replicas.min must not exceed replicas.max' }],
      extra: { default: copy(DEFAULT_REPLICAS[name]) },
    },
  );
  return object(
    {
      replicas,
      scaling,
      resources,
      env: arrayOf(
        object({ name: str({ pattern: ENV_NAME_PATTERN }), value: str() }, { required: ['name', 'value'] }),
        100,
        { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] },
      ),
    },
    {
      rules: [
        {
          rule: '!has(self.scaling) || !has(self.scaling.tiers) || !has(self.replicas) || self.scaling.tiers.all(t, t.minReplicas <= self.replicas.max)',
          message: 'a tier minReplicas exceeds replicas.max',
        },
      ],
      extra: { default: {} },
    },
  );
}

/**
 * A StatefulSet's volumeClaimTemplates cannot change (the API server answers 422), so the
 * storage of MySQL and RabbitMQ is immutable once set: a resize is done on the PVCs.
 */
const storage = object(
  { size: str({ pattern: QUANTITY_PATTERN, default: DEFAULT_STORAGE_SIZE }), storageClassName: str({ minLength: 1 }) },
  {
    rules: [
      {
        rule: 'self == oldSelf',
        message: 'storage is immutable (a StatefulSet volumeClaimTemplate cannot change): resize the PVCs themselves',
      },
    ],
    extra: { default: {} },
  },
);

const mysql = object(
  {
    mode: enumOf(MYSQL_MODES, { default: 'dualMaster' }),
    image: str({ minLength: 1, default: DEFAULT_MYSQL_IMAGE }),
    storage,
    semiSync: bool({ default: true }),
    resources,
    failover: object(
      {
        probeIntervalSeconds: int(1, { default: DEFAULT_FAILOVER.probeIntervalSeconds }),
        failureThreshold: int(1, { default: DEFAULT_FAILOVER.failureThreshold }),
        antiFlapSeconds: int(0, { default: DEFAULT_FAILOVER.antiFlapSeconds }),
      },
      { extra: { default: {} } },
    ),
    credentialsSecret: objectName,
    externalUrlSecret: secretKeyRef,
  },
  {
    rules: [
      {
        rule: "self.mode != 'external' || has(self.externalUrlSecret)",
        message: 'external MySQL needs externalUrlSecret',
      },
    ],
    extra: { default: {} },
  },
);

const rabbitmq = object(
  {
    mode: enumOf(RABBITMQ_MODES, { default: 'statefulSet' }),
    replicas: int(1, { default: DEFAULT_RABBITMQ_REPLICAS }),
    image: str({ minLength: 1, default: DEFAULT_RABBITMQ_IMAGE }),
    storage,
    resources,
    credentialsSecret: objectName,
    externalUrlSecret: secretKeyRef,
  },
  {
    rules: [
      { rule: 'self.replicas % 2 == 1', message: 'rabbitmq.replicas must be odd (quorum queues need a majority)' },
      { rule: 'self.replicas >= oldSelf.replicas', message: 'rabbitmq.replicas cannot be decreased' },
      {
        rule: "self.mode != 'external' || has(self.externalUrlSecret)",
        message: 'external RabbitMQ needs externalUrlSecret',
      },
    ],
    extra: { default: {} },
  },
);

const metrics = object(
  {
    source: enumOf(METRICS_SOURCES, { default: DEFAULT_METRICS_SOURCE }),
    prometheusUrl: str({ pattern: '^https?://' }),
    scrapeIntervalSeconds: int(1, { maximum: 3600, default: DEFAULT_SCRAPE_INTERVAL_SECONDS }),
  },
  {
    rules: [
      { rule: "self.source != 'prometheus' || has(self.prometheusUrl)", message: 'prometheus needs prometheusUrl' },
    ],
    extra: { default: {} },
  },
);

const logs = object(
  {
    summary: object(
      {
        smtpUrlSecret: secretKeyRef,
        to: str({ minLength: 3, maxLength: 1000, description: 'MPSTACK_SUMMARY_TO: recipients, comma-separated.' }),
        from: str({ minLength: 3, maxLength: 255 }),
        at: str({ pattern: CLOCK_TIME_PATTERN, description: 'MPSTACK_SUMMARY_AT: local HH:MM (default 08:00).' }),
        timeZone: str({
          minLength: 1,
          maxLength: 64,
          description: 'MPSTACK_SUMMARY_TIMEZONE (default Asia/Shanghai).',
        }),
      },
      {
        required: ['smtpUrlSecret', 'to'],
        extra: { description: 'The daily summary e-mail; the SMTP URL comes from a Secret (it may carry a password).' },
      },
    ),
    retentionMonths: int(1, { maximum: 120, description: 'MPSTACK_LOG_RETENTION_MONTHS (default 6).' }),
    filesClaimName: str({
      pattern: OBJECT_NAME_PATTERN,
      maxLength: 253,
      description:
        "An existing PersistentVolumeClaim for the JSON-lines log files (ReadWriteMany with more than one log replica); absent: the pod's emptyDir.",
    }),
  },
  { extra: { description: "The log service's summary e-mail, retention and files." } },
);

const outbound = object(
  {
    mail: object(
      {
        smtpUrlSecret: secretKeyRef,
        to: str({ minLength: 3, maxLength: 1000, description: 'MPSTACK_OPERATOR_EMAIL: recipients, comma-separated.' }),
        from: str({ minLength: 3, maxLength: 255, description: 'MPSTACK_MAIL_FROM.' }),
      },
      {
        required: ['smtpUrlSecret', 'to'],
        extra: {
          description: 'The e-mail a finished push sends; the SMTP URL comes from a Secret (it may carry a password).',
        },
      },
    ),
  },
  { extra: { description: "The business service's outbound settings: the push e-mail." } },
);

/** The `spec` node of the CRD's openAPIV3Schema. */
export function specOpenApiSchema(): Schema {
  return object(
    {
      image: str({ minLength: 1, description: 'The single mpstack image every service runs.' }),
      imagePullPolicy: enumOf(IMAGE_PULL_POLICIES, { default: DEFAULT_IMAGE_PULL_POLICY }),
      imagePullSecrets: arrayOf(object({ name: objectName }, { required: ['name'] }), 20, {
        default: [],
        description: 'Registry credentials (Secrets in this namespace) put on every pod the operator creates.',
      }),
      podDisruptionBudgets: object(
        { enabled: bool({ default: true }) },
        { extra: { default: {}, description: 'A PodDisruptionBudget for every workload (one pod at a time).' } },
      ),
      networkPolicies: object(
        { enabled: bool({ default: false }) },
        {
          extra: {
            default: {},
            description: 'NetworkPolicies admitting only the platform and the operator to MySQL and RabbitMQ.',
          },
        },
      ),
      ingress: object(
        {
          host: str({ pattern: DNS_NAME_PATTERN, maxLength: 253, description: 'The host WeChat calls.' }),
          className: str({ minLength: 1 }),
          tls: object({ secretName: objectName }, { required: ['secretName'] }),
        },
        { required: ['host'] },
      ),
      services: object(Object.fromEntries(SERVICE_NAMES.map((name) => [name, service(name)])), {
        extra: { default: {} },
      }),
      metrics,
      mysql,
      rabbitmq,
      redis: object({ urlSecret: secretKeyRef }, { required: ['urlSecret'] }),
      logs,
      outbound,
      paused: bool({ default: false }),
    },
    { required: ['image', 'ingress', 'redis'] },
  );
}
