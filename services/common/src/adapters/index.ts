import type { RedisTopology } from '../config/redis-topology.js';
import type { CoordinationPort } from '../ports/coordination.js';
import type { QueuePort } from '../ports/queue.js';
import { AmqpQueue } from './amqp-queue.js';
import { MemoryCoordination } from './memory-coordination.js';
import { MemoryQueue } from './memory-queue.js';
import type { RetryBackoff } from './queue-support.js';
import { RedisCoordination } from './redis-coordination.js';

export { AmqpQueue, type AmqpQueueOptions } from './amqp-queue.js';
export { DEAD_LETTER_EXCHANGE } from './amqp-topology.js';
export { MemoryCoordination, MemoryCoordinationStore } from './memory-coordination.js';
export { MemoryQueue, type MemoryQueueOptions } from './memory-queue.js';
export {
  DEATH_QUEUE_HEADER,
  DEATH_REASON_HEADER,
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_RETRY_BACKOFF,
  type RetryBackoff,
} from './queue-support.js';
export { RedisCoordination, type RedisCoordinationOptions } from './redis-coordination.js';

export interface CoordinationConfig {
  /** `redis://host:6379/0`; without it (and without `redis`) the in-process adapter is used (embedded mode). */
  readonly redisUrl?: string;
  /** One node, Sentinel or Cluster (see `RedisTopology`); takes precedence over `redisUrl`. */
  readonly redis?: RedisTopology | undefined;
  /** Prefix for every key and channel, e.g. `mpstack:` (one Redis, several deployments). */
  readonly keyPrefix?: string;
  /** Redis connection errors (ioredis reconnects by itself), for logging. */
  readonly onError?: (error: unknown) => void;
}

/** Redis when a URL is configured, otherwise the in-process coordination. */
export function createCoordination(config: CoordinationConfig): CoordinationPort {
  const target = config.redis ?? (config.redisUrl === '' ? undefined : config.redisUrl);
  if (target === undefined) return new MemoryCoordination();
  return new RedisCoordination({
    url: target,
    keyPrefix: config.keyPrefix ?? '',
    ...(config.onError === undefined ? {} : { onError: config.onError }),
  });
}

export interface QueueConfig {
  /** `amqp://user:pass@host:5672/vhost`; without it the in-process queue is used. */
  readonly amqpUrl?: string;
  readonly connectionName?: string;
  /** Default 2000. */
  readonly publishTimeoutMs?: number;
  /** How long start-up waits for the broker before failing. Default 10 000. */
  readonly connectTimeoutMs?: number;
  readonly retryBackoff?: RetryBackoff;
  readonly deliveryLimit?: number;
  readonly onError?: (error: unknown) => void;
}

/**
 * RabbitMQ when a URL is configured (waits for the first connection, so a wrong URL fails
 * start-up instead of every publish), otherwise the in-process queue.
 */
export async function createQueue(config: QueueConfig): Promise<QueuePort> {
  const shared = {
    ...(config.retryBackoff === undefined ? {} : { retryBackoff: config.retryBackoff }),
    ...(config.deliveryLimit === undefined ? {} : { deliveryLimit: config.deliveryLimit }),
  };
  if (config.amqpUrl === undefined || config.amqpUrl === '') return new MemoryQueue(shared);
  const queue = new AmqpQueue({
    url: config.amqpUrl,
    ...shared,
    ...(config.connectionName === undefined ? {} : { connectionName: config.connectionName }),
    ...(config.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: config.publishTimeoutMs }),
    ...(config.onError === undefined ? {} : { onError: config.onError }),
  });
  try {
    await queue.waitUntilConnected(config.connectTimeoutMs ?? 10_000);
  } catch (error) {
    await queue.close();
    throw error;
  }
  return queue;
}
