import assert from 'node:assert/strict';
import { decodeReceipts, encodeReceipt, type JobReceipt, jobReceiptStatusMaxLength } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { sql } from 'kysely';
import { PushRepository } from '../../src/pushes/push.repository.js';
import { ReceiptRepository } from '../../src/receipts/receipt.repository.js';
import { type DialectDb, openDialectDb } from '../support/dialect-db.js';
import { runningPush, sendAll } from '../support/pushes.js';

/** A status of the contract's full length (128), past the 64 the columns held before migration 0019. */
const longStatus = `failed: ${'系统'.repeat(10)}${'x'.repeat(jobReceiptStatusMaxLength - 28)}`;

/**
 * A receipt status as long as the contract allows is stored whole wherever a receipt lands —
 * a push recipient, `template_receipts` (INSERT IGNORE cut it to 64 on MariaDB without a word),
 * a single send, a mass receipt and its mass send — on both dialects; one longer is refused by
 * the contract with the field named, never cut.
 */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`receipt statuses of the contract's length on ${dialect}`, () => {
    let db: Db;
    let opened: DialectDb | undefined;
    let pushes: PushRepository;
    let receipts: ReceiptRepository;
    let msgidBase = 9_100_000_000;

    before(async () => {
      opened = await openDialectDb(dialect, 'mpstack-receipt-status-');
      db = opened.db;
      pushes = new PushRepository(db);
      receipts = new ReceiptRepository(db);
    });
    after(async () => {
      await opened?.dispose();
    });

    const receipt = (msgId: string, status: string, kind: 'template' | 'mass' = 'template'): JobReceipt => ({
      id: `r${msgId}`,
      account: 'shop',
      kind,
      msgId,
      openId: kind === 'mass' ? 'mphelper' : `o${msgId}`,
      status,
      at: 1_700_000_000_000,
      receivedAt: 1_700_000_000_100,
      ...(kind === 'mass' ? { counts: { total: 3, filter: 3, sent: 2, error: 1 } } : {}),
    });

    it('is stored whole on a push recipient, in template_receipts and on a single send', async () => {
      assert.equal(longStatus.length, jobReceiptStatusMaxLength);
      const pushId = await runningPush(pushes, 1);
      const [pushMsgid] = await sendAll(pushes, pushId, 1, () => String(msgidBase++));
      const singleMsgid = String(msgidBase++);
      await db
        .insertInto('template_sends')
        .values({
          account_id: 'shop',
          kind: 'single',
          push_id: null,
          open_id: 'oSingle',
          template_id: 't',
          payload: '{}',
          status: 'sent',
          msgid: singleMsgid,
          errcode: null,
          errmsg: null,
          first_attempt_at: 1,
          receipt_status: null,
          receipt_at: null,
          created_at: 1,
          updated_at: 1,
        })
        .execute();
      const early = String(msgidBase++);
      const fresh = await receipts.applyAll([
        receipt(pushMsgid as string, longStatus),
        receipt(singleMsgid, longStatus),
        receipt(early, longStatus),
      ]);
      assert.deepEqual(fresh, [true, true, true]);
      const recipient = await db
        .selectFrom('push_recipients')
        .select('receipt_status')
        .where('push_id', '=', pushId)
        .executeTakeFirstOrThrow();
      assert.equal(recipient.receipt_status, longStatus);
      const single = await db
        .selectFrom('template_sends')
        .select('receipt_status')
        .where('msgid', '=', singleMsgid)
        .executeTakeFirstOrThrow();
      assert.equal(single.receipt_status, longStatus);
      const kept = await db
        .selectFrom('template_receipts')
        .select(['msgid', 'status'])
        .where('msgid', 'in', [singleMsgid, early])
        .orderBy('msgid')
        .execute();
      assert.deepEqual(kept, [
        { msgid: singleMsgid, status: longStatus },
        { msgid: early, status: longStatus },
      ]);
      // Counted as a failure other than a block, as any status but the two WeChat documents.
      const job = await db
        .selectFrom('push_jobs')
        .select('receipts_failed')
        .where('id', '=', pushId)
        .executeTakeFirstOrThrow();
      assert.equal(Number(job.receipts_failed), 1);
    });

    it('is stored whole in mass_receipts and on its mass send', async () => {
      const msgId = String(msgidBase++);
      await db
        .insertInto('mass_sends')
        .values({
          account_id: 'shop',
          target: 'all',
          tag_id: null,
          msgtype: 'text',
          content: '{}',
          state: 'submitted',
          scheduled_at: 1,
          client_msg_id: `m${msgId}`,
          msg_id: msgId,
          msg_data_id: null,
          errcode: null,
          errmsg: null,
          finish_status: null,
          total_count: null,
          filter_count: null,
          sent_count: null,
          error_count: null,
          created_at: 1,
          submitted_at: 1,
          finished_at: null,
          next_attempt_at: null,
        })
        .execute();
      assert.equal(await receipts.apply(receipt(msgId, longStatus, 'mass')), true);
      const stored = await db
        .selectFrom('mass_receipts')
        .select('status')
        .where('msg_id', '=', msgId)
        .executeTakeFirstOrThrow();
      assert.equal(stored.status, longStatus);
      const send = await db
        .selectFrom('mass_sends')
        .select(['state', 'finish_status'])
        .where('msg_id', '=', msgId)
        .executeTakeFirstOrThrow();
      assert.deepEqual(send, { state: 'finished', finish_status: longStatus });
    });

    it('one character longer is refused by the contract, naming the status', () => {
      const decoded = decodeReceipts(
        Buffer.from(`[${encodeReceipt(receipt('1', `${longStatus}x`))},${encodeReceipt(receipt('2', 'success'))}]`),
      );
      assert.deepEqual(
        decoded.receipts.map((r) => r.msgId),
        ['2'],
      );
      assert.equal(decoded.rejected.length, 1);
      assert.match(decoded.rejected[0]?.reason ?? '', /128 character.* at status/);
    });

    if (dialect === 'MariaDB') {
      it('every column a status is written to holds the contract’s length', async () => {
        const { rows } = await sql<{ table: string; column: string; width: number }>`
          SELECT TABLE_NAME AS \`table\`, COLUMN_NAME AS \`column\`, CHARACTER_MAXIMUM_LENGTH AS width
            FROM information_schema.COLUMNS
           WHERE TABLE_SCHEMA = DATABASE() AND COLUMN_NAME IN ('status', 'receipt_status', 'finish_status')
             AND TABLE_NAME IN ('template_receipts', 'push_recipients', 'template_sends', 'mass_receipts', 'mass_sends')
           ORDER BY 1, 2`.execute(db);
        assert.deepEqual(
          rows
            .filter((r) => r.column !== 'status' || r.table.endsWith('receipts'))
            .map((r) => [r.table, r.column, Number(r.width)]),
          [
            ['mass_receipts', 'status', jobReceiptStatusMaxLength],
            ['mass_sends', 'finish_status', jobReceiptStatusMaxLength],
            ['push_recipients', 'receipt_status', jobReceiptStatusMaxLength],
            ['template_receipts', 'status', jobReceiptStatusMaxLength],
            ['template_sends', 'receipt_status', jobReceiptStatusMaxLength],
          ],
        );
      });
    }
  });
}
