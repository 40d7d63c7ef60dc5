import assert from 'node:assert/strict';
import type { RunningBusiness } from '@mpstack/business';
import { until } from '@mpstack/testkit';
import { api, assertSentOnce, pushThroughFault, pushView, startPush, untilPush } from '../../support/outbound-api.js';
import { createOutboundStand, type OutboundStand } from '../../support/outbound-stand.js';

const templateApi = '/cgi-bin/message/template/send';

describe('outbound e2e: faults during a push (none loses or duplicates a send)', function () {
  this.timeout(180_000);
  const n = 300;
  let stand: OutboundStand;
  let business: RunningBusiness;
  let openIds: string[];
  const base = () => business.url;

  beforeEach(async () => {
    stand = await createOutboundStand({ followers: n });
    openIds = Array.from({ length: n }, (_, i) => stand.openId(i));
  });
  afterEach(async () => {
    await stand?.dispose();
  });

  it('−1 and 502 after WeChat took the send: resent with the same client_msg_id, delivered once', async () => {
    business = await stand.business();
    await stand.control('POST', '/_sim/faults', { api: templateApi, errcode: -1, probability: 0.15, phase: 'after' });
    await stand.control('POST', '/_sim/faults', { api: templateApi, status: 502, probability: 0.15, phase: 'after' });
    await pushThroughFault(stand, openIds, { atSent: 0, fault: async () => undefined, base });
  });

  it('the primary host down mid-push: the client fails over to api2, delivered once', async () => {
    business = await stand.business({ MPSTACK_WECHAT_RATE_TEMPLATE: '100:20' });
    await pushThroughFault(stand, openIds, {
      atSent: 50,
      fault: () => stand.control('POST', '/_sim/hosts/api', { isDown: true, mode: 'refuse' }),
      base,
    });
  });

  it('40001 mid-push (another party refreshed the token): one refresh, delivered once', async () => {
    business = await stand.business({ MPSTACK_WECHAT_RATE_TEMPLATE: '100:20' });
    await pushThroughFault(stand, openIds, {
      atSent: 50,
      fault: () => stand.control('POST', `/_sim/accounts/${stand.account}/tokens/invalidate`, {}),
      base,
    });
  });

  it('45009 (daily quota reached) pauses the push with the reason; resuming the same day pauses again without sending', async () => {
    business = await stand.business();
    await stand.control('PUT', '/_sim/quotas', { api: templateApi, daily: 120 });
    const id = await startPush(business.url, stand.account, openIds);
    const paused = await untilPush(base, id, (p) => p.state === 'paused', 60_000);
    assert.match(paused.stateReason ?? '', /45009/);
    // The simulator counts every call against its quota, a resend with the same client_msg_id
    // too (a send whose answer timed out under load is resent; WeChat answers it with the first
    // msgid). So the 120 calls it took are the recipients sent plus those resends.
    const taken = await templateCallsTaken(stand);
    assert.equal(taken.ok, 120, 'the quota used to the last call');
    assert.equal(paused.sent, taken.distinct, 'recorded as sent: the recipients WeChat took');
    assert.equal(paused.sent + taken.repeats, 120);
    // The client remembers WeChat's 45009 for the day: the resumed push is refused before any call.
    await api(business.url, 'POST', `/pushes/${id}/resume`, {});
    const again = await untilPush(base, id, (p) => p.state === 'paused', 60_000);
    assert.match(again.stateReason ?? '', /45009/);
    assert.equal(again.sent, paused.sent);
    assert.equal((await templateCallsTaken(stand)).calls, taken.calls, 'no call after the resume');
    assert.equal(again.counts['pending'], n - paused.sent, 'the rest waits, none lost');
    await assertSentOnce(stand, business.url, id);
  });

  it('a push cancelled while running stops claiming; what was sent is exactly what is recorded', async () => {
    business = await stand.business({ MPSTACK_WECHAT_RATE_TEMPLATE: '50:10' });
    const id = await startPush(business.url, stand.account, openIds);
    await untilPush(base, id, (p) => p.sent >= 40);
    const cancelled = await api<{ state: string }>(business.url, 'POST', `/pushes/${id}/cancel`, {});
    assert.equal(cancelled.state, 'cancelled');
    // The batch in flight finishes and is recorded; nothing is claimed after. (Equal counts alone
    // can hold before a batch claimed just ahead of the cancel has reached WeChat: wait until no
    // recipient is left `sending` too.)
    await until(
      async () => {
        const push = await pushView(business.url, id);
        return (push.counts['sending'] ?? 0) === 0 && (await stand.sendsPerOpenId()).size === push.sent;
      },
      30_000,
      'the batch in flight recorded',
      200,
    );
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const after = await assertSentOnce(stand, business.url, id);
    assert.ok(after.sent < n, `stopped early (${after.sent} of ${n})`);
    await assert.rejects(api(business.url, 'POST', `/pushes/${id}/resume`, {}), /409/);
  });
});

/** The simulator's template sends: calls, those it took (ok), distinct recipients taken, and resends among them. */
async function templateCallsTaken(
  stand: OutboundStand,
): Promise<{ calls: number; ok: number; distinct: number; repeats: number }> {
  const { calls } = (await stand.control('GET', `/_sim/calls?api=${encodeURIComponent(templateApi)}`)) as {
    calls: { calls: number; ok: number; byOpenid: Record<string, { ok: number }> }[];
  };
  const [row] = calls;
  const distinct = Object.values(row?.byOpenid ?? {}).filter((c) => c.ok > 0).length;
  return { calls: row?.calls ?? 0, ok: row?.ok ?? 0, distinct, repeats: (row?.ok ?? 0) - distinct };
}
