import assert from 'node:assert/strict';
import type { AmqpQueue } from '@mpstack/common/adapters';
import { encodeReceipt, encodeReceiptGroup, type JobReceipt, receiptsQueue } from '@mpstack/common/contracts';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase, type TestDatabase, until } from '@mpstack/testkit';
import { sql } from 'kysely';
import { PushRepository } from '../../src/pushes/push.repository.js';
import { ReceiptRepository } from '../../src/receipts/receipt.repository.js';
import { runningPush, sendAll } from '../support/pushes.js';
import { type DeadReceipt, type ReceiptConsumerStand, startReceiptConsumer } from '../support/receipt-consumer.js';

/**
 * A receipt group with a bad entry, on a real RabbitMQ vhost and MariaDB: the good receipts are
 * joined to their push sends once, each bad entry — one that is not a receipt, one whose write
 * the database refuses every time (a status longer than its column) — is dead-lettered alone
 * with its reason, and the message is acked, not retried; a database that is away retries the
 * whole message.
 */
describe('business/receipt consumer: a bad entry of a group on RabbitMQ and MariaDB', function () {
  this.timeout(60_000);
  let mariadb: TestDatabase;
  let db: Db;
  let down: Db;
  let stand: ReceiptConsumerStand | undefined;
  let queue: AmqpQueue;
  let pushes: PushRepository;
  /** Every receipt's MsgID, once per `applyAll` that carried it. */
  const written: string[] = [];
  const recorded: string[] = [];
  const dead: DeadReceipt[] = [];
  /** The next writes go to a database that refuses connections. */
  let away = 0;
  let msgidBase = 8_100_000_000;

  before(async () => {
    mariadb = await createTestDatabase();
    db = createDatabase({ url: mariadb.url, connectionLimit: 4 });
    await migrateToLatest(db);
    // The recipient's status narrower than the contract's 128 characters (it holds them since
    // migration 0019): a value the database refuses every time, whatever the schema of the day.
    await sql`ALTER TABLE push_recipients MODIFY receipt_status varchar(16)`.execute(db);
    down = createDatabase({ url: 'mysql://root@127.0.0.1:1/nothing', connectionLimit: 1 });
    pushes = new PushRepository(db);
    const repository = new ReceiptRepository(db);
    const unreachable = new ReceiptRepository(down);
    const receipts = {
      applyAll: async (receipts: readonly JobReceipt[]) => {
        written.push(...receipts.map((r) => r.msgId));
        if (away > 0) {
          away -= 1;
          return unreachable.applyAll(receipts);
        }
        return repository.applyAll(receipts);
      },
    };
    const events = { nextId: () => 'e', record: (event: { id: string }) => recorded.push(event.id) };
    stand = await startReceiptConsumer('mpstack-test-receipt-poison', { receipts, events }, dead);
    queue = stand.queue;
  });
  after(async () => {
    await stand?.close();
    await down?.destroy();
    await db?.destroy();
    await mariadb?.drop();
  });

  /** A running push of `n` recipients, all sent: its id and their msgids. */
  async function sentPush(n: number): Promise<{ id: number; msgids: string[] }> {
    const id = await runningPush(pushes, n);
    return { id, msgids: await sendAll(pushes, id, n, () => String(msgidBase++)) };
  }

  const receipt = (msgId: string, status = 'success'): JobReceipt => ({
    id: `r${msgId}`,
    account: 'shop',
    kind: 'template',
    msgId,
    openId: `o${msgId}`,
    status,
    at: 1_700_000_000_000,
    receivedAt: 1_700_000_000_100,
  });

  async function receiptsSuccess(pushId: number): Promise<number> {
    const row = await db
      .selectFrom('push_jobs')
      .select('receipts_success')
      .where('id', '=', pushId)
      .executeTakeFirstOrThrow();
    return Number(row.receipts_success);
  }

  it('joins the good receipts once, dead-letters each bad entry alone with its reason, and acks the group', async () => {
    const push = await sentPush(4);
    const good = push.msgids.slice(0, 3).map((msgId) => receipt(msgId));
    const notReceipt = { ...receipt('1'), msgId: 'not-a-number' };
    // A status the contract takes (128 characters at most) and the narrowed column (16) refuses.
    const refused = receipt(push.msgids[3] as string, `failed: ${'x'.repeat(20)}`);
    const body = encodeReceiptGroup([
      encodeReceipt(good[0] as JobReceipt),
      JSON.stringify(notReceipt),
      encodeReceipt(good[1] as JobReceipt),
      encodeReceipt(refused),
      encodeReceipt(good[2] as JobReceipt),
    ]);
    await queue.publish(receiptsQueue, Buffer.from(body));
    await until(() => dead.length === 2, 10_000, 'both bad entries dead-lettered');
    await until(async () => (await receiptsSuccess(push.id)) === 3, 5_000, 'the good receipts joined');
    const notJson = dead.find((d) => d.body === JSON.stringify(notReceipt));
    assert.match(notJson?.reason ?? '', /entry 1: MsgID is not a number at msgId/);
    const tooLong = dead.find((d) => d.body === encodeReceipt(refused));
    assert.match(tooLong?.reason ?? '', new RegExp(`MsgID ${refused.msgId}\\) not written: .*too long`, 'i'));
    // Nothing retried: the writes stop, the queue is empty, no further dead letters.
    const writes = written.length;
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    assert.equal(written.length, writes, 'no write after the group was settled');
    assert.equal(await queue.depth(receiptsQueue), 0);
    assert.equal(dead.length, 2);
    assert.equal(await receiptsSuccess(push.id), 3);
    // Each good receipt's event once, none for the refused one.
    for (const r of good) assert.equal(recorded.filter((id) => id === `rt${r.msgId}`).length, 1);
    assert.ok(!recorded.includes(`rt${refused.msgId}`));
    const unjoined = await db
      .selectFrom('push_recipients')
      .select('receipt_status')
      .where('push_id', '=', push.id)
      .where('seq', '=', 3)
      .executeTakeFirstOrThrow();
    assert.equal(unjoined.receipt_status, null);
  });

  it('retries the whole group while the database is away, then joins it', async () => {
    const push = await sentPush(2);
    const group = push.msgids.map((msgId) => receipt(msgId));
    const deadBefore = dead.length;
    away = 1;
    await queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup(group.map(encodeReceipt))));
    await until(async () => (await receiptsSuccess(push.id)) === 2, 15_000, 'the group joined after its retry');
    assert.equal(away, 0);
    // Written twice: refused (ECONNREFUSED), then on the redelivery.
    for (const r of group) assert.equal(written.filter((m) => m === r.msgId).length, 2);
    assert.equal(dead.length, deadBefore);
  });
});
