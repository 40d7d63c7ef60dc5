import assert from 'node:assert/strict';
import type { JobReceipt } from '@mpstack/common/contracts';
import type { Db } from '@mpstack/common/db';
import { PushRepository } from '../../src/pushes/push.repository.js';
import type { SendResult } from '../../src/pushes/push.types.js';
import { ReceiptRepository } from '../../src/receipts/receipt.repository.js';
import { type DialectDb, openDialectDb } from '../support/dialect-db.js';
import { runningPush as newRunningPush, sendAll as recordSent } from '../support/pushes.js';

/**
 * The push's hot statements on both dialects: the claim that takes pending recipients only while
 * the push runs, the recording, and receipts joined to recipients — after their send was recorded,
 * before it, or again — with the push's counters equal to its rows' counts.
 */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`push recipients and receipts on ${dialect}`, () => {
    let db: Db;
    let opened: DialectDb | undefined;
    let pushes: PushRepository;
    let receipts: ReceiptRepository;
    let msgidBase = 7_000_000_000;

    before(async () => {
      opened = await openDialectDb(dialect, 'mpstack-push-receipts-');
      db = opened.db;
      pushes = new PushRepository(db);
      receipts = new ReceiptRepository(db);
    });
    after(async () => {
      await opened?.dispose();
    });

    /** A running push of `n` recipients (seq 0 … n-1). */
    const runningPush = (n: number) => newRunningPush(pushes, n);

    const receipt = (msgId: string, status: string, openId = 'o'): JobReceipt => ({
      id: `r${msgId}`,
      account: 'shop',
      kind: 'template',
      msgId,
      openId,
      status,
      at: 1_000,
      receivedAt: 1_001,
    });

    /** Claims the push's `n` recipients and records them sent with fresh msgids. */
    const sendAll = (pushId: number, n: number) => recordSent(pushes, pushId, n, () => String(msgidBase++));

    /** The push's counts recomputed from its rows (what the counters must equal). */
    async function rowCounts(pushId: number): Promise<Record<string, number>> {
      const rows = await db
        .selectFrom('push_recipients')
        .select(['state', 'receipt_status'])
        .where('push_id', '=', pushId)
        .execute();
      const counts: Record<string, number> = {};
      for (const row of rows) {
        counts[row.state] = (counts[row.state] ?? 0) + 1;
        if (row.receipt_status !== null) {
          const key = `receipt:${['success', 'failed:user block'].includes(row.receipt_status) ? row.receipt_status : 'failed: system failed'}`;
          counts[key] = (counts[key] ?? 0) + 1;
        }
      }
      return counts;
    }

    it('claims pending recipients in order and only while the push is running', async () => {
      const id = await runningPush(10);
      const first = await pushes.claimNext(id, { fromSeq: 0, toSeq: 9 }, 4, 'w1.1', 10);
      assert.deepEqual(
        first.map((r) => r.seq),
        [0, 1, 2, 3],
      );
      assert.ok(await pushes.transition(id, ['running'], 'paused', { now: 11 }));
      assert.deepEqual(await pushes.claimNext(id, { fromSeq: 0, toSeq: 9 }, 4, 'w1.2', 12), []);
      assert.ok(await pushes.transition(id, ['paused'], 'running', { now: 13 }));
      const next = await pushes.claimNext(id, { fromSeq: 0, toSeq: 9 }, 4, 'w1.3', 14);
      assert.deepEqual(
        next.map((r) => r.seq),
        [4, 5, 6, 7],
        'a claimed recipient is not claimed again',
      );
      assert.deepEqual(await pushes.counts(id), { pending: 2, sending: 8 });
      assert.equal(await pushes.hasRemaining(id), true);
    });

    it('records a batch all sent, all failed, or mixed: each row its state, msgid and error', async () => {
      const id = await runningPush(9);
      const claimed = await pushes.claimNext(id, { fromSeq: 0, toSeq: 8 }, 9, 'w1.1', 10);
      assert.equal(claimed.length, 9);
      const sent = (seq: number): SendResult => ({ seq, state: 'sent', msgid: `9${seq}` });
      const failed = (seq: number): SendResult => ({ seq, state: 'failed', errcode: 43004, errmsg: `e${seq}` });
      const long: SendResult = { seq: 8, state: 'failed', errcode: 40003, errmsg: 'x'.repeat(300) };
      const record = (results: SendResult[]) => pushes.record({ id, account: 'shop' }, 'w1.1', results, 20);
      assert.equal(await record([sent(0), sent(1)]), 2);
      assert.equal(await record([failed(2), failed(3)]), 2);
      assert.equal(await record([sent(4), failed(5), sent(6), failed(7), long]), 5);
      assert.equal(await record([sent(0)]), 0, 'a recorded row is not recorded again');
      const rows = await db
        .selectFrom('push_recipients')
        .select(['seq', 'state', 'msgid', 'errcode', 'errmsg', 'claimed_by', 'sent_at'])
        .where('push_id', '=', id)
        .orderBy('seq')
        .execute();
      const expected = (r: SendResult) =>
        r.state === 'sent'
          ? { seq: r.seq, state: 'sent', msgid: r.msgid, errcode: null, errmsg: null }
          : { seq: r.seq, state: 'failed', msgid: null, errcode: r.errcode, errmsg: r.errmsg.slice(0, 255) };
      assert.deepEqual(
        rows.map((row) => ({
          seq: Number(row.seq),
          state: row.state,
          msgid: row.msgid,
          errcode: row.errcode,
          errmsg: row.errmsg,
        })),
        [sent(0), sent(1), failed(2), failed(3), sent(4), failed(5), sent(6), failed(7), long].map(expected),
      );
      assert.ok(rows.every((row) => row.claimed_by === null && Number(row.sent_at) === 20));
      assert.deepEqual(await pushes.counts(id), { sent: 4, failed: 5 });
    });

    it('writes each receipt its own time, whatever the others of its batch', async () => {
      const id = await runningPush(5);
      const msgids = await sendAll(id, 5);
      const times = [3_000, 3_000, 4_000, 3_000, 5_000];
      const fresh = await receipts.applyAll(
        msgids.map((msgId, i) => ({ ...receipt(msgId, i === 1 ? 'failed:user block' : 'success'), at: times[i] ?? 0 })),
      );
      assert.deepEqual(fresh, [true, true, true, true, true]);
      const rows = await db
        .selectFrom('push_recipients')
        .select(['seq', 'receipt_at'])
        .where('push_id', '=', id)
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        rows.map((row) => Number(row.receipt_at)),
        times,
      );
      const single = await runningPush(1);
      const [only] = await sendAll(single, 1);
      await receipts.applyAll([{ ...receipt(only ?? '', 'success'), at: 6_000 }]);
      const [row] = await db.selectFrom('push_recipients').select('receipt_at').where('push_id', '=', single).execute();
      assert.equal(Number(row?.receipt_at), 6_000);
    });

    it('lists a scheduled push as due once its time has come', async () => {
      const id = await pushes.create({
        account: 'shop',
        name: 'later',
        templateId: 't',
        fields: { thing1: 'x' },
        url: undefined,
        scheduledAt: undefined,
        now: 1,
      });
      assert.ok(await pushes.transition(id, ['draft'], 'scheduled', { now: 2, scheduledAt: 5_000 }));
      assert.ok(!(await pushes.due(4_999)).includes(id));
      assert.ok((await pushes.due(5_000)).includes(id));
    });

    it('joins receipts after the recording once each, counted by outcome, without keeping them twice', async () => {
      const id = await runningPush(4);
      const [a, b, c, d] = (await sendAll(id, 4)) as [string, string, string, string];
      const batch = [
        receipt(a, 'success'),
        receipt(b, 'failed:user block'),
        receipt(c, 'failed: system failed'),
        receipt(a, 'success'),
      ];
      assert.deepEqual(await receipts.applyAll(batch), [true, true, true, false]);
      assert.deepEqual(await receipts.applyAll([receipt(a, 'success'), receipt(d, 'success')]), [false, true]);
      const counts = await pushes.counts(id);
      assert.deepEqual(counts, {
        sent: 4,
        'receipt:success': 2,
        'receipt:failed:user block': 1,
        'receipt:failed: system failed': 1,
      });
      assert.deepEqual(counts, await rowCounts(id));
      const kept = await db
        .selectFrom('template_receipts')
        .select('msgid')
        .where('msgid', 'in', [a, b, c, d])
        .execute();
      assert.deepEqual(kept, [], 'a receipt of a recorded push send lives on its recipient row');
      assert.equal(await pushes.hasRemaining(id), false);
    });

    it('keeps a receipt that came before its send was recorded and joins it at the recording', async () => {
      const id = await runningPush(3);
      const early = String(msgidBase);
      assert.deepEqual(await receipts.applyAll([receipt(early, 'failed:user block')]), [true]);
      assert.deepEqual(await receipts.applyAll([receipt(early, 'failed:user block')]), [false], 'kept once');
      await sendAll(id, 3);
      const counts = await pushes.counts(id);
      assert.deepEqual(counts, { sent: 3, 'receipt:failed:user block': 1 });
      assert.deepEqual(counts, await rowCounts(id));
      assert.deepEqual(await receipts.applyAll([receipt(early, 'failed:user block')]), [false], 'applied once');
      assert.deepEqual(await pushes.counts(id), counts);
    });

    it('joins a batch of 300 receipts (past MariaDB’s index-dive limit of 200) with exact counters', async () => {
      const id = await runningPush(300);
      const msgids = await sendAll(id, 300);
      const fresh = await receipts.applyAll(
        msgids.map((m, i) => receipt(m, i % 10 === 0 ? 'failed:user block' : 'success')),
      );
      assert.equal(fresh.filter(Boolean).length, 300);
      const counts = await pushes.counts(id);
      assert.deepEqual(counts, { sent: 300, 'receipt:success': 270, 'receipt:failed:user block': 30 });
      assert.deepEqual(counts, await rowCounts(id));
    });
  });
}
