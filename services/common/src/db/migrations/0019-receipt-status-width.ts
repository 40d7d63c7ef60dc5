import type { Kysely, Migration } from 'kysely';
import { isMysql } from '../database.js';

/** Every column a receipt's status is written to: `[table, column, NOT NULL]`. */
const statusColumns = [
  ['template_receipts', 'status', true],
  ['push_recipients', 'receipt_status', false],
  ['template_sends', 'receipt_status', false],
  ['mass_receipts', 'status', true],
  ['mass_sends', 'finish_status', false],
] as const;

/**
 * A receipt's status as long as the receipt contract allows (`JobReceipt.status`, 128
 * characters; 64 before): `template_receipts` is written with INSERT IGNORE, which cut a longer
 * status to 64 without a word, and the recipient's UPDATE refused it (the receipt dead-lettered
 * and its send never joined). WeChat's own statuses are short (`success`, `failed:user block`,
 * `failed: system failed`, `send success`, `err(10001)`); a status past the contract's 128 is
 * refused by the receipt consumer with the field named.
 *
 * MariaDB: a VARCHAR widened within the same length bytes (utf8mb4: 256 → 512 bytes, two either
 * way) is changed in place (INSTANT on 10.11), without copying `push_recipients`. SQLite does not
 * enforce a declared length: its columns already keep the status whole, nothing to do.
 */
export const receiptStatusWidth: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await widen(db, 'varchar(128)');
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await widen(db, 'varchar(64)');
  },
};

async function widen(db: Kysely<unknown>, type: 'varchar(128)' | 'varchar(64)'): Promise<void> {
  if (!isMysql(db)) return;
  for (const [table, column, isNotNull] of statusColumns) {
    await db.schema
      .alterTable(table)
      .modifyColumn(column, type, (c) => (isNotNull ? c.notNull() : c))
      .execute();
  }
}
