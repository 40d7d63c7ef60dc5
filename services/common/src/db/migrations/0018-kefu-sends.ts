import type { Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * `kefu_sends`: one row per customer-service (客服) message sent through the outbound pipeline
 * (the business service's `POST /api/kefu-sends`): the follower, WeChat's `msgtype` and its
 * object as JSON, and the outcome — `queued → sending → sent | failed | unknown`. A kefu send
 * has no idempotency key, so a call whose answer was lost is `unknown` (it may have reached
 * WeChat) and is never sent again. `reason` is the local refusal's (`window_closed`,
 * `window_exhausted`, `quota_reached`) when the send was refused here without calling WeChat.
 */
export const kefuSends: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const table = db.schema
      .createTable('kefu_sends')
      .ifNotExists()
      .addColumn('id', mysql ? 'bigint' : 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('open_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('msgtype', 'varchar(32)', (c) => c.notNull())
      // The message as WeChat's body has it, without `touser`: `{ msgtype, text: { content } }` …
      .addColumn('message', 'text', (c) => c.notNull())
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('errcode', 'integer')
      .addColumn('errmsg', 'varchar(255)')
      .addColumn('reason', 'varchar(32)')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sent_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull());
    await (mysql ? table.modifyEnd(MYSQL_TABLE_OPTIONS) : table).execute();
    await db.schema.createIndex('kefu_sends_account_idx').on('kefu_sends').columns(['account_id', 'id']).execute();
    await db.schema.createIndex('kefu_sends_status_idx').on('kefu_sends').columns(['status', 'updated_at']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('kefu_sends').ifExists().execute();
  },
};
