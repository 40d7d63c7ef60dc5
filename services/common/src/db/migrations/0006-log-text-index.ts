import { type Kysely, type Migration, type QueryExecutorProvider, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';
import { monthStart } from './0003-log-tables.js';

/** The text index's monthly tables are `log_text_YYYYMM` (MariaDB/MySQL only). */
export const LOG_TEXT_TABLE_PREFIX = 'log_text_';

/** `log_text_202612`: the text index of the month that starts at `start` (ms, UTC). */
export function textTableName(start: number): string {
  const date = new Date(start);
  return `${LOG_TEXT_TABLE_PREFIX}${date.getUTCFullYear()}${String(date.getUTCMonth() + 1).padStart(2, '0')}`;
}

/** The month start (ms, UTC) of a `log_text_YYYYMM` name, or undefined for any other name. */
export function textTableMonth(name: string): number | undefined {
  const match = /^log_text_(\d{4})(\d{2})$/.exec(name);
  if (match === null) return undefined;
  return Date.UTC(Number(match[1]), Number(match[2]) - 1, 1);
}

/**
 * Creates one month's text index table as this migration made it (one row per text message);
 * migration 0013 (`0013-log-text-blocks`) turns these rows into one-message blocks, and the
 * service creates later months in the block shape (`createTextTable`). Kept as it was so the
 * migration runs the same on every database.
 */
async function createTextTableV1(db: QueryExecutorProvider, name: string): Promise<void> {
  if (textTableMonth(name) === undefined) throw new Error(`not a text index table name: ${name}`);
  // The name is checked above against a fixed pattern: never input.
  await sql`CREATE TABLE IF NOT EXISTS ${sql.table(name)} (
    at bigint NOT NULL,
    event_id varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    account varchar(64) NOT NULL,
    tokens mediumtext CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (at, event_id),
    FULLTEXT KEY ${sql.raw(`${name}_tokens`)} (tokens)
  ) ${MYSQL_TABLE_OPTIONS}`.execute(db);
}

/** The rollups' secondary indexes (table, name, columns), for tools that drop and rebuild them (the bench). */
export const LOG_ROLLUP_INDEXES = [
  ['log_rollup_minute', 'log_rollup_minute_minute', ['minute']],
  ['log_rollup_latency', 'log_rollup_latency_minute', ['minute']],
  ['log_rollup_day', 'log_rollup_day_metric_day', ['metric', 'day']],
] as const;

/**
 * The text index of the log service's message search (docs/architecture.md §5a, "Chinese text
 * search"): on MariaDB/MySQL the monthly `log_text_YYYYMM` tables of the current month and two
 * ahead (the service creates further months and drops old ones with the partitions). SQLite
 * (embedded mode) has none: text search stays a `LIKE` scan there. Also indexes the rollups by
 * time alone, so the dashboard over every account reads a range instead of the whole table.
 */
export const logTextIndex: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (isMysql(db)) {
      const now = Date.now();
      for (let offset = 0; offset <= 2; offset += 1)
        await createTextTableV1(db, textTableName(monthStart(now, offset)));
    }
    for (const [table, index, columns] of LOG_ROLLUP_INDEXES) {
      await db.schema
        .createIndex(index)
        .on(table)
        .columns([...columns])
        .execute();
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    for (const [table, index] of LOG_ROLLUP_INDEXES) {
      let drop = db.schema.dropIndex(index).ifExists();
      if (mysql) drop = drop.on(table);
      await drop.execute();
    }
    if (!mysql) return;
    const tables = await sql<{ name: string }>`
      SELECT TABLE_NAME AS name FROM information_schema.TABLES
      WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'log!_text!_%' ESCAPE '!'`.execute(db);
    for (const { name } of tables.rows) {
      if (textTableMonth(name) !== undefined) await db.schema.dropTable(name).execute();
    }
  },
};
