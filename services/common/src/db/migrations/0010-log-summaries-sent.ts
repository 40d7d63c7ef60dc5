import type { Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * `log_summaries_sent`: the days whose daily summary e-mail went out (the log service;
 * docs/architecture.md §5a), one row a day with the message id. Durable where the
 * coordination claim is not (`mpstack dev`'s in-process store forgets it at every start, a
 * Redis flush loses it), so a day is mailed once whatever restarts.
 */
export const logSummariesSent: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = db.schema
      .createTable('log_summaries_sent')
      .ifNotExists()
      // The local date summarised, YYYY-MM-DD.
      .addColumn('date', 'varchar(10)', (c) => c.primaryKey())
      .addColumn('message_id', 'varchar(255)', (c) => c.notNull())
      // ms since the epoch.
      .addColumn('sent_at', 'bigint', (c) => c.notNull());
    await (isMysql(db) ? table.modifyEnd(MYSQL_TABLE_OPTIONS) : table).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('log_summaries_sent').ifExists().execute();
  },
};
