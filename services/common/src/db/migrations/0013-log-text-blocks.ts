import { type Kysely, type Migration, type QueryExecutorProvider, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';
import { textTableMonth } from './0006-log-text-index.js';

/**
 * Creates one month's text index table if it does not exist (MariaDB/MySQL; docs/architecture.md
 * §5a, "Chinese text search"). InnoDB allows no FULLTEXT index on a partitioned table, so the
 * index is one table a month that retention drops whole (like a partition of `log_messages`).
 * A row is a **block**: up to a few hundred text messages of one account written in one batch
 * (services/log/src/text-index.ts, `textBlocks`) — its first message's key `(at, event_id)` (the
 * row's key: a message is in one block), the last message's time `last_at`, the account, how
 * many `messages` it holds, and `tokens`, the distinct character pairs of all their texts as
 * 8-character ASCII words under a FULLTEXT index (long enough for `innodb_ft_min_token_size`,
 * never a stopword). A search reads the account's messages between `at` and `last_at` of each
 * matching block and checks each one's text. InnoDB keeps the document ids itself (a declared
 * `FTS_DOC_ID AUTO_INCREMENT` fails with "Invalid InnoDB FTS Doc ID" when concurrent
 * transactions' ids interleave).
 */
export async function createTextTable(db: QueryExecutorProvider, name: string): Promise<void> {
  if (textTableMonth(name) === undefined) throw new Error(`not a text index table name: ${name}`);
  // The name is checked above against a fixed pattern: never input.
  await sql`CREATE TABLE IF NOT EXISTS ${sql.table(name)} (
    at bigint NOT NULL,
    event_id varchar(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    last_at bigint NOT NULL,
    account varchar(64) NOT NULL,
    messages int NOT NULL,
    tokens mediumtext CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
    PRIMARY KEY (at, event_id),
    FULLTEXT KEY ${sql.raw(`${name}_tokens`)} (tokens)
  ) ${MYSQL_TABLE_OPTIONS}`.execute(db);
}

async function textTables(db: Kysely<unknown>): Promise<{ name: string; blocks: boolean }[]> {
  const tables = await sql<{ name: string; blocks: number }>`
    SELECT t.TABLE_NAME AS name,
      EXISTS (SELECT 1 FROM information_schema.COLUMNS c WHERE c.TABLE_SCHEMA = t.TABLE_SCHEMA
        AND c.TABLE_NAME = t.TABLE_NAME AND c.COLUMN_NAME = 'last_at') AS blocks
    FROM information_schema.TABLES t
    WHERE t.TABLE_SCHEMA = DATABASE() AND t.TABLE_NAME LIKE 'log!_text!_%' ESCAPE '!'`.execute(db);
  return tables.rows
    .filter((t) => textTableMonth(t.name) !== undefined)
    .map((t) => ({ name: t.name, blocks: Number(t.blocks) === 1 }));
}

/**
 * The text index in blocks (MariaDB/MySQL; SQLite has no text index): every `log_text_YYYYMM`
 * table of migration 0006 gets `last_at` and `messages`, and each of its rows — one text
 * message — becomes a block of that one message (`last_at` = `at`, `messages` = 1), so what was
 * indexed before stays searchable without indexing it again.
 */
export const logTextBlocks: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    if (!isMysql(db)) return;
    for (const { name, blocks } of await textTables(db)) {
      if (blocks) continue;
      const table = sql.table(name);
      // Copied, not an instant ADD COLUMN: on MariaDB 10.11 a FULLTEXT index built again later on a
      // table whose columns were added instantly finds nothing (MATCH answers no row).
      await sql`ALTER TABLE ${table} ADD COLUMN last_at bigint NOT NULL DEFAULT 0 AFTER event_id,
        ADD COLUMN messages int NOT NULL DEFAULT 1 AFTER account, ALGORITHM=COPY`.execute(db);
      await sql`UPDATE ${table} SET last_at = at`.execute(db);
      await sql`ALTER TABLE ${table} ALTER COLUMN last_at DROP DEFAULT, ALTER COLUMN messages DROP DEFAULT`.execute(db);
    }
  },

  /**
   * Back to one row a message: the rows of blocks holding more than one message cannot be
   * expressed so and are deleted (their messages are no longer found by text until indexed again).
   */
  async down(db: Kysely<unknown>): Promise<void> {
    if (!isMysql(db)) return;
    for (const { name, blocks } of await textTables(db)) {
      if (!blocks) continue;
      const table = sql.table(name);
      await sql`DELETE FROM ${table} WHERE messages > 1`.execute(db);
      await sql`ALTER TABLE ${table} DROP COLUMN last_at, DROP COLUMN messages`.execute(db);
    }
  },
};
