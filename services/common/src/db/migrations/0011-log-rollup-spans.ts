import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';
import { initialPartitions } from './0003-log-tables.js';

/**
 * The dashboard's coarser rollups, partitioned by month on `start` like the raw logs (retention
 * drops them whole with the messages): the partition column is named per table here.
 */
export const LOG_ROLLUP_SPAN_TABLES = ['log_rollup_span', 'log_rollup_span_latency'] as const;

/** The spans (ms) of the rollup rows: a minute, an hour, a day (UTC). */
export const ROLLUP_SPANS = { minute: 60_000, hour: 3_600_000, day: 86_400_000 } as const;

/** The account of the rows that count every account (an account id is never empty). */
export const ALL_ACCOUNTS = '';

/**
 * Per-hour and per-day rollups of every account, and per-minute, per-hour and per-day rollups
 * of all accounts together (account `''`): the dashboard reads the coarsest rows that answer
 * its window exactly (docs/architecture.md §5, "The dashboard's rollups"). One row per
 * (account, span, start, type) with the outcome classes, and the reply-latency histogram per
 * (account, span, start, bucket) — the same counters as `log_rollup_minute` /
 * `log_rollup_latency`, written in the messages' transaction from the same batch aggregation.
 * On MariaDB/MySQL partitioned by month on `start` (a day never crosses a month); SQLite gets
 * the same tables unpartitioned.
 */
export const logRollupSpans: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const bigint = mysql ? 'bigint' : 'integer';
    const partitioned = mysql
      ? sql` ${MYSQL_TABLE_OPTIONS} PARTITION BY RANGE (start) (${initialPartitions(Date.now(), 2)})`
      : sql``;
    await db.schema
      .createTable('log_rollup_span')
      .ifNotExists()
      .addColumn('account', 'varchar(64)', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('start', bigint, (c) => c.notNull())
      .addColumn('msg_type', 'varchar(64)', (c) => c.notNull())
      .addColumn('total', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('fast', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('queued', bigint, (c) => c.notNull().defaultTo(0))
      .addColumn('failed', bigint, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('log_rollup_span_pk', ['account', 'span', 'start', 'msg_type'])
      .modifyEnd(partitioned)
      .execute();
    await db.schema
      .createTable('log_rollup_span_latency')
      .ifNotExists()
      .addColumn('account', 'varchar(64)', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('start', bigint, (c) => c.notNull())
      .addColumn('bucket', 'integer', (c) => c.notNull())
      .addColumn('count', bigint, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('log_rollup_span_latency_pk', ['account', 'span', 'start', 'bucket'])
      .modifyEnd(partitioned)
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of LOG_ROLLUP_SPAN_TABLES) await db.schema.dropTable(table).ifExists().execute();
  },
};
