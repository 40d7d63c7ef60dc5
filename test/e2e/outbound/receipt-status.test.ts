import assert from 'node:assert/strict';
import { AmqpQueue } from '@mpstack/common/adapters';
import { jobReceiptStatusMaxLength, receiptsDeadLetterQueue, receiptsDeclaration } from '@mpstack/common/contracts';
import { createDatabase, type Db } from '@mpstack/common/db';
import { templateSendJobFinishEvent } from '@mpstack/common/wechat';
import { sendToAccount } from '@mpstack/simulators';
import { until } from '@mpstack/testkit';
import { startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

/** A status of the receipt contract's full length (128 characters), twice what the columns held before 0019. */
const longStatus = `failed: ${'x'.repeat(jobReceiptStatusMaxLength - 8)}`;

/**
 * A TEMPLATESENDJOBFINISH with a long status, from WeChat's push through the ingress, RabbitMQ
 * and the receipt consumer into MariaDB: stored exactly as WeChat wrote it (it was cut to 64
 * characters in `template_receipts`, and refused on the recipient's row), and one past the
 * contract's 128 characters dead-lettered with the reason naming the status — never cut.
 */
describe('outbound e2e: a long receipt status end to end', function () {
  this.timeout(120_000);
  let stand: OutboundStand;
  let db: Db;
  let dead: AmqpQueue | undefined;

  afterEach(async () => {
    await dead?.close();
    await db?.destroy();
    await stand?.dispose();
  });

  it('stored whole on the push recipient and in template_receipts; one past 128 dead-lettered naming the status', async () => {
    stand = await createOutboundStand({ followers: 2 });
    db = createDatabase({ url: stand.stack.databaseUrl });
    const business = await stand.business();
    // The simulator's own receipts wait: WeChat's push with the long status is the first for each send.
    await stand.control('POST', '/_sim/callbacks/hold');
    const id = await startPush(business.url, stand.account, [stand.openId(0), stand.openId(1)]);
    await untilPush(
      () => business.url,
      id,
      (p) => p.state === 'completed' && p.sent === 2,
    );
    const sent = await db
      .selectFrom('push_recipients')
      .select(['seq', 'open_id', 'msgid'])
      .where('push_id', '=', id)
      .orderBy('seq')
      .execute();
    const early = String(Date.now() * 1000);
    const tooLong = `${longStatus}x`;
    const pushed = [
      { from: sent[0]!.open_id, msgId: sent[0]!.msgid!, status: longStatus },
      { from: sent[1]!.open_id, msgId: sent[1]!.msgid!, status: tooLong },
      { from: stand.openId(0), msgId: early, status: longStatus },
    ];
    const reports = await Promise.all(
      pushed.map((p) =>
        sendToAccount({
          url: `${stand.ingressUrl}/wx/${stand.account}`,
          account: stand.stack.account,
          xml: templateSendJobFinishEvent({ ...p, to: stand.stack.account.originalId }),
          maxDeliveries: 1,
        }),
      ),
    );
    assert.deepEqual(
      reports.map((r) => r.deliveries[0]?.body),
      ['success', 'success', 'success'],
    );
    await until(
      async () => {
        const row = await db
          .selectFrom('template_receipts')
          .select('status')
          .where('msgid', '=', early)
          .executeTakeFirst();
        return row?.status;
      },
      20_000,
      'the early receipt kept',
    ).then((status) => assert.equal(status, longStatus));
    await until(
      async () => {
        const row = await db
          .selectFrom('push_recipients')
          .select('receipt_status')
          .where('push_id', '=', id)
          .where('seq', '=', sent[0]!.seq)
          .executeTakeFirstOrThrow();
        return row.receipt_status ?? undefined;
      },
      20_000,
      'the push receipt joined',
    ).then((status) => assert.equal(status, longStatus));
    // The one past the contract: dead-lettered alone, its recipient without a receipt.
    dead = new AmqpQueue({ url: stand.stack.amqpUrl, connectionName: 'mpstack-e2e-receipt-status' });
    await dead.waitUntilConnected(5_000);
    await dead.declare([receiptsDeclaration]);
    const letters: { body: string; reason: string | undefined }[] = [];
    await dead.consume(
      receiptsDeadLetterQueue,
      async (delivery) => {
        letters.push({ body: delivery.body.toString(), reason: delivery.headers['x-death-reason'] });
        return { action: 'ack' };
      },
      { prefetch: 10 },
    );
    const letter = await until(
      () => letters.find((l) => l.body.includes(sent[1]!.msgid!)),
      20_000,
      'the receipt past 128 characters dead-lettered',
    );
    assert.match(letter.reason ?? '', /128 character.* at status/);
    const refused = await db
      .selectFrom('push_recipients')
      .select('receipt_status')
      .where('push_id', '=', id)
      .where('seq', '=', sent[1]!.seq)
      .executeTakeFirstOrThrow();
    assert.equal(refused.receipt_status, null);
  });
});
