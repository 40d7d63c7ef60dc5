import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';
import { initialPartitions } from './0003-log-tables.js';

/** The send and receipt events counted (their keys): partitioned by month on `at`, like the raw logs. */
export const LOG_OUTBOUND_SEEN_TABLE = 'log_outbound_seen';
/** The sends' and receipts' counts per span: partitioned by month on `start`, like `log_rollup_span`. */
export const LOG_ROLLUP_OUTBOUND_TABLE = 'log_rollup_outbound';

/** Both tables with their partitioning column, for the log service's partition maintenance and retention. */
export const LOG_OUTBOUND_MONTHLY_TABLES: readonly { readonly table: string; readonly column: string }[] = [
  { table: LOG_OUTBOUND_SEEN_TABLE, column: 'at' },
  { table: LOG_ROLLUP_OUTBOUND_TABLE, column: 'start' },
];

/**
 * The dashboard's sends per minute and receipt outcomes (issue 11). `log_outbound_seen` holds
 * one row per `send` / `receipt` event counted — `(at, event_id)` as the raw logs' key, so a
 * redelivered event is found there and never counted twice — and nothing of the send itself.
 * `log_rollup_outbound` holds the counts per (account, span, start, kind, family, outcome,
 * detail): each account's and all accounts' (`''`) minutes, hours and days; `kind` is `send`
 * (outcome sent / failed / refused, detail the errcode or the refusal's reason) or `receipt`
 * (outcome success / userBlock / systemFailed). Both partitioned by month from the start (on
 * MariaDB/MySQL), created ahead and dropped whole by the log service's retention; SQLite gets the
 * same tables unpartitioned.
 */
export const logOutboundRollups: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const bigint = mysql ? 'bigint' : 'integer';
    const ascii = (length: number) =>
      mysql ? sql.raw(`varchar(${length}) CHARACTER SET ascii COLLATE ascii_bin`) : sql.raw('text');
    const partitionedOn = (column: string) =>
      mysql
        ? sql` ${MYSQL_TABLE_OPTIONS} PARTITION BY RANGE (${sql.raw(column)}) (${initialPartitions(Date.now(), 2)})`
        : sql``;
    await db.schema
      .createTable(LOG_OUTBOUND_SEEN_TABLE)
      .ifNotExists()
      .addColumn('at', bigint, (c) => c.notNull())
      .addColumn('event_id', ascii(64), (c) => c.notNull())
      .addColumn('account', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addPrimaryKeyConstraint('log_outbound_seen_pk', ['at', 'event_id'])
      .modifyEnd(partitionedOn('at'))
      .execute();
    await db.schema
      .createTable(LOG_ROLLUP_OUTBOUND_TABLE)
      .ifNotExists()
      .addColumn('account', 'varchar(64)', (c) => c.notNull())
      .addColumn('span', 'integer', (c) => c.notNull())
      .addColumn('start', bigint, (c) => c.notNull())
      .addColumn('kind', 'varchar(8)', (c) => c.notNull())
      .addColumn('family', 'varchar(8)', (c) => c.notNull())
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('detail', 'varchar(32)', (c) => c.notNull())
      .addColumn('count', bigint, (c) => c.notNull().defaultTo(0))
      .addPrimaryKeyConstraint('log_rollup_outbound_pk', [
        'account',
        'span',
        'start',
        'kind',
        'family',
        'outcome',
        'detail',
      ])
      .modifyEnd(partitionedOn('start'))
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable(LOG_ROLLUP_OUTBOUND_TABLE).ifExists().execute();
    await db.schema.dropTable(LOG_OUTBOUND_SEEN_TABLE).ifExists().execute();
  },
};
