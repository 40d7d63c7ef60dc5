import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';
import { LOG_PARTITIONED_TABLES, monthStart, partitionName } from './0003-log-tables.js';
import { LOG_ROLLUP_SPAN_TABLES } from './0011-log-rollup-spans.js';

/** The first rollups (migration 0003), each with its time column (ms): partitioned by month on it since 0014. */
export const LOG_ROLLUP_MINUTE_DAY_TABLES = [
  { table: 'log_rollup_minute', column: 'minute' },
  { table: 'log_rollup_latency', column: 'minute' },
  { table: 'log_rollup_day', column: 'day' },
] as const;

/**
 * Every table of the log service partitioned by month on MariaDB/MySQL, with its partitioning
 * column (ms, UTC): the raw logs, the span rollups and the minute / day rollups. Retention drops
 * their partitions whole and the service splits future months off `pmax` (services/log,
 * partitions.ts); on SQLite (unpartitioned) retention deletes the rows by the same column.
 */
export const LOG_MONTHLY_TABLES: readonly { readonly table: string; readonly column: string }[] = [
  ...LOG_PARTITIONED_TABLES.map((table) => ({ table, column: 'at' })),
  ...LOG_ROLLUP_SPAN_TABLES.map((table) => ({ table, column: 'start' })),
  ...LOG_ROLLUP_MINUTE_DAY_TABLES,
];

/** The oldest month given a partition of its own: older rows share the first partition (dropped after them, never before). */
const MONTHS_BACK = 24;
/** Months after the current one partitioned at once, as migrations 0003 and 0011 do. */
const MONTHS_AHEAD = 2;

/**
 * `log_rollup_minute`, `log_rollup_latency` and `log_rollup_day` partitioned by month on their
 * time column (MariaDB/MySQL), like the raw logs and the span rollups, so that retention drops
 * them whole instead of keeping them for ever. Their primary keys already hold that column.
 * The rows are kept: one partition a month from the oldest row's month (at most
 * {@link MONTHS_BACK} back; older rows go into the first) to {@link MONTHS_AHEAD} months ahead,
 * then `pmax`. A copy of each table (`ALGORITHM=COPY`; writes wait for it): it takes as long as
 * the tables are large, once. SQLite (embedded mode) has no partitions: nothing to do there.
 */
export const logRollupsByMonth: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!isMysql(db)) return;
    const now = Date.now();
    for (const { table, column } of LOG_ROLLUP_MINUTE_DAY_TABLES) {
      if (await isPartitioned(db, table)) continue;
      const oldest = await sql<{ oldest: number | string | null }>`
        SELECT MIN(${sql.ref(column)}) AS oldest FROM ${sql.table(table)}`.execute(db);
      const value = oldest.rows[0]?.oldest;
      const first = Math.max(monthStart(value == null ? now : Number(value)), monthStart(now, -MONTHS_BACK));
      const parts = [];
      const end = monthStart(now, MONTHS_AHEAD + 1);
      for (let start = Math.min(first, monthStart(now)); start < end; start = monthStart(start, 1)) {
        parts.push(`PARTITION ${partitionName(start)} VALUES LESS THAN (${monthStart(start, 1)})`);
      }
      parts.push('PARTITION pmax VALUES LESS THAN MAXVALUE');
      // Names and bounds are made here from the table list and numbers: never input.
      await sql
        .raw(`ALTER TABLE ${table} ALGORITHM=COPY PARTITION BY RANGE (${column}) (${parts.join(', ')})`)
        .execute(db);
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    if (!isMysql(db)) return;
    for (const { table } of LOG_ROLLUP_MINUTE_DAY_TABLES) {
      if (await isPartitioned(db, table)) await sql.raw(`ALTER TABLE ${table} REMOVE PARTITIONING`).execute(db);
    }
  },
};

async function isPartitioned(db: Kysely<unknown>, table: string): Promise<boolean> {
  const result = await sql<{ n: number | string }>`
    SELECT COUNT(*) AS n FROM information_schema.PARTITIONS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} AND PARTITION_NAME IS NOT NULL`.execute(db);
  return Number(result.rows[0]?.n) > 0;
}
