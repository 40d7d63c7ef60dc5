import { join } from 'node:path';
import { createCoordination, createQueue } from '../adapters/index.js';
import { describeRedisTopology, type RedisTopology } from '../config/redis-topology.js';
import { createDatabase, type Db } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { ensureMysqlDatabase, mysqlTarget } from '../db/mysql-server.js';
import type { Logger } from '../logging/logger.js';
import type { CoordinationPort } from '../ports/coordination.js';
import type { QueuePort } from '../ports/queue.js';

export interface InfrastructureConfig {
  readonly service: string;
  readonly databaseUrl: string | undefined;
  readonly redisUrl: string | undefined;
  /** Sentinel or Cluster (or one node); when given it replaces `redisUrl`. */
  readonly redis?: RedisTopology | undefined;
  readonly amqpUrl: string | undefined;
  readonly dataDir: string;
  readonly keyPrefix: string;
  readonly publishTimeoutMs?: number;
  /** Run migrations at start-up (dev and the embedded default). */
  readonly migrate: boolean;
}

export interface Infrastructure {
  readonly db: Db;
  readonly coordination: CoordinationPort;
  readonly queue: QueuePort;
  /** Which adapters were chosen, for the start-up log line. */
  readonly mode: { readonly database: string; readonly cache: string; readonly queue: string };
  close(): Promise<void>;
}

/**
 * Opens the three ports with the adapters the configuration selects: a URL means the
 * production server, none means the embedded default (SQLite file in the data directory,
 * in-process cache and queue). Closing closes all three even if one fails, then rejects
 * when any failed.
 */
export async function openInfrastructure(config: InfrastructureConfig, logger: Logger): Promise<Infrastructure> {
  if (config.migrate && config.databaseUrl !== undefined) {
    const { created } = await ensureMysqlDatabase(config.databaseUrl);
    if (created) logger.info({ database: mysqlTarget(config.databaseUrl).database }, 'database created (utf8mb4)');
  }
  const db = createDatabase({
    ...(config.databaseUrl === undefined ? {} : { url: config.databaseUrl }),
    sqlitePath: join(config.dataDir, 'mpstack.db'),
  });
  const coordination = createCoordination({
    ...(config.redisUrl === undefined ? {} : { redisUrl: config.redisUrl }),
    ...(config.redis === undefined ? {} : { redis: config.redis }),
    keyPrefix: config.keyPrefix,
  });
  let queue: QueuePort;
  try {
    if (config.migrate) await migrateToLatest(db);
    queue = await createQueue({
      ...(config.amqpUrl === undefined ? {} : { amqpUrl: config.amqpUrl }),
      connectionName: `mpstack-${config.service}-${process.pid}`,
      ...(config.publishTimeoutMs === undefined ? {} : { publishTimeoutMs: config.publishTimeoutMs }),
      onError: (error) => logger.warn({ err: error }, 'queue connection problem'),
    });
  } catch (error) {
    await Promise.allSettled([db.destroy(), coordination.close()]);
    throw error;
  }
  return {
    db,
    coordination,
    queue,
    mode: {
      database: config.databaseUrl === undefined ? 'sqlite (embedded)' : 'mysql',
      cache: describeRedisTopology(
        config.redis ?? (config.redisUrl === undefined ? undefined : { kind: 'single', url: config.redisUrl }),
      ),
      queue: config.amqpUrl === undefined ? 'in-process (embedded)' : 'rabbitmq',
    },
    async close() {
      const results = await Promise.allSettled([queue.close(), coordination.close(), db.destroy()]);
      const failures = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failures.length > 0) {
        throw new AggregateError(
          failures.map((f) => f.reason),
          'infrastructure close incomplete',
        );
      }
    },
  };
}
