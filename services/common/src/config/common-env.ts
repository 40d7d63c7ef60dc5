import { z } from 'zod';
import { redisEnvFields, redisTopologyOf } from './redis-topology.js';

const optionalUrl = (protocols: readonly string[]) =>
  z
    .string()
    .trim()
    .transform((value) => (value === '' ? undefined : value))
    .pipe(
      z
        .url()
        .refine((value) => protocols.some((p) => value.startsWith(`${p}:`)), {
          message: `must start with ${protocols.map((p) => `${p}://`).join(' or ')}`,
        })
        .optional(),
    )
    .optional();

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * Environment variables every service reads. No URL means the embedded default: SQLite,
 * in-process cache and queue (docs/architecture.md §2).
 */
export const commonEnvSchema = z.object({
  MPSTACK_DATABASE_URL: optionalUrl(['mysql']),
  MPSTACK_REDIS_URL: optionalUrl(['redis', 'rediss']),
  /** Sentinel and Cluster instead of one node: see `redis-topology.ts` (`checkRedisTopology`). */
  ...redisEnvFields,
  MPSTACK_AMQP_URL: optionalUrl(['amqp', 'amqps']),
  MPSTACK_DATA_DIR: z.string().default('.mpstack'),
  MPSTACK_LOG_LEVEL: z.enum(logLevels).default('info'),
  MPSTACK_HOST: z.string().default('127.0.0.1'),
  MPSTACK_KEY_PREFIX: z.string().default('mpstack:'),
});

export type CommonEnv = z.infer<typeof commonEnvSchema>;

/** Parses an integer environment value with bounds; empty means the default. */
export function intFromEnv(defaultValue: number, min: number, max: number) {
  return z.coerce.number().int().min(min).max(max).default(defaultValue);
}

/**
 * The part of every service's frozen config that comes from {@link commonEnvSchema}: where it
 * listens and which infrastructure it opens (the fields `openInfrastructure` reads). One
 * mapping, so no service forgets one (the Redis topology, say).
 */
export function commonConfigOf(env: CommonEnv) {
  return {
    host: env.MPSTACK_HOST,
    databaseUrl: env.MPSTACK_DATABASE_URL,
    redisUrl: env.MPSTACK_REDIS_URL,
    redis: redisTopologyOf(env),
    amqpUrl: env.MPSTACK_AMQP_URL,
    dataDir: env.MPSTACK_DATA_DIR,
    logLevel: env.MPSTACK_LOG_LEVEL,
    keyPrefix: env.MPSTACK_KEY_PREFIX,
  };
}
