/**
 * The `WeChatPlatform` custom resource, `mpstack.io/v1alpha1` (docs/architecture.md §7): what one
 * mpstack deployment should look like (spec) and what the operator last saw (status).
 *
 * These types describe a spec AFTER `validateSpec` applied the defaults; what arrives from
 * the API server is `unknown` until that re-check passed (the API server may be old, or its
 * validation bypassed by a direct etcd write or a disabled admission path).
 */

export const GROUP = 'mpstack.io';
export const VERSION = 'v1alpha1';
export const KIND = 'WeChatPlatform';
export const PLURAL = 'wechatplatforms';
export const SINGULAR = 'wechatplatform';
export const SHORT_NAMES = ['wxp'] as const;
export const API_VERSION = `${GROUP}/${VERSION}` as const;

/** Annotations the operator reads on a `WeChatPlatform`. */
export const ANNOTATIONS = {
  /** `"true"`: the operator observes and reports but changes nothing (scaling included). */
  paused: 'mpstack.io/paused',
  /**
   * JSON {@link ScheduledPush}: how a push job announces itself so ingress and business
   * capacity is raised before the surge instead of one scale-up window after it.
   */
  scheduledPush: 'mpstack.io/scheduled-push',
  /**
   * A planned MySQL switchover: the pod that should become the writer. The operator makes
   * the writer read-only, waits until this pod has caught up (GTID), then makes it writable.
   */
  mysqlWriter: 'mpstack.io/mysql-writer',
} as const;

/** The value of the {@link ANNOTATIONS.scheduledPush} annotation. */
export interface ScheduledPush {
  /** RFC 3339 start of the push. */
  readonly start: string;
  /** Messages the push will send (followers reached). */
  readonly expectedMessages: number;
  /** Over how long the push sends them. */
  readonly durationSeconds: number;
}

/** The services the operator runs, each as its own Deployment. */
export const SERVICE_NAMES = ['ingress', 'oauth', 'business', 'activity', 'admin', 'log', 'business-worker'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

export const IMAGE_PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'] as const;
export type ImagePullPolicy = (typeof IMAGE_PULL_POLICIES)[number];

export interface IngressSpec {
  /** DNS name WeChat calls (the callback URL's host). */
  readonly host: string;
  readonly className?: string;
  readonly tls?: { readonly secretName: string };
}

export const SCALING_POLICY_TYPES = ['Pods', 'Percent'] as const;
export type ScalingPolicyType = (typeof SCALING_POLICY_TYPES)[number];
export const SELECT_POLICIES = ['Max', 'Min', 'Disabled'] as const;
export type SelectPolicy = (typeof SELECT_POLICIES)[number];

/** Same meaning as `autoscaling/v2` HPAScalingPolicy. */
export interface ScalingPolicy {
  readonly type: ScalingPolicyType;
  readonly value: number;
  readonly periodSeconds: number;
}

/** Same meaning as `autoscaling/v2` HPAScalingRules. */
export interface ScalingRules {
  readonly stabilizationWindowSeconds: number;
  readonly policies: readonly ScalingPolicy[];
  readonly selectPolicy: SelectPolicy;
}

/** At or above `requestsPerSecond`, never fewer than `minReplicas` (a floor, not a target). */
export interface ScalingTier {
  readonly requestsPerSecond: number;
  readonly minReplicas: number;
}

/** Workers may scale on queue depth (ready + unacknowledged) instead of request rate. */
export interface QueueScaling {
  readonly name: string;
  readonly targetDepthPerReplica: number;
}

export interface ScalingSpec {
  readonly targetRequestsPerSecondPerReplica: number;
  /** Fraction of the target within which nothing changes; 0.1 like the HPA. */
  readonly tolerance: number;
  readonly scaleUp: ScalingRules;
  readonly scaleDown: ScalingRules;
  readonly tiers?: readonly ScalingTier[];
  readonly queue?: QueueScaling;
}

export interface ReplicaRange {
  readonly min: number;
  readonly max: number;
}

/** Container resources, the same shape as a core/v1 ResourceRequirements. */
export interface ResourcesSpec {
  readonly requests?: Readonly<Record<string, string>>;
  readonly limits?: Readonly<Record<string, string>>;
}

export interface EnvVar {
  readonly name: string;
  readonly value: string;
}

export interface ServiceSpec {
  readonly replicas: ReplicaRange;
  /** Absent: the Deployment stays at `replicas.min`. */
  readonly scaling?: ScalingSpec;
  readonly resources?: ResourcesSpec;
  readonly env?: readonly EnvVar[];
}

export const METRICS_SOURCES = ['pods', 'prometheus'] as const;
export type MetricsSource = (typeof METRICS_SOURCES)[number];

export interface MetricsSpec {
  readonly source: MetricsSource;
  readonly prometheusUrl?: string;
  readonly scrapeIntervalSeconds: number;
}

export interface SecretKeyRef {
  readonly name: string;
  readonly key: string;
}

export interface StorageSpec {
  /** A quantity, e.g. `20Gi`. */
  readonly size: string;
  readonly storageClassName?: string;
}

export const MYSQL_MODES = ['dualMaster', 'external'] as const;
export type MySQLMode = (typeof MYSQL_MODES)[number];

export interface FailoverSpec {
  readonly probeIntervalSeconds: number;
  readonly failureThreshold: number;
  /** After a failover, no other failover within this many seconds. */
  readonly antiFlapSeconds: number;
}

export interface MySQLSpec {
  readonly mode: MySQLMode;
  /** `mariadb:*` images get MariaDB settings (gtid_domain_id); anything else MySQL 8 ones. */
  readonly image: string;
  readonly storage: StorageSpec;
  readonly semiSync: boolean;
  readonly failover: FailoverSpec;
  /** The MySQL container's; absent: requests of 250m CPU and 512Mi. */
  readonly resources?: ResourcesSpec;
  /**
   * `dualMaster`: the user-created Secret (default `<platform>-mysql`) with keys
   * `root-password`, `replication-password`, `password` (the `mpstack` user) and `url` (the
   * services' `mysql://` URL, pointing at the `<platform>-mysql-writer` Service).
   */
  readonly credentialsSecret?: string;
  /** `external`: a Secret key holding the `mysql://` URL. */
  readonly externalUrlSecret?: SecretKeyRef;
}

export const RABBITMQ_MODES = ['statefulSet', 'external'] as const;
export type RabbitMQMode = (typeof RABBITMQ_MODES)[number];

export interface RabbitMQSpec {
  readonly mode: RabbitMQMode;
  /** Odd, so quorum queues keep a majority; never scaled down by the operator. */
  readonly replicas: number;
  readonly image: string;
  readonly storage: StorageSpec;
  /** The broker container's; absent: requests of 250m CPU and 512Mi. */
  readonly resources?: ResourcesSpec;
  /**
   * `statefulSet`: the user-created Secret (default `<platform>-rabbitmq`) with keys
   * `erlang-cookie`, `username`, `password` and `url` (the services' `amqp://` URL).
   */
  readonly credentialsSecret?: string;
  /** `external`: a Secret key holding the `amqp://` URL. */
  readonly externalUrlSecret?: SecretKeyRef;
}

/** The log service's daily summary e-mail (README "The log service"). */
export interface LogSummarySpec {
  /** A Secret key holding `MPSTACK_SMTP_URL` (`smtp://user:pass@host:port`: it may carry a password). */
  readonly smtpUrlSecret: SecretKeyRef;
  /** `MPSTACK_SUMMARY_TO`: the recipients, comma-separated. */
  readonly to: string;
  /** `MPSTACK_SUMMARY_FROM`. */
  readonly from?: string;
  /** `MPSTACK_SUMMARY_AT`: local `HH:MM`. */
  readonly at?: string;
  /** `MPSTACK_SUMMARY_TIMEZONE`: an IANA zone. */
  readonly timeZone?: string;
}

/** The e-mail a finished push sends to the operator (README "The outbound pipeline"). */
export interface OutboundMailSpec {
  /** A Secret key holding `MPSTACK_SMTP_URL` (`smtp://user:pass@host:port`: it may carry a password). */
  readonly smtpUrlSecret: SecretKeyRef;
  /** `MPSTACK_OPERATOR_EMAIL`: the recipients, comma-separated. */
  readonly to: string;
  /** `MPSTACK_MAIL_FROM`. */
  readonly from?: string;
}

/** The business service's outbound settings beyond `spec.services.business`. */
export interface OutboundSpec {
  /** Absent: no push e-mail (a log line instead). */
  readonly mail?: OutboundMailSpec;
}

/** The log service's settings beyond `spec.services.log` (its replicas, resources, env). */
export interface LogsSpec {
  /** Absent: no summary e-mail. */
  readonly summary?: LogSummarySpec;
  /** `MPSTACK_LOG_RETENTION_MONTHS`: months of rows and files kept. */
  readonly retentionMonths?: number;
  /**
   * The JSON-lines files on an existing PersistentVolumeClaim (`MPSTACK_LOG_FILES_DIR` on it)
   * instead of the pod's emptyDir; with more than one log replica it must be ReadWriteMany.
   */
  readonly filesClaimName?: string;
}

export interface RedisSpec {
  readonly urlSecret: SecretKeyRef;
}

/** A Secret in the platform's namespace holding registry credentials. */
export interface LocalObjectReference {
  readonly name: string;
}

/** PodDisruptionBudgets for every workload the operator creates (on by default). */
export interface DisruptionBudgetsSpec {
  readonly enabled: boolean;
}

/**
 * NetworkPolicies that close the data stores (MySQL, RabbitMQ) to everything but the
 * platform's own pods and the operator (off by default: they need a CNI that enforces them).
 */
export interface NetworkPoliciesSpec {
  readonly enabled: boolean;
}

export interface WeChatPlatformSpec {
  readonly image: string;
  readonly imagePullPolicy: ImagePullPolicy;
  /** Registry credentials put on every pod the operator creates. */
  readonly imagePullSecrets: readonly LocalObjectReference[];
  readonly podDisruptionBudgets: DisruptionBudgetsSpec;
  readonly networkPolicies: NetworkPoliciesSpec;
  readonly ingress: IngressSpec;
  readonly services: Readonly<Record<ServiceName, ServiceSpec>>;
  readonly metrics: MetricsSpec;
  readonly mysql: MySQLSpec;
  readonly rabbitmq: RabbitMQSpec;
  readonly redis: RedisSpec;
  readonly logs?: LogsSpec;
  readonly outbound?: OutboundSpec;
  readonly paused: boolean;
}

export const CONDITION_TYPES = {
  ready: 'Ready',
  scalingActive: 'ScalingActive',
  mysqlAvailable: 'MySQLAvailable',
  mysqlReplicationHealthy: 'MySQLReplicationHealthy',
  manualInterventionRequired: 'ManualInterventionRequired',
  rabbitmqAvailable: 'RabbitMQAvailable',
} as const;
export type ConditionType = (typeof CONDITION_TYPES)[keyof typeof CONDITION_TYPES];

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/** The metav1.Condition shape. */
export interface Condition {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly observedGeneration?: number;
  /** RFC 3339; changes only when `status` changes. */
  readonly lastTransitionTime: string;
  /** CamelCase machine-readable cause. */
  readonly reason: string;
  readonly message: string;
}

export interface ServiceStatus {
  readonly replicas: number;
  readonly desiredReplicas: number;
  readonly lastMetric?: { readonly requestsPerSecond: number; readonly at: string };
}

export interface MySQLStatus {
  /** Pod name of the one writable MySQL pod; the writer Service follows it. */
  readonly writer: string;
  readonly lastFailoverAt?: string;
  /** Consecutive failed probes per pod: the failover threshold counts across reconciles. */
  readonly failures?: Readonly<Record<string, number>>;
  /** Pods that lost the writer role by failover and have not rejoined yet. */
  readonly fenced?: readonly string[];
}

export interface WeChatPlatformStatus {
  readonly observedGeneration?: number;
  readonly conditions?: readonly Condition[];
  readonly services?: Readonly<Partial<Record<ServiceName, ServiceStatus>>>;
  readonly mysql?: MySQLStatus;
  readonly scheduledPushes?: readonly ScheduledPush[];
}

export interface ObjectMetaLite {
  readonly name: string;
  readonly namespace: string;
  readonly uid: string;
  readonly generation?: number;
  readonly resourceVersion?: string;
  readonly labels?: Readonly<Record<string, string>>;
  readonly annotations?: Readonly<Record<string, string>>;
  readonly finalizers?: readonly string[];
  readonly deletionTimestamp?: string | Date;
}

/** A `WeChatPlatform` whose spec passed `validateSpec`. */
export interface WeChatPlatform {
  readonly apiVersion: typeof API_VERSION;
  readonly kind: typeof KIND;
  readonly metadata: ObjectMetaLite;
  readonly spec: WeChatPlatformSpec;
  readonly status?: WeChatPlatformStatus;
}

/** Finalizer the operator puts on a `WeChatPlatform` to clean up what owner references cannot. */
export const FINALIZER = 'mpstack.io/cleanup';
