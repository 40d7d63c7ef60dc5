import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * `spooled_messages`: the hand-over of an ingress spool that could not reach the broker
 * before its pod ended (docs/architecture.md §3, the disk spool). One row per acknowledged message; any live
 * replica claims rows (lease), publishes them and deletes each after the broker's confirm.
 */
export const spooledMessages: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const timestampType = mysql ? sql`datetime(3)` : sql`text`;
    let table = db.schema
      .createTable('spooled_messages')
      .ifNotExists()
      .addColumn('id', mysql ? 'bigint' : 'integer', (c) => c.primaryKey().autoIncrement())
      // The dedupe key the consumers de-duplicate on; unique, so handing the same file over
      // twice (a crash between the commit and the unlink) stores each message once.
      .addColumn('message_id', 'varchar(255)', (c) => c.notNull().unique())
      .addColumn('queue', 'varchar(255)', (c) => c.notNull())
      .addColumn('headers', 'text', (c) => c.notNull())
      // A message body is bounded by the webhook's body limit (≤ 1 MiB): beyond `text` on MySQL.
      .addColumn('body', mysql ? sql`mediumtext` : 'text', (c) => c.notNull())
      .addColumn('handed_over_by', 'varchar(128)', (c) => c.notNull())
      .addColumn('handed_over_at', timestampType, (c) => c.notNull())
      .addColumn('claimed_by', 'varchar(64)')
      .addColumn('claimed_until', timestampType);
    if (mysql) table = table.modifyEnd(MYSQL_TABLE_OPTIONS);
    await table.execute();
    await db.schema.createIndex('spooled_messages_claim_idx').on('spooled_messages').column('claimed_until').execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('spooled_messages').ifExists().execute();
  },
};
