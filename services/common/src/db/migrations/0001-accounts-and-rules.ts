import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';

/** utf8mb4 per table, so a database created with another default charset still stores emoji. */
export const MYSQL_TABLE_OPTIONS = sql`ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`;

/** `accounts` and `reply_rules`: what the ingress needs to verify, decrypt and auto-reply. */
export const accountsAndRules: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const timestampType = mysql ? sql`datetime(3)` : sql`text`;
    const now = mysql ? sql`CURRENT_TIMESTAMP(3)` : sql`CURRENT_TIMESTAMP`;
    let accounts = db.schema
      .createTable('accounts')
      .ifNotExists()
      .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
      .addColumn('name', 'varchar(128)', (c) => c.notNull())
      .addColumn('app_id', 'varchar(64)', (c) => c.notNull())
      .addColumn('app_secret', 'varchar(128)', (c) => c.notNull())
      .addColumn('token', 'varchar(64)', (c) => c.notNull())
      .addColumn('encoding_aes_key', 'varchar(64)')
      .addColumn('previous_encoding_aes_key', 'varchar(64)')
      .addColumn('encrypt_mode', 'varchar(16)', (c) =>
        c.notNull().check(sql`encrypt_mode in ('plain', 'compatible', 'safe')`),
      )
      .addColumn('created_at', timestampType, (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', timestampType, (c) => c.notNull().defaultTo(now));
    if (mysql) accounts = accounts.modifyEnd(MYSQL_TABLE_OPTIONS);
    await accounts.execute();

    let rules = db.schema
      .createTable('reply_rules')
      .ifNotExists()
      .addColumn('id', mysql ? 'bigint' : 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('account_id', 'varchar(64)', (c) => c.notNull().references('accounts.id').onDelete('cascade'))
      .addColumn('kind', 'varchar(16)', (c) => c.notNull().check(sql`kind in ('subscribe', 'default', 'keyword')`))
      .addColumn('match_type', 'varchar(16)', (c) =>
        c.notNull().check(sql`match_type in ('exact', 'contains', 'regex')`),
      )
      .addColumn('keyword', 'varchar(255)')
      .addColumn('reply', 'text', (c) => c.notNull())
      .addColumn('priority', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('enabled', mysql ? 'boolean' : 'integer', (c) => c.notNull().defaultTo(1))
      .addColumn('created_at', timestampType, (c) => c.notNull().defaultTo(now))
      .addColumn('updated_at', timestampType, (c) => c.notNull().defaultTo(now));
    if (mysql) rules = rules.modifyEnd(MYSQL_TABLE_OPTIONS);
    await rules.execute();

    await db.schema
      .createIndex('reply_rules_account_idx')
      .on('reply_rules')
      .columns(['account_id', 'priority'])
      .execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('reply_rules').ifExists().execute();
    await db.schema.dropTable('accounts').ifExists().execute();
  },
};
