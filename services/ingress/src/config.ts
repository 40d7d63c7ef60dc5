import { commonEnvSchema, type Environment, intFromEnv, loadConfig } from '@mpstack/common';
import { z } from 'zod';

const ingressEnvSchema = commonEnvSchema.extend({
  MPSTACK_INGRESS_PORT: intFromEnv(8080, 0, 65535),
  /** Accepted clock skew between WeChat's timestamp and ours (seconds). */
  MPSTACK_TIMESTAMP_WINDOW_SECONDS: intFromEnv(300, 10, 3600),
  /** Lifetime of de-duplication keys and cached replies; WeChat retries within ~15 s. */
  MPSTACK_DEDUPE_TTL_SECONDS: intFromEnv(300, 60, 86400),
  /** Number of slow-path queues; a user's messages always land in the same one. */
  MPSTACK_INBOUND_PARTITIONS: intFromEnv(8, 1, 256),
  MPSTACK_MAX_BODY_BYTES: intFromEnv(64 * 1024, 1024, 1024 * 1024),
  /** How long a retry waits for the first delivery's reply before asking WeChat to retry again. */
  MPSTACK_RETRY_WAIT_MS: intFromEnv(4500, 0, 30000),
  MPSTACK_PUBLISH_TIMEOUT_MS: intFromEnv(2000, 50, 30000),
  /**
   * On SIGTERM, how long the spool is offered to the broker before what is left is handed
   * over to the database; the pod's grace period must cover it (the operator sizes it).
   */
  MPSTACK_SHUTDOWN_DRAIN_SECONDS: intFromEnv(20, 0, 600),
  MPSTACK_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
  MPSTACK_SEED_FILE: z.string().optional(),
});

export type IngressEnv = z.infer<typeof ingressEnvSchema>;

export interface IngressConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly keyPrefix: string;
  readonly timestampWindowSeconds: number;
  readonly dedupeTtlSeconds: number;
  readonly partitions: number;
  readonly maxBodyBytes: number;
  readonly retryWaitMs: number;
  readonly publishTimeoutMs: number;
  readonly shutdownDrainSeconds: number;
  readonly traceSampleRatio: number;
  readonly seedFile: string | undefined;
}

/** The only place the ingress reads the environment. */
export function loadIngressConfig(env: Environment): IngressConfig {
  const e = loadConfig(ingressEnvSchema, env);
  return Object.freeze({
    port: e.MPSTACK_INGRESS_PORT,
    host: e.MPSTACK_HOST,
    databaseUrl: e.MPSTACK_DATABASE_URL,
    redisUrl: e.MPSTACK_REDIS_URL,
    amqpUrl: e.MPSTACK_AMQP_URL,
    dataDir: e.MPSTACK_DATA_DIR,
    logLevel: e.MPSTACK_LOG_LEVEL,
    keyPrefix: e.MPSTACK_KEY_PREFIX,
    timestampWindowSeconds: e.MPSTACK_TIMESTAMP_WINDOW_SECONDS,
    dedupeTtlSeconds: e.MPSTACK_DEDUPE_TTL_SECONDS,
    partitions: e.MPSTACK_INBOUND_PARTITIONS,
    maxBodyBytes: e.MPSTACK_MAX_BODY_BYTES,
    retryWaitMs: e.MPSTACK_RETRY_WAIT_MS,
    publishTimeoutMs: e.MPSTACK_PUBLISH_TIMEOUT_MS,
    shutdownDrainSeconds: e.MPSTACK_SHUTDOWN_DRAIN_SECONDS,
    traceSampleRatio: e.MPSTACK_TRACE_SAMPLE_RATIO,
    seedFile: e.MPSTACK_SEED_FILE,
  });
}
