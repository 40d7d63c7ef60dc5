import type { Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * `wechat_templates`: each account's template library as last synced from WeChat
 * (`get_all_private_template`, the business service; docs/architecture.md §4). A sync replaces
 * the account's rows in one transaction, so a template deleted on WeChat's side disappears.
 */
export const wechatTemplates: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const table = db.schema
      .createTable('wechat_templates')
      .ifNotExists()
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('template_id', 'varchar(128)', (c) => c.notNull())
      .addColumn('title', 'varchar(255)', (c) => c.notNull())
      .addColumn('primary_industry', 'varchar(128)', (c) => c.notNull())
      .addColumn('deputy_industry', 'varchar(128)', (c) => c.notNull())
      .addColumn('content', 'text', (c) => c.notNull())
      .addColumn('example', 'text', (c) => c.notNull())
      // ms since the epoch, as the outbound tables.
      .addColumn('synced_at', 'bigint', (c) => c.notNull())
      .addPrimaryKeyConstraint('wechat_templates_pk', ['account_id', 'template_id']);
    await (isMysql(db) ? table.modifyEnd(MYSQL_TABLE_OPTIONS) : table).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('wechat_templates').ifExists().execute();
  },
};
