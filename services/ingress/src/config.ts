import {
  checkRedisTopology,
  commonConfigOf,
  commonEnvSchema,
  type Environment,
  intFromEnv,
  loadConfig,
  type RedisTopology,
} from '@mpstack/common/config';
import { DEFAULT_SERVICE_WINDOW_RULES, type ServiceWindowRules } from '@mpstack/common/contracts';
import { z } from 'zod';

const ingressEnvSchema = commonEnvSchema.extend({
  MPSTACK_INGRESS_PORT: intFromEnv(8080, 0, 65535),
  /** Accepted clock skew between WeChat's timestamp and ours (seconds). */
  MPSTACK_TIMESTAMP_WINDOW_SECONDS: intFromEnv(300, 10, 3600),
  /**
   * Lifetime of de-duplication keys, nonces and cached replies. At least twice the timestamp
   * window (checked below): a signed request stays acceptable for up to 2 × window after we
   * first see it, so a byte-identical replay must still find its key.
   */
  MPSTACK_DEDUPE_TTL_SECONDS: intFromEnv(600, 60, 86400),
  /** Number of slow-path queues; a user's messages always land in the same one. */
  MPSTACK_INBOUND_PARTITIONS: intFromEnv(8, 1, 256),
  MPSTACK_MAX_BODY_BYTES: intFromEnv(64 * 1024, 1024, 1024 * 1024),
  /**
   * How long a delivery may wait for its claim (Redis unreachable, or a live first delivery
   * still executing) before it is held unanswered so that WeChat's timeout retry comes.
   */
  MPSTACK_RETRY_WAIT_MS: intFromEnv(4500, 0, 30000),
  /** A claim not renewed within this is taken over by the next delivery (its holder is gone). */
  MPSTACK_CLAIM_LEASE_MS: intFromEnv(3000, 200, 30000),
  /** A request held unanswered is closed without an answer after this (WeChat gives up at 5 s). */
  MPSTACK_HOLD_MS: intFromEnv(6000, 0, 60000),
  MPSTACK_PUBLISH_TIMEOUT_MS: intFromEnv(2000, 50, 30000),
  /**
   * Delivery receipts (TEMPLATESENDJOBFINISH / MASSSENDJOBFINISH) share a queue message: those
   * arriving within this many milliseconds of the group's first (0: the event-loop turn), at most
   * MPSTACK_RECEIPT_GROUP_MAX in one (1: each receipt alone).
   */
  MPSTACK_RECEIPT_GROUP_MS: intFromEnv(5, 0, 1000),
  MPSTACK_RECEIPT_GROUP_MAX: intFromEnv(200, 1, 1000),
  /**
   * On SIGTERM, how long the spool is offered to the broker before what is left is handed
   * over to the database; the pod's grace period must cover it (the operator sizes it).
   */
  MPSTACK_SHUTDOWN_DRAIN_SECONDS: intFromEnv(20, 0, 600),
  MPSTACK_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  /** Customer-service sends a user message allows within 48 h (kf doc today: 5; until 2021: 20). */
  MPSTACK_WECHAT_KEFU_PER_MESSAGE: intFromEnv(5, 1, 1000),
  /** … and a menu click, follow or scan within 1 minute (kf doc: 3). */
  MPSTACK_WECHAT_KEFU_PER_EVENT: intFromEnv(3, 1, 1000),
});

/**
 * Rules between settings. A dedupe key shorter-lived than the window lets a replayed signed
 * request (same timestamp, still inside the window) execute its message again.
 */
const checkedIngressEnvSchema = ingressEnvSchema.superRefine((env, context) => {
  checkRedisTopology(env, context);
  if (env.MPSTACK_DEDUPE_TTL_SECONDS < 2 * env.MPSTACK_TIMESTAMP_WINDOW_SECONDS) {
    context.addIssue({
      code: 'custom',
      path: ['MPSTACK_DEDUPE_TTL_SECONDS'],
      message:
        `must be at least twice MPSTACK_TIMESTAMP_WINDOW_SECONDS (${2 * env.MPSTACK_TIMESTAMP_WINDOW_SECONDS}): ` +
        'a request is accepted while its timestamp is within ± the window, so a replay stays valid that long',
    });
  }
  if (env.MPSTACK_CLAIM_LEASE_MS >= 5000) {
    context.addIssue({
      code: 'custom',
      path: ['MPSTACK_CLAIM_LEASE_MS'],
      message:
        "must be below 5000: WeChat's next delivery (after its 5 s timeout) must be able to take a dead claim over",
    });
  }
});

export type IngressEnv = z.infer<typeof ingressEnvSchema>;

export interface IngressConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** One node, Sentinel or Cluster; undefined: the in-process adapter. */
  readonly redis: RedisTopology | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly keyPrefix: string;
  readonly timestampWindowSeconds: number;
  readonly dedupeTtlSeconds: number;
  readonly partitions: number;
  readonly maxBodyBytes: number;
  readonly retryWaitMs: number;
  readonly claimLeaseMs: number;
  readonly holdMs: number;
  readonly publishTimeoutMs: number;
  readonly receiptGroupMs: number;
  readonly receiptGroupMax: number;
  readonly shutdownDrainSeconds: number;
  readonly traceSampleRatio: number;
  readonly serviceWindowRules: ServiceWindowRules;
}

/** The only place the ingress reads the environment. */
export function loadIngressConfig(env: Environment): IngressConfig {
  const e = loadConfig(checkedIngressEnvSchema, env);
  return Object.freeze({
    port: e.MPSTACK_INGRESS_PORT,
    ...commonConfigOf(e),
    timestampWindowSeconds: e.MPSTACK_TIMESTAMP_WINDOW_SECONDS,
    dedupeTtlSeconds: e.MPSTACK_DEDUPE_TTL_SECONDS,
    partitions: e.MPSTACK_INBOUND_PARTITIONS,
    maxBodyBytes: e.MPSTACK_MAX_BODY_BYTES,
    retryWaitMs: e.MPSTACK_RETRY_WAIT_MS,
    claimLeaseMs: e.MPSTACK_CLAIM_LEASE_MS,
    holdMs: e.MPSTACK_HOLD_MS,
    publishTimeoutMs: e.MPSTACK_PUBLISH_TIMEOUT_MS,
    receiptGroupMs: e.MPSTACK_RECEIPT_GROUP_MS,
    receiptGroupMax: e.MPSTACK_RECEIPT_GROUP_MAX,
    shutdownDrainSeconds: e.MPSTACK_SHUTDOWN_DRAIN_SECONDS,
    traceSampleRatio: e.MPSTACK_TRACE_SAMPLE_RATIO,
    serviceWindowRules: {
      message: { ...DEFAULT_SERVICE_WINDOW_RULES.message, budget: e.MPSTACK_WECHAT_KEFU_PER_MESSAGE },
      event: { ...DEFAULT_SERVICE_WINDOW_RULES.event, budget: e.MPSTACK_WECHAT_KEFU_PER_EVENT },
    },
  });
}
