import type { FailoverSpec, ReplicaRange, ScalingRules, ServiceName } from './v1alpha1.js';

/**
 * Defaults of a `WeChatPlatform` spec. One table read by both the zod re-check and the CRD's
 * OpenAPI schema, so `kubectl apply` defaulting and the operator's own defaulting agree (a
 * test applies the CRD defaults with ajv and compares them with the zod result).
 */

/** Same as the HPA's `--horizontal-pod-autoscaler-tolerance`. */
export const DEFAULT_TOLERANCE = 0.1;

/** `autoscaling/v2` default scale-up behaviour: at once, double or +4 pods per 15 s. */
export const DEFAULT_SCALE_UP: ScalingRules = {
  stabilizationWindowSeconds: 0,
  selectPolicy: 'Max',
  policies: [
    { type: 'Percent', value: 100, periodSeconds: 15 },
    { type: 'Pods', value: 4, periodSeconds: 15 },
  ],
};

/** `autoscaling/v2` default scale-down behaviour: after a 300 s window, up to all excess pods per 15 s. */
export const DEFAULT_SCALE_DOWN: ScalingRules = {
  stabilizationWindowSeconds: 300,
  selectPolicy: 'Max',
  policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }],
};

/**
 * Replica bounds when a service names none: two pods for everything WeChat or users call
 * (one pod down must not drop webhooks), one for the back office.
 */
export const DEFAULT_REPLICAS: Readonly<Record<ServiceName, ReplicaRange>> = {
  ingress: { min: 2, max: 20 },
  oauth: { min: 2, max: 10 },
  business: { min: 2, max: 20 },
  activity: { min: 2, max: 10 },
  admin: { min: 1, max: 3 },
  log: { min: 1, max: 5 },
  'business-worker': { min: 2, max: 20 },
};

export const DEFAULT_IMAGE_PULL_POLICY = 'IfNotPresent';
export const DEFAULT_METRICS_SOURCE = 'pods';
export const DEFAULT_SCRAPE_INTERVAL_SECONDS = 15;

export const DEFAULT_MYSQL_IMAGE = 'mariadb:10.11';
export const DEFAULT_RABBITMQ_IMAGE = 'rabbitmq:3.13-management';
export const DEFAULT_STORAGE_SIZE = '10Gi';
export const DEFAULT_RABBITMQ_REPLICAS = 3;

/**
 * Failure detection for the MySQL writer: 3 failed probes 2 s apart (plus the Kubernetes
 * signal) keeps detection near 6 s, well inside the 30 s failover target; one failover per
 * 5 minutes at most so a flapping network cannot bounce the writer back and forth.
 */
export const DEFAULT_FAILOVER: FailoverSpec = {
  probeIntervalSeconds: 2,
  failureThreshold: 3,
  antiFlapSeconds: 300,
};

/** Kubernetes resource.Quantity, the same pattern the API server's OpenAPI uses. */
export const QUANTITY_PATTERN =
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$';

/** RFC 1123 DNS subdomain (a host WeChat can call), lower case. */
export const DNS_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';

/** RFC 1123 label-ish name of a Kubernetes object (Secret names). */
export const OBJECT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$';

/** A container environment variable name. */
export const ENV_NAME_PATTERN = '^[-._a-zA-Z][-._a-zA-Z0-9]*$';

/** `HH:MM`, 00:00 to 23:59 (`MPSTACK_SUMMARY_AT`). */
export const CLOCK_TIME_PATTERN = '^([01][0-9]|2[0-3]):[0-5][0-9]$';
