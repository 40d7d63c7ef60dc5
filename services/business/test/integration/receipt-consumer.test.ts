import assert from 'node:assert/strict';
import type { AmqpQueue } from '@mpstack/common/adapters';
import { encodeReceipt, encodeReceiptGroup, type JobReceipt, receiptsQueue } from '@mpstack/common/contracts';
import { until } from '@mpstack/testkit';
import { type DeadReceipt, type ReceiptConsumerStand, startReceiptConsumer } from '../support/receipt-consumer.js';

let sequence = 0;
function receipt(overrides: Partial<JobReceipt> = {}): JobReceipt {
  sequence += 1;
  return {
    id: `k${sequence}`,
    account: 'shop',
    kind: 'template',
    msgId: String(1_000_000 + sequence),
    openId: `oFollower${sequence}`,
    status: 'success',
    at: 1_700_000_000_000,
    receivedAt: 1_700_000_000_100,
    ...overrides,
  };
}

/**
 * The receipt consumer on a real RabbitMQ vhost with a stand-in for the receipts table (its SQL
 * has tests of its own): what reaches `applyAll`, what is acked and what is dead-lettered.
 */
describe('business/receipt consumer: groups of receipts and the single form of older ingress replicas', function () {
  this.timeout(30_000);
  let stand: ReceiptConsumerStand | undefined;
  let queue: AmqpQueue;
  const applied: JobReceipt[] = [];
  const calls: number[] = [];
  const dead: DeadReceipt[] = [];
  let failNext = 0;

  before(async () => {
    const receipts = {
      applyAll: async (receipts: readonly JobReceipt[]) => {
        if (failNext > 0) {
          failNext -= 1;
          throw new Error('database down');
        }
        calls.push(receipts.length);
        const fresh = receipts.map((r) => !applied.some((a) => a.msgId === r.msgId));
        applied.push(...receipts.filter((_, i) => fresh[i]));
        return fresh;
      },
    };
    stand = await startReceiptConsumer('mpstack-test-receipts', { receipts }, dead);
    queue = stand.queue;
  });
  after(async () => {
    await stand?.close();
  });

  const has = (r: JobReceipt) => applied.some((a) => a.msgId === r.msgId);

  it('applies every receipt of a group, and a single receipt as an older ingress publishes it', async () => {
    const group = [receipt(), receipt(), receipt({ kind: 'mass', openId: 'mphelper', status: 'send success' })];
    const single = receipt();
    await queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup(group.map(encodeReceipt))));
    await queue.publish(receiptsQueue, Buffer.from(encodeReceipt(single)));
    await until(() => [...group, single].every(has), 5_000, 'the group and the single receipt applied');
    await until(async () => (await queue.depth(receiptsQueue)) === 0, 5_000, 'both acked');
    assert.equal(dead.length, 0);
  });

  it('applies the valid entries of a group with a malformed one, and dead-letters that entry alone naming it', async () => {
    const good = [receipt(), receipt()];
    const bad = JSON.stringify({ ...receipt(), msgId: 'not-a-number' });
    const body = `[${encodeReceipt(good[0] as JobReceipt)},${bad},${encodeReceipt(good[1] as JobReceipt)}]`;
    await queue.publish(receiptsQueue, Buffer.from(body));
    await until(() => dead.length === 1, 5_000, 'the entry dead-lettered');
    assert.ok(good.every(has), 'the valid entries applied');
    assert.match(dead[0]?.reason ?? '', /entry 1: MsgID is not a number at msgId/);
    assert.equal(dead[0]?.body, bad);
    await until(async () => (await queue.depth(receiptsQueue)) === 0, 5_000, 'the group acked');
  });

  it('dead-letters a body that is not JSON and goes on with the next', async () => {
    const next = receipt();
    await queue.publish(receiptsQueue, Buffer.from('<xml>not json</xml>'));
    await queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup([encodeReceipt(next)])));
    await until(() => has(next), 5_000, 'the next group applied');
    await until(() => dead.length === 2, 5_000, 'the body dead-lettered');
    assert.match(dead[1]?.reason ?? '', /not JSON/);
  });

  it('retries a whole group the database did not take, and applies each of its MsgIDs once', async () => {
    failNext = 1;
    const group = [receipt(), receipt(), receipt()];
    await queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup(group.map(encodeReceipt))));
    await until(() => group.every(has), 10_000, 'the group applied after the retry');
    // The same group again (a WeChat re-delivery handed over twice): nothing new.
    const before = applied.length;
    await queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup(group.map(encodeReceipt))));
    await until(async () => (await queue.depth(receiptsQueue)) === 0 && calls.length > 0, 5_000, 'acked');
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(applied.length, before);
  });

  it('writes the receipts of many groups in hand together', async () => {
    calls.length = 0;
    const groups = Array.from({ length: 10 }, () => Array.from({ length: 20 }, () => receipt()));
    await Promise.all(
      groups.map((g) => queue.publish(receiptsQueue, Buffer.from(encodeReceiptGroup(g.map(encodeReceipt))))),
    );
    await until(() => groups.flat().every(has), 10_000, 'every group applied');
    assert.ok(calls.length < groups.length, `200 receipts in ${calls.length} writes`);
  });
});
