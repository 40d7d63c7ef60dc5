import { type Kysely, type Migration, sql } from 'kysely';

/**
 * `push_jobs.receipts_success`, `receipts_blocked` and `receipts_failed`: the push's
 * `TEMPLATESENDJOBFINISH` outcomes (`success`, `failed:user block`, any other status), kept
 * with the recipients' `receipt_status` in the transaction that sets it, like `sent` and
 * `failed`. A push's progress is then read from its row: before, every read of
 * `GET /api/pushes/:id` (the console polls it every 2 s) grouped all the push's recipients —
 * a million rows at a million recipients. Existing pushes are counted once here.
 */
export const pushReceiptCounters: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    for (const column of ['receipts_success', 'receipts_blocked', 'receipts_failed']) {
      await db.schema
        .alterTable('push_jobs')
        .addColumn(column, 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    }
    const count = (condition: ReturnType<typeof sql>) =>
      sql`(SELECT COUNT(*) FROM push_recipients r WHERE r.push_id = push_jobs.id AND ${condition})`;
    await sql`UPDATE push_jobs SET
        receipts_success = ${count(sql`r.receipt_status = 'success'`)},
        receipts_blocked = ${count(sql`r.receipt_status = 'failed:user block'`)},
        receipts_failed = ${count(sql`r.receipt_status NOT IN ('success', 'failed:user block')`)}`.execute(db);
  },

  async down(db: Kysely<unknown>): Promise<void> {
    for (const column of ['receipts_failed', 'receipts_blocked', 'receipts_success']) {
      await db.schema.alterTable('push_jobs').dropColumn(column).execute();
    }
  },
};
