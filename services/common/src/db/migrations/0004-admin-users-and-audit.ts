import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';
import { MYSQL_TABLE_OPTIONS } from './0001-accounts-and-rules.js';

/**
 * The console's users (`admin_users`: scrypt password hashes, role, a session epoch that
 * "sign out everywhere" raises) and its audit trail (`audit_log`: every write and every
 * refused one — who, when, from where, what, before/after with secrets masked).
 */
export const adminUsersAndAudit: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const mysql = isMysql(db);
    const timestampType = mysql ? sql`datetime(3)` : sql`text`;
    let users = db.schema
      .createTable('admin_users')
      .ifNotExists()
      .addColumn('id', 'varchar(36)', (c) => c.primaryKey())
      .addColumn('username', 'varchar(64)', (c) => c.notNull().unique())
      .addColumn('display_name', 'varchar(128)', (c) => c.notNull())
      .addColumn('role', 'varchar(16)', (c) => c.notNull())
      // `scrypt$N$r$p$salt$hash` (base64url): the parameters travel with the hash.
      .addColumn('password_hash', 'varchar(255)', (c) => c.notNull())
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('session_epoch', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('created_at', timestampType, (c) => c.notNull())
      .addColumn('updated_at', timestampType, (c) => c.notNull())
      .addColumn('last_sign_in_at', timestampType);
    if (mysql) users = users.modifyEnd(MYSQL_TABLE_OPTIONS);
    await users.execute();
    let audit = db.schema
      .createTable('audit_log')
      .ifNotExists()
      .addColumn('id', mysql ? 'bigint' : 'integer', (c) => c.primaryKey().autoIncrement())
      .addColumn('at', timestampType, (c) => c.notNull())
      .addColumn('actor', 'varchar(64)', (c) => c.notNull())
      .addColumn('ip', 'varchar(64)', (c) => c.notNull())
      .addColumn('action', 'varchar(64)', (c) => c.notNull())
      .addColumn('target', 'varchar(255)', (c) => c.notNull())
      // 'ok', or 'denied' for a refused write.
      .addColumn('outcome', 'varchar(16)', (c) => c.notNull())
      .addColumn('before_json', 'text')
      .addColumn('after_json', 'text');
    if (mysql) audit = audit.modifyEnd(MYSQL_TABLE_OPTIONS);
    await audit.execute();
    await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['at', 'id']).execute();
    await db.schema.createIndex('audit_log_actor_idx').on('audit_log').columns(['actor', 'at']).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.dropTable('audit_log').ifExists().execute();
    await db.schema.dropTable('admin_users').ifExists().execute();
  },
};
