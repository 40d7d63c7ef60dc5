import { type Kysely, type Migration, sql } from 'kysely';
import { isMysql } from '../database.js';

/**
 * `accounts.disabled` (0/1, like `admin_users.disabled`) and `disabled_at`: an operator can
 * switch an official account off from the console without deleting it; the ingress then
 * answers its deliveries with a logged refusal (docs/architecture.md, "A disabled account").
 */
export const accountsDisabled: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    const timestampType = isMysql(db) ? sql`datetime(3)` : sql`text`;
    await db.schema
      .alterTable('accounts')
      .addColumn('disabled', 'integer', (c) => c.notNull().defaultTo(0))
      .execute();
    await db.schema.alterTable('accounts').addColumn('disabled_at', timestampType).execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable('accounts').dropColumn('disabled_at').execute();
    await db.schema.alterTable('accounts').dropColumn('disabled').execute();
  },
};
