import type { Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * `mass_receipts`: every `MASSSENDJOBFINISH` received, once per `MsgID`, with its counts. WeChat
 * may push it before the business service has recorded the send's `msg_id` (the sendall
 * answer was lost and the resend's 45065 comes a minute later); it is then joined when the
 * `msg_id` is recorded instead of being dropped. Times are ms since the epoch, like 0008.
 */
export const massReceipts: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = db.schema
      .createTable('mass_receipts')
      .ifNotExists()
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('msg_id', 'varchar(24)', (c) => c.notNull())
      .addColumn('status', 'varchar(64)', (c) => c.notNull())
      .addColumn('total_count', 'integer')
      .addColumn('filter_count', 'integer')
      .addColumn('sent_count', 'integer')
      .addColumn('error_count', 'integer')
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('mass_receipts_pk', ['account_id', 'msg_id']);
    await (isMysql(db) ? table.modifyEnd(MYSQL_TABLE_OPTIONS) : table).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('mass_receipts').ifExists().execute();
  },
};
