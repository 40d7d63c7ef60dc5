import assert from 'node:assert/strict';
import type { ScheduledPushAnnouncement } from '@mpstack/common/contracts';
import { api } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand, pushTemplate } from '../../support/outbound-stand.js';

const announced = async (base: string) =>
  (await api<{ pushes: ScheduledPushAnnouncement[] }>(base, 'GET', '/scheduled-pushes')).pushes;

/**
 * What the business service announces for pre-scaling (`GET /api/scheduled-pushes`, read by
 * the operator into the WeChatPlatform's status and by `mpstack dev --scale auto`): a
 * scheduled push with its start, size and duration at the template rate, gone once cancelled.
 */
describe('outbound e2e: a scheduled push announces its start and size', function () {
  this.timeout(120_000);
  let stand: OutboundStand;

  afterEach(async () => {
    await stand?.dispose();
  });

  it('announces a scheduled push (start, recipients, duration at the rate limit) until it is cancelled', async () => {
    stand = await createOutboundStand({ followers: 250 });
    const business = await stand.business({ MPSTACK_WECHAT_RATE_TEMPLATE: '100:20' });
    assert.deepEqual(await announced(business.url), []);
    const push = await api<{ id: number }>(business.url, 'POST', '/pushes', {
      account: stand.account,
      name: '双十一预告',
      templateId: pushTemplate,
      fields: { keyword1: '{{name}}' },
    });
    const csv = ['openid,name', ...Array.from({ length: 250 }, (_, i) => `${stand.openId(i)},用户${i}`)].join('\n');
    const upload = await fetch(`${business.url}/api/pushes/${push.id}/recipients`, {
      method: 'PUT',
      headers: { 'content-type': 'text/csv' },
      body: csv,
    });
    assert.equal(upload.status, 200, await upload.text());
    assert.deepEqual(await announced(business.url), [], 'a draft is not announced');
    const start = Date.now() + 3_600_000;
    await api(business.url, 'POST', `/pushes/${push.id}/start`, { scheduledAt: start });
    assert.deepEqual(await announced(business.url), [
      {
        push: push.id,
        account: stand.account,
        start: new Date(start).toISOString(),
        expectedMessages: 250,
        durationSeconds: 3, // 250 recipients at 100 sends/s
      },
    ]);
    await api(business.url, 'POST', `/pushes/${push.id}/cancel`, {});
    assert.deepEqual(await announced(business.url), [], 'a cancelled push is no longer announced');
    assert.equal((await stand.sendsPerOpenId()).size, 0, 'nothing was sent');
  });
});
