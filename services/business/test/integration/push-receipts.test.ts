import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobReceipt } from '@mpstack/common/contracts';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import { PushRepository } from '../../src/pushes/push.repository.js';
import { ReceiptRepository } from '../../src/receipts/receipt.repository.js';
import { runningPush as newRunningPush, sendAll as recordSent } from '../support/pushes.js';

/**
 * The push's hot statements on both dialects: the claim that takes pending recipients only while
 * the push runs, the recording, and receipts joined to recipients — after their send was recorded,
 * before it, or again — with the push's counters equal to its rows' counts.
 */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`push recipients and receipts on ${dialect}`, () => {
    let db: Db;
    let mariadb: TestDatabase | undefined;
    let dir: string | undefined;
    let pushes: PushRepository;
    let receipts: ReceiptRepository;
    let msgidBase = 7_000_000_000;

    before(async () => {
      if (dialect === 'MariaDB') {
        mariadb = await createTestDatabase();
        db = createDatabase({ url: mariadb.url, connectionLimit: 4 });
      } else {
        dir = await mkdtemp(join(tmpdir(), 'mpstack-push-receipts-'));
        db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
      }
      await migrateToLatest(db);
      pushes = new PushRepository(db);
      receipts = new ReceiptRepository(db);
    });
    after(async () => {
      await db.destroy();
      await mariadb?.drop();
      if (dir !== undefined) await rm(dir, { recursive: true, force: true });
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
