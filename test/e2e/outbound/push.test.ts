import assert from 'node:assert/strict';
import { api, assertSentOnce, startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

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

  it('a worker SIGKILLed halfway and restarted: every recipient exactly once', async () => {
    const n = 1500;
    stand = await createOutboundStand({ followers: n });
    // A rate limit makes the push last long enough to be killed mid-way; a short lease lets the
    // restarted worker take the dead one's claims over quickly.
    const env = { MPSTACK_WECHAT_RATE_TEMPLATE: '300:50', MPSTACK_PUSH_LEASE_MS: '3000' };
    let worker = await stand.businessProcess(env);
    const openIds = Array.from({ length: n }, (_, i) => stand.openId(i));
    const id = await startPush(worker.url, stand.account, openIds);
    await untilPush(
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
    const done = await untilPush(
      () => worker.url,
      id,
      (p) => p.state === 'completed',
      120_000,
      'completed',
    );
    assert.equal(done.sent, n);
    assert.equal(done.failed, 0);
    await assertSentOnce(stand, worker.url, id, openIds);
    worker.child.kill('SIGTERM');
  });
});
