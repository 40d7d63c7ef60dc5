import type { CreateTableBuilder, Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * The outbound pipeline (the business service, docs/architecture.md §4). Times are ms since
 * the epoch (bigint), like the log tables: one type in both dialects, compared as numbers.
 *
 * - `template_sends`: one row per single template send (the API's and a push's preview):
 *   status, WeChat's `msgid`, errcode, the receipt.
 * - `push_jobs`: a push — template and fields, the upload's columns, state, schedule, counters.
 * - `push_recipients`: one row per recipient of a push (unique (push, openid)), which is also
 *   its send: state, claim, `msgid`, errcode, the receipt.
 * - `template_receipts`: every `TEMPLATESENDJOBFINISH` received, once per `MsgID`; joined to the
 *   sends by `msgid`, and read to settle a recipient left `sending` by a crash.
 * - `mass_sends`: 群发 jobs with their `msg_id` and the `MASSSENDJOBFINISH` counts.
 */
type Finish = <T extends string, C extends string>(table: CreateTableBuilder<T, C>) => Promise<void>;

export const outbound: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const id = mysql ? 'bigint' : 'integer';
    const finish: Finish = async (table) => (mysql ? table.modifyEnd(MYSQL_TABLE_OPTIONS) : table).execute();
    for (const create of [templateSends, pushJobs, pushRecipients, templateReceipts, massSends]) {
      await create(db, finish, id);
    }
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const table of ['mass_sends', 'template_receipts', 'push_recipients', 'push_jobs', 'template_sends']) {
      await db.schema.dropTable(table).ifExists().execute();
    }
  },
};

async function templateSends(db: Kysely<unknown>, finish: Finish, id: 'bigint' | 'integer'): Promise<void> {
  await finish(
    db.schema
      .createTable('template_sends')
      .ifNotExists()
      .addColumn('id', id, (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('kind', 'varchar(16)', (c) => c.notNull())
      .addColumn('push_id', 'bigint')
      .addColumn('open_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('template_id', 'varchar(128)', (c) => c.notNull())
      // The request's `data`, `url` and `miniprogram` as JSON.
      .addColumn('payload', 'text', (c) => c.notNull())
      // queued → sending → sent | failed
      .addColumn('status', 'varchar(16)', (c) => c.notNull())
      .addColumn('msgid', 'varchar(24)')
      .addColumn('errcode', 'integer')
      .addColumn('errmsg', 'varchar(255)')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('first_attempt_at', 'bigint')
      .addColumn('receipt_status', 'varchar(64)')
      .addColumn('receipt_at', 'bigint')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('updated_at', 'bigint', (c) => c.notNull()),
  );
  await db.schema.createIndex('template_sends_msgid_idx').on('template_sends').column('msgid').execute();
  await db.schema
    .createIndex('template_sends_account_idx')
    .on('template_sends')
    .columns(['account_id', 'created_at'])
    .execute();
}

async function pushJobs(db: Kysely<unknown>, finish: Finish, id: 'bigint' | 'integer'): Promise<void> {
  await finish(
    db.schema
      .createTable('push_jobs')
      .ifNotExists()
      .addColumn('id', id, (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('template_id', 'varchar(128)', (c) => c.notNull())
      // { key: "text with {{column}} placeholders" } of the template's fields; url; columns of the upload.
      .addColumn('fields', 'text', (c) => c.notNull())
      .addColumn('url', 'varchar(1024)')
      .addColumn('columns', 'text')
      // draft → scheduled | running ⇄ paused → completed | cancelled
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('state_reason', 'varchar(255)')
      .addColumn('scheduled_at', 'bigint')
      .addColumn('total', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('sent', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('failed', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('started_at', 'bigint')
      .addColumn('progress_at', 'bigint')
      .addColumn('finished_at', 'bigint')
      .addColumn('notified_at', 'bigint'),
  );
  await db.schema.createIndex('push_jobs_state_idx').on('push_jobs').columns(['state', 'scheduled_at']).execute();
}

async function pushRecipients(db: Kysely<unknown>, finish: Finish, _id: 'bigint' | 'integer'): Promise<void> {
  await finish(
    db.schema
      .createTable('push_recipients')
      .ifNotExists()
      .addColumn('push_id', 'bigint', (c) => c.notNull())
      // The row's position in the upload (0-based, data rows only).
      .addColumn('seq', 'integer', (c) => c.notNull())
      .addColumn('open_id', 'varchar(64)', (c) => c.notNull())
      // The row's values of the upload's other columns (JSON array), for per-recipient fields.
      .addColumn('vars', 'text')
      // pending → sending → sent | failed
      .addColumn('state', 'varchar(8)', (c) => c.notNull())
      .addColumn('claimed_by', 'varchar(64)')
      .addColumn('claimed_at', 'bigint')
      // When WeChat may first have accepted it: client_msg_id's 10-minute window starts here.
      .addColumn('first_attempt_at', 'bigint')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('msgid', 'varchar(24)')
      .addColumn('errcode', 'integer')
      .addColumn('errmsg', 'varchar(255)')
      .addColumn('sent_at', 'bigint')
      .addColumn('receipt_status', 'varchar(64)')
      .addColumn('receipt_at', 'bigint')
      .addPrimaryKeyConstraint('push_recipients_pk', ['push_id', 'seq'])
      .addUniqueConstraint('push_recipients_openid_uq', ['push_id', 'open_id']),
  );
  await db.schema
    .createIndex('push_recipients_state_idx')
    .on('push_recipients')
    .columns(['push_id', 'state', 'seq'])
    .execute();
  await db.schema.createIndex('push_recipients_msgid_idx').on('push_recipients').column('msgid').execute();
}

async function templateReceipts(db: Kysely<unknown>, finish: Finish, _id: 'bigint' | 'integer'): Promise<void> {
  await finish(
    db.schema
      .createTable('template_receipts')
      .ifNotExists()
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('msgid', 'varchar(24)', (c) => c.notNull())
      .addColumn('open_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('status', 'varchar(64)', (c) => c.notNull())
      .addColumn('at', 'bigint', (c) => c.notNull())
      .addColumn('received_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('template_receipts_pk', ['account_id', 'msgid']),
  );
  await db.schema
    .createIndex('template_receipts_openid_idx')
    .on('template_receipts')
    .columns(['account_id', 'open_id', 'at'])
    .execute();
}

async function massSends(db: Kysely<unknown>, finish: Finish, id: 'bigint' | 'integer'): Promise<void> {
  await finish(
    db.schema
      .createTable('mass_sends')
      .ifNotExists()
      .addColumn('id', id, (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      // 'all' or 'tag'
      .addColumn('target', 'varchar(8)', (c) => c.notNull())
      .addColumn('tag_id', 'integer')
      .addColumn('msgtype', 'varchar(16)', (c) => c.notNull())
      // The message body of the msgtype (`{ content }`, `{ media_id }`) as JSON.
      .addColumn('content', 'text', (c) => c.notNull())
      // scheduled → sending → submitted → finished | failed; scheduled → cancelled
      .addColumn('state', 'varchar(16)', (c) => c.notNull())
      .addColumn('scheduled_at', 'bigint', (c) => c.notNull())
      .addColumn('client_msg_id', 'varchar(32)', (c) => c.notNull())
      .addColumn('msg_id', 'varchar(24)')
      .addColumn('msg_data_id', 'varchar(24)')
      .addColumn('errcode', 'integer')
      .addColumn('errmsg', 'varchar(255)')
      .addColumn('finish_status', 'varchar(64)')
      .addColumn('total_count', 'integer')
      .addColumn('filter_count', 'integer')
      .addColumn('sent_count', 'integer')
      .addColumn('error_count', 'integer')
      .addColumn('created_at', 'bigint', (c) => c.notNull())
      .addColumn('submitted_at', 'bigint')
      .addColumn('finished_at', 'bigint'),
  );
  await db.schema.createIndex('mass_sends_state_idx').on('mass_sends').columns(['state', 'scheduled_at']).execute();
  await db.schema.createIndex('mass_sends_msgid_idx').on('mass_sends').column('msg_id').execute();
}
