import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Db } from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import { createTelemetry } from '@mpstack/common/telemetry';
import { PushRepository } from '../../src/pushes/push.repository.js';
import { PushWorker } from '../../src/pushes/push-worker.js';
import { ReceiptRepository } from '../../src/receipts/receipt.repository.js';
import type { OutboundApi, TemplateMessage } from '../../src/wechat/outbound-api.js';
import { type DialectDb, openDialectDb } from '../support/dialect-db.js';
import { runningPush } from '../support/pushes.js';

/**
 * A template sender paced at one call per `intervalMs` across every worker (an account's low
 * rate limit, its token bucket shared by the replicas), counting the calls per client_msg_id.
 */
function slowWeChat(intervalMs: number): { api: OutboundApi; calls: Map<string, number> } {
  const calls = new Map<string, number>();
  let next = Date.now();
  let msgid = 1_000_000;
  const refuse = () => Promise.reject(new Error('not a template send'));
  return {
    calls,
    api: {
      async sendTemplate(_account: string, message: TemplateMessage) {
        const at = Math.max(Date.now(), next);
        next = at + intervalMs;
        await sleep(at - Date.now());
        calls.set(message.client_msg_id, (calls.get(message.client_msg_id) ?? 0) + 1);
        msgid += 1;
        return String(msgid);
      },
      sendCustom: refuse,
      sendAll: refuse,
      preview: refuse,
      deleteMass: refuse,
    },
  };
}

/**
 * A claim is a lease the live worker renews: a batch whose sends outlast the lease (a slow
 * account) is not taken over by a second worker handed the same chunk, so no recipient is called
 * twice; a claim nobody renews is still taken over once its lease ran out.
 */
for (const dialect of ['MariaDB', 'SQLite'] as const) {
  describe(`push claims renewed while their sends are in flight, on ${dialect}`, function () {
    this.timeout(60_000);
    let db: Db;
    let opened: DialectDb | undefined;
    let pushes: PushRepository;
    let receipts: ReceiptRepository;
    const telemetry = createTelemetry({ service: 'business', traceSampleRatio: 0, registerGlobalTracer: false });

    before(async () => {
      opened = await openDialectDb(dialect, 'mpstack-push-lease-');
      db = opened.db;
      pushes = new PushRepository(db);
      receipts = new ReceiptRepository(db);
    });
    after(async () => {
      await opened?.dispose();
    });

    const worker = (api: OutboundApi, leaseMs: number, batchSize: number) =>
      new PushWorker({
        pushes,
        receipts,
        api,
        queue: {} as QueuePort,
        logger: createLogger({ service: 'business', level: 'silent' }),
        meter: telemetry.meter,
        settings: { leaseMs, batchSize },
      });

    it('a batch sent for four leases is not taken over by a second worker: every recipient called once', async () => {
      const n = 16;
      const id = await runningPush(pushes, n);
      const wechat = slowWeChat(100); // 16 sends: 1.6 s against a lease of 400 ms
      const ticket = { pushId: id, fromSeq: 0, toSeq: n - 1 };
      const first = worker(wechat.api, 400, n).process(ticket);
      // The second worker gets the chunk (the sweeper's ticket, a redelivery) once the lease
      // would have run out without renewals, while the first one's sends are still in flight.
      await sleep(700);
      assert.ok(wechat.calls.size < n, 'the first batch still in flight');
      const second = worker(wechat.api, 400, n).process(ticket);
      assert.deepEqual(await Promise.all([first, second]), ['done', 'done']);
      const twice = [...wechat.calls].filter(([, count]) => count > 1);
      assert.deepEqual(twice, [], 'recipients called twice');
      assert.equal(wechat.calls.size, n);
      const push = await pushes.get(id);
      assert.equal(push?.state, 'completed');
      assert.equal(push?.sent, n);
    });

    it("a dead worker's claim (never renewed) is taken over after its lease and sent once", async () => {
      const n = 4;
      const id = await runningPush(pushes, n);
      const now = Date.now();
      await pushes.claimNext(id, { fromSeq: 0, toSeq: n - 1 }, n, 'wdead.1', now - 1000);
      const wechat = slowWeChat(10);
      assert.equal(await worker(wechat.api, 500, n).process({ pushId: id, fromSeq: 0, toSeq: n - 1 }), 'done');
      assert.deepEqual([...wechat.calls.values()], [1, 1, 1, 1]);
      assert.equal((await pushes.get(id))?.sent, n);
    });

    it('a takeover judged on a claim read before its renewal takes nothing (compare-and-set)', async () => {
      const id = await runningPush(pushes, 3);
      await pushes.claimNext(id, { fromSeq: 0, toSeq: 2 }, 3, 'wlive.1', 1_000);
      const read = await pushes.sendingRows(id, 0, 2);
      assert.equal(await pushes.renewClaim(id, 'wlive.1', { fromSeq: 0, toSeq: 2 }, 5_000), 3);
      assert.deepEqual(await pushes.reclaim(id, read, 'wother.1', 6_000), [], 'the renewed claim is kept');
      const rows = await pushes.sendingRows(id, 0, 2);
      assert.deepEqual(
        rows.map((row) => [row.claimedBy, row.claimedAt]),
        [
          ['wlive.1', 5_000],
          ['wlive.1', 5_000],
          ['wlive.1', 5_000],
        ],
      );
      const taken = await pushes.reclaim(id, rows, 'wother.2', 7_000);
      assert.deepEqual(
        taken.map((row) => row.seq),
        [0, 1, 2],
        'taken over when read as it stands',
      );
    });
  });
}
