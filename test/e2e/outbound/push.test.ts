import assert from 'node:assert/strict';
import { createDatabase } from '@mpstack/common/db';
import { Mailbox, startSmtpListener } from '@mpstack/simulators';
import { until } from '@mpstack/testkit';
import { sql } from 'kysely';
import { api, assertSentOnce, startPush, untilPush, untilPushProgress } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

/** A push's counts recomputed from its recipients' rows (what its counters must equal). */
async function rowCounts(stand: OutboundStand, pushId: number): Promise<Record<string, number>> {
  const db = createDatabase({ url: stand.stack.databaseUrl });
  try {
    const rows = await db
      .selectFrom('push_recipients')
      .select(['state', 'receipt_status', sql<number>`COUNT(*)`.as('n')])
      .where('push_id', '=', pushId)
      .groupBy(['state', 'receipt_status'])
      .execute();
    const counts: Record<string, number> = {};
    for (const row of rows) {
      counts[row.state] = (counts[row.state] ?? 0) + Number(row.n);
      if (row.receipt_status !== null) counts[`receipt:${row.receipt_status}`] = Number(row.n);
    }
    return counts;
  } finally {
    await db.destroy();
  }
}

describe('outbound e2e: push jobs on MariaDB, RabbitMQ, Redis and the simulator', function () {
  this.timeout(180_000);
  let stand: OutboundStand;

  afterEach(async () => {
    await stand?.dispose();
  });

  it('sends each recipient once, records refusals, joins the receipts and reports failures', async () => {
    stand = await createOutboundStand({ followers: 200, blocking: [5], unfollowed: ['oNotFollowing000000000001'] });
    const business = await stand.business();
    const followers = Array.from({ length: 200 }, (_, n) => stand.openId(n));
    const id = await startPush(business.url, stand.account, [
      ...followers,
      'oNotFollowing000000000001',
      'oNeverSeenByWeChat0000001',
    ]);
    const done = await untilPush(
      () => business.url,
      id,
      (p) => p.state === 'completed',
    );
    assert.equal(done.total, 202);
    assert.equal(done.sent, 200);
    assert.equal(done.failed, 2);
    await assertSentOnce(stand, business.url, id, followers);
    const receipts = await untilPush(
      () => business.url,
      id,
      (p) => (p.counts['receipt:success'] ?? 0) + (p.counts['receipt:failed:user block'] ?? 0) === 200,
      30_000,
      'every receipt joined',
    );
    assert.equal(receipts.counts['receipt:failed:user block'], 1);
    const report = await (await fetch(`${business.url}/api/pushes/${id}/failures.csv`)).text();
    const lines = report.trim().split('\r\n');
    assert.equal(lines.length, 4, report);
    assert.match(report, /oNotFollowing000000000001,failed,43004/);
    assert.match(report, /oNeverSeenByWeChat0000001,failed,40003/);
    assert.match(report, new RegExp(`${stand.openId(5)},sent,,,\\d+,failed:user block`));
  });

  it('a single send is accepted at once (202), sent in the background and its receipt joined', async () => {
    stand = await createOutboundStand({ followers: 3 });
    const business = await stand.business();
    const accepted = await api<{ id: number; status: string }>(business.url, 'POST', '/sends', {
      account: stand.account,
      openId: stand.openId(1),
      templateId: 'TPL_PUSH_NOTICE',
      data: { keyword1: { value: '您的订单已发货' } },
    });
    assert.equal(accepted.status, 'queued');
    const { until } = await import('@mpstack/testkit');
    const sent = await until(
      async () => {
        const send = await api<{ status: string; msgid: string | null; receiptStatus: string | null }>(
          business.url,
          'GET',
          `/sends/${accepted.id}`,
        );
        return send.receiptStatus === null ? undefined : send;
      },
      20_000,
      'send and receipt',
      100,
    );
    assert.equal(sent.status, 'sent');
    assert.match(sent.msgid ?? '', /^\d+$/);
    assert.equal(sent.receiptStatus, 'success');
  });

  it('a worker SIGKILLed halfway and restarted: every recipient exactly once', async function () {
    // Measured at load 23: 177 s of the suite's 180. The waits fail when the push stops advancing.
    this.timeout(600_000);
    const n = 1500;
    stand = await createOutboundStand({ followers: n });
    // A rate limit makes the push last long enough to be killed mid-way; a short lease lets the
    // restarted worker take the dead one's claims over quickly.
    const env = { MPSTACK_WECHAT_RATE_TEMPLATE: '300:50', MPSTACK_PUSH_LEASE_MS: '3000' };
    let worker = await stand.businessProcess(env);
    const openIds = Array.from({ length: n }, (_, i) => stand.openId(i));
    const id = await startPush(worker.url, stand.account, openIds);
    await untilPushProgress(
      () => worker.url,
      id,
      (p) => p.sent >= n / 3,
      60_000,
      'a third sent',
    );
    worker.child.kill('SIGKILL');
    await new Promise((resolve) => worker.child.once('exit', resolve));
    const before = (await stand.sendsPerOpenId()).size;
    assert.ok(before < n, 'killed before the end');
    worker = await stand.businessProcess(env);
    // The restarted worker takes the dead one's claims over once their 3 s lease ends.
    const done = await untilPushProgress(
      () => worker.url,
      id,
      (p) => p.state === 'completed',
      60_000,
      'completed',
    );
    assert.equal(done.sent, n);
    assert.equal(done.failed, 0);
    await assertSentOnce(stand, worker.url, id, openIds);
    // The push's counters (sent, failed, receipts) are kept with its rows in one transaction:
    // after the kill they still equal what the rows say, every receipt joined once.
    const joined = await untilPush(
      () => worker.url,
      id,
      (p) => p.counts['receipt:success'] === n,
      60_000,
      'every receipt joined',
    );
    assert.deepEqual(joined.counts, await rowCounts(stand, id));
    worker.child.kill('SIGTERM');
  });

  it('the finish e-mail reaches the operator through SMTP once, with the push’s figures', async () => {
    const mailbox = new Mailbox();
    const smtp = await startSmtpListener({ mailbox, port: 0 });
    try {
      stand = await createOutboundStand({ followers: 60, unfollowed: ['oNotFollowing000000000002'] });
      const business = await stand.business({
        MPSTACK_SMTP_URL: smtp.url,
        MPSTACK_OPERATOR_EMAIL: 'ops@example.com',
        MPSTACK_MAIL_FROM: 'mpstack <push@example.com>',
        MPSTACK_BUSINESS_PUBLIC_URL: 'https://console.example.com/outbound',
      });
      const followers = Array.from({ length: 60 }, (_, n) => stand.openId(n));
      const id = await startPush(business.url, stand.account, [...followers, 'oNotFollowing000000000002']);
      const done = await untilPush(
        () => business.url,
        id,
        (p) => p.state === 'completed',
      );
      await assertSentOnce(stand, business.url, id, followers);
      const [mail] = await until(() => (mailbox.list().length > 0 ? mailbox.list() : undefined), 20_000, 'the mail');
      assert.ok(mail !== undefined);
      assert.deepEqual(mail.envelopeTo, ['ops@example.com']);
      assert.equal(mail.from, 'mpstack <push@example.com>');
      assert.equal(mail.subject, `[mpstack] push #${id} e2e push: ${done.sent} sent, ${done.failed} failed`);
      assert.deepEqual([done.sent, done.failed], [60, 1]);
      const text = mail.text ?? '';
      assert.match(
        text,
        new RegExp(`Push #${id} "e2e push" \\(${stand.account}, template TPL_PUSH_NOTICE\\) completed`),
      );
      assert.match(text, /^Recipients: 61$/m);
      assert.match(text, /^Sent \(accepted by WeChat\): 60$/m);
      assert.match(text, /^Failed: 1$/m);
      assert.doesNotMatch(text, /Not sent/);
      assert.match(
        text,
        new RegExp(
          `^Failure report \\(CSV\\): https://console.example.com/outbound/api/pushes/${id}/failures.csv$`,
          'm',
        ),
      );
      // Once: a later tick or a second look at the finished push sends nothing more.
      await new Promise((resolve) => setTimeout(resolve, 1500));
      assert.equal(mailbox.list().length, 1);
    } finally {
      await smtp.close();
    }
  });
});
