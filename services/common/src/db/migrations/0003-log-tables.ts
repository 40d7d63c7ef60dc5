import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/** The log service's time-partitioned tables (`services/log`); monthly RANGE partitions on `at` (ms). */
export const LOG_PARTITIONED_TABLES = ['log_messages', 'log_interface_calls'] as const;

/** The first instant (ms, UTC) of the month `offset` months after the month of `at`. */
export function monthStart(at: number, offset = 0): number {
  const date = new Date(at);
  return Date.UTC(date.getUTCFullYear(), date.getUTCMonth() + offset, 1);
}

/** `p202612`: the partition holding the month that starts at `start` (ms, UTC). */
export function partitionName(start: number): string {
  const date = new Date(start);
  return `p${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/**
 * Partitions for the month of `now` and `ahead` months after it, then `pmax` (a catch-all, so
 * an event from a clock far ahead is still stored; the log service splits it as months come).
 */
export function initialPartitions(now: number, ahead: number) {
  const parts = [];
  for (let offset = 0; offset <= ahead; offset += 1) {
    const start = monthStart(now, offset);
    parts.push(sql.raw(`PARTITION ${partitionName(start)} VALUES LESS THAN (${monthStart(now, offset + 1)})`));
  }
  parts.push(sql.raw('PARTITION pmax VALUES LESS THAN MAXVALUE'));
  return sql.join(parts);
}

/**
 * The log service's storage. On MariaDB/MySQL the raw logs are partitioned by month on `at`
 * (retention drops whole partitions) with the primary key `(at, event_id)`: rows arrive in
 * time order (appends to the clustered index), and the producer's event id makes a redelivered
 * event a duplicate key (`INSERT IGNORE`) — the key must contain the partitioning column.
 * Rollups are per minute and per day; SQLite gets the same tables unpartitioned.
 */
export const logTables: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const bigint = mysql ? 'bigint' : 'integer';
    const ascii = (length: number) =>
      mysql ? sql.raw(`varchar(${length}) CHARACTER SET ascii COLLATE ascii_bin`) : sql.raw('text');
    const partitioned = mysql
      ? sql` ${MYSQL_TABLE_OPTIONS} PARTITION BY RANGE (at) (${initialPartitions(Date.now(), 2)})`
      : sql``;
    const plain = mysql ? MYSQL_TABLE_OPTIONS : sql``;
    await createMessageLog(db, bigint, ascii, partitioned);
    await createInterfaceLog(db, bigint, ascii, partitioned);
    await createRollups(db, bigint, plain);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of [
      'log_rollup_day',
      'log_rollup_latency',
      'log_rollup_minute',
      'log_interface_calls',
      'log_messages',
    ]) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

type Ascii = (length: number) => RawBuilder<unknown>;
type IntegerType = 'bigint' | 'integer';

async function createMessageLog(
  db: Kysely<unknown>,
  bigint: IntegerType,
  ascii: Ascii,
  partitioned: RawBuilder<unknown>,
) {
  await db.schema
    .createTable('log_messages')
    .ifNotExists()
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('event_id', ascii(64), (c) => c.notNull())
    .addColumn('account', 'varchar(64)', (c) => c.notNull())
    .addColumn('open_id', 'varchar(64)', (c) => c.notNull())
    .addColumn('msg_type', 'varchar(32)', (c) => c.notNull())
    .addColumn('event', 'varchar(64)')
    .addColumn('event_key', 'varchar(255)')
    .addColumn('msg_id', 'varchar(64)')
    .addColumn('content', 'varchar(2048)')
    .addColumn('outcome', 'varchar(48)', (c) => c.notNull())
    .addColumn('decided_by', 'varchar(64)')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_messages_pk', ['at', 'event_id'])
    .modifyEnd(partitioned)
    .execute();
  for (const [name, columns] of LOG_MESSAGE_INDEXES) {
    await db.schema
      .createIndex(name)
      .on('log_messages')
      .columns([...columns])
      .execute();
  }
}

/** The secondary indexes of `log_messages` (name, columns), for tools that drop and rebuild them (the bench). */
export const LOG_MESSAGE_INDEXES = [
  ['log_messages_account_at', ['account', 'at']],
  ['log_messages_user', ['account', 'open_id', 'at']],
  ['log_messages_type', ['account', 'msg_type', 'at']],
] as const;

async function createInterfaceLog(
  db: Kysely<unknown>,
  bigint: IntegerType,
  ascii: Ascii,
  partitioned: RawBuilder<unknown>,
) {
  await db.schema
    .createTable('log_interface_calls')
    .ifNotExists()
    .addColumn('at', bigint, (c) => c.notNull())
    .addColumn('event_id', ascii(64), (c) => c.notNull())
    .addColumn('account', 'varchar(64)', (c) => c.notNull())
    .addColumn('api', 'varchar(255)', (c) => c.notNull())
    .addColumn('errcode', 'integer', (c) => c.notNull())
    .addColumn('errmsg', 'varchar(512)')
    .addColumn('latency_ms', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('log_interface_calls_pk', ['at', 'event_id'])
    .modifyEnd(partitioned)
    .execute();
  await db.schema
    .createIndex('log_interface_calls_api')
    .on('log_interface_calls')
    .columns(['account', 'api', 'at'])
    .execute();
  await db.schema
    .createIndex('log_interface_calls_account_at')
    .on('log_interface_calls')
    .columns(['account', 'at'])
    .execute();
}

async function createRollups(db: Kysely<unknown>, bigint: IntegerType, plain: RawBuilder<unknown>) {
  // Per-minute rollup: one row per (account, minute, message type).
  await db.schema
    .createTable('log_rollup_minute')
    .ifNotExists()
    .addColumn('account', 'varchar(64)', (c) => c.notNull())
    .addColumn('minute', bigint, (c) => c.notNull())
    .addColumn('msg_type', 'varchar(64)', (c) => c.notNull())
    .addColumn('total', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('fast', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('queued', bigint, (c) => c.notNull().defaultTo(0))
    .addColumn('failed', bigint, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('log_rollup_minute_pk', ['account', 'minute', 'msg_type'])
    .modifyEnd(plain)
    .execute();
  // Reply-latency histogram per minute: p50 / p99 of any window without reading raw rows.
  await db.schema
    .createTable('log_rollup_latency')
    .ifNotExists()
    .addColumn('account', 'varchar(64)', (c) => c.notNull())
    .addColumn('minute', bigint, (c) => c.notNull())
    .addColumn('bucket', 'integer', (c) => c.notNull())
    .addColumn('count', bigint, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('log_rollup_latency_pk', ['account', 'minute', 'bucket'])
    .modifyEnd(plain)
    .execute();
  await db.schema
    .createTable('log_rollup_day')
    .ifNotExists()
    .addColumn('account', 'varchar(64)', (c) => c.notNull())
    .addColumn('day', bigint, (c) => c.notNull())
    .addColumn('metric', 'varchar(32)', (c) => c.notNull())
    .addColumn('dimension', 'varchar(255)', (c) => c.notNull())
    .addColumn('count', bigint, (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint('log_rollup_day_pk', ['account', 'day', 'metric', 'dimension'])
    .modifyEnd(plain)
    .execute();
}
