import {
  checkRedisTopology,
  commonConfigOf,
  commonEnvSchema,
  type Environment,
  intFromEnv,
  loadConfig,
  type RedisTopology,
} from '@mpstack/common/config';
import { z } from 'zod';
import { type FileAndMailConfig, fileAndMailConfigOf, fileAndMailEnvFields } from './files-mail-config.js';

const logEnvSchema = commonEnvSchema
  .extend({
    MPSTACK_LOG_PORT: intFromEnv(8087, 0, 65535),
    /** Most events written by one multi-row insert transaction. */
    MPSTACK_LOG_BATCH_EVENTS: intFromEnv(5000, 1, 100_000),
    /** Longest an event waits in the consumer before its batch is written (ms). */
    MPSTACK_LOG_FLUSH_MS: intFromEnv(200, 1, 10_000),
    /**
     * Deliveries (each a producer's batch of ≤ 1000 events) taken from the queue before their
     * ack: with the batch size, the bound of what the consumer holds in memory.
     */
    MPSTACK_LOG_PREFETCH: intFromEnv(32, 1, 1000),
    /** Batches written at once, each its own transaction on its own connection. */
    MPSTACK_LOG_WRITERS: intFromEnv(3, 1, 8),
    /** Months of raw logs (partitions) and rotated files kept. */
    MPSTACK_LOG_RETENTION_MONTHS: intFromEnv(6, 1, 120),
    /** Monthly partitions created ahead of the current month. */
    MPSTACK_LOG_PARTITIONS_AHEAD: intFromEnv(2, 1, 24),
    MPSTACK_TRACE_SAMPLE_RATIO: z.coerce.number().min(0).max(1).default(0.01),
    ...fileAndMailEnvFields,
  })
  .superRefine(checkRedisTopology);

export interface LogConfig extends FileAndMailConfig {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Sentinel or Cluster, as every service reads them. */
  readonly redis: RedisTopology | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly logLevel: string;
  readonly keyPrefix: string;
  readonly batchEvents: number;
  readonly flushMs: number;
  readonly prefetch: number;
  readonly writers: number;
  readonly retentionMonths: number;
  readonly partitionsAhead: number;
  readonly traceSampleRatio: number;
}

/** The only place the log service reads the environment. */
export function loadLogConfig(env: Environment): LogConfig {
  const e = loadConfig(logEnvSchema, env);
  return Object.freeze({
    port: e.MPSTACK_LOG_PORT,
    ...commonConfigOf(e),
    batchEvents: e.MPSTACK_LOG_BATCH_EVENTS,
    flushMs: e.MPSTACK_LOG_FLUSH_MS,
    prefetch: e.MPSTACK_LOG_PREFETCH,
    writers: e.MPSTACK_LOG_WRITERS,
    retentionMonths: e.MPSTACK_LOG_RETENTION_MONTHS,
    partitionsAhead: e.MPSTACK_LOG_PARTITIONS_AHEAD,
    traceSampleRatio: e.MPSTACK_TRACE_SAMPLE_RATIO,
    ...fileAndMailConfigOf(e),
  });
}
