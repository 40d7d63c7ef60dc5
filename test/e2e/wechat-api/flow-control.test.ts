import assert from 'node:assert/strict';
import { recordServiceWindow, serviceWindowKey } from '@mpstack/common/contracts';
import type { CoordinationPort } from '@mpstack/common/ports';
import {
  createWeChatApiClient,
  type WeChatApiClient,
  type WeChatApiConfig,
  WeChatApiError,
  WeChatLocalRefusal,
} from '@mpstack/common/wechat-api';
import { startWeChatStand, templateId, type WeChatStand } from '../../support/wechat-stand.js';

describe('WeChat API client: flow control (daily quotas, the customer-service window, token buckets)', function () {
  this.timeout(30_000);
  let stand: WeChatStand;
  let coordination: CoordinationPort;
  let clients: WeChatApiClient[] = [];
  const client = (overrides: Partial<WeChatApiConfig> = {}, sleep?: (ms: number) => Promise<void>) => {
    const created = createWeChatApiClient(stand.config(overrides), {
      coordination: stand.redis(),
      secrets: stand.secrets,
      ...(sleep === undefined ? {} : { sleep }),
    });
    clients.push(created);
    return created;
  };
  const template = (touser = 'o-follower-1') => ({ touser, template_id: templateId, data: { first: { value: 'x' } } });
  const text = (touser: string, content: string) => ({ touser, msgtype: 'text', text: { content } });
  const refusal = (reason: string, errcode: number) => (error: unknown) => {
    assert.ok(error instanceof WeChatLocalRefusal, String(error));
    assert.equal(error.reason, reason);
    assert.equal(error.errcode, errcode);
    return true;
  };

  beforeEach(async () => {
    stand = await startWeChatStand();
    coordination = stand.redis();
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await stand.close();
  });

  it('counts a daily quota across replicas and refuses past it without calling WeChat', async () => {
    const replicas = [
      client({ dailyQuotas: { sendTemplateMessage: 3 } }),
      client({ dailyQuotas: { sendTemplateMessage: 3 } }),
    ];
    const outcomes = await Promise.allSettled(
      [0, 1, 2, 3, 4].map((i) => replicas[i % 2]!.sendTemplate(stand.account.appId, template())),
    );
    assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 3);
    for (const outcome of outcomes.filter((o) => o.status === 'rejected'))
      refusal('quota_reached', 45009)(outcome.reason);
    assert.equal(stand.sim.state.templateSends(stand.account.appId).length, 3, 'WeChat saw three sends');
    const usage = await replicas[0]!.quotaUsage(stand.account.appId);
    const templates = usage.find((u) => u.api === 'sendTemplateMessage');
    assert.deepEqual([templates?.used, templates?.limit], [3, 3]);
    assert.match(templates?.day ?? '', /^\d{4}-\d{2}-\d{2}$/);
  });

  it("45009 from WeChat (the account's real quota is lower than configured) fills the local quota", async () => {
    stand.sim.state.setLimits({ templateDailyQuota: 2 });
    const api = client();
    await api.sendTemplate(stand.account.appId, template());
    await api.sendTemplate(stand.account.appId, template());
    await assert.rejects(api.sendTemplate(stand.account.appId, template()), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError);
      assert.equal(error.errcode, 45009);
      assert.equal(error.kind, 'quota');
      return true;
    });
    await assert.rejects(api.sendTemplate(stand.account.appId, template()), refusal('quota_reached', 45009));
    const usage = (await api.quotaUsage(stand.account.appId)).find((u) => u.api === 'sendTemplateMessage');
    assert.equal(usage?.used, usage?.limit);
  });

  it('a customer-service send outside every window is refused locally (45015) and never reaches WeChat', async () => {
    const api = client();
    await assert.rejects(
      api.sendCustomMessage(stand.account.appId, text('o-follower-1', 'hi')),
      refusal('window_closed', 45015),
    );
    assert.deepEqual(stand.sim.state.inboxOf(stand.account.appId, 'o-follower-1'), []);
  });

  it('a reply sent before the ingress wrote its window (the recorder writes every 250 ms) looks again and goes out', async () => {
    const { appId } = stand.account;
    stand.sim.state.recordInteraction(appId, 'o-follower-4', 'message');
    const api = client();
    const started = performance.now();
    const sent = api.sendCustomMessage(appId, text('o-follower-4', 'answer'));
    // The ingress's batch lands 150 ms after the send first looked.
    await new Promise((resolve) => setTimeout(resolve, 150));
    await recordServiceWindow(coordination, appId, 'o-follower-4', 'message');
    await sent;
    assert.equal(stand.sim.state.inboxOf(appId, 'o-follower-4').length, 1);
    assert.ok(performance.now() - started >= 150);
  });

  it('a user message opens 5 sends for 48 h, as the ingress records it; the 6th is refused locally (45047)', async () => {
    const { appId } = stand.account;
    stand.sim.state.recordInteraction(appId, 'o-follower-2', 'message'); // what WeChat saw
    await recordServiceWindow(coordination, appId, 'o-follower-2', 'message'); // what the ingress recorded
    const api = client();
    for (let i = 1; i <= 5; i += 1) await api.sendCustomMessage(appId, text('o-follower-2', `answer ${i}`));
    await assert.rejects(
      api.sendCustomMessage(appId, text('o-follower-2', 'one more')),
      refusal('window_exhausted', 45047),
    );
    assert.equal(stand.sim.state.inboxOf(appId, 'o-follower-2').length, 5, 'WeChat got exactly the five allowed');
  });

  it('a click opens 3 sends; an unfollow closes the window', async () => {
    const { appId } = stand.account;
    stand.sim.state.recordInteraction(appId, 'o-follower-3', 'event');
    await recordServiceWindow(coordination, appId, 'o-follower-3', 'event');
    const api = client();
    for (let i = 1; i <= 3; i += 1) await api.sendCustomMessage(appId, text('o-follower-3', `menu ${i}`));
    await assert.rejects(api.sendCustomMessage(appId, text('o-follower-3', 'x')), refusal('window_exhausted', 45047));
    await recordServiceWindow(coordination, appId, 'o-follower-3', 'message');
    await recordServiceWindow(coordination, appId, 'o-follower-3', 'closed');
    await assert.rejects(api.sendCustomMessage(appId, text('o-follower-3', 'x')), refusal('window_closed', 45015));
  });

  it('WeChat answering 45015 although a window was recorded (an event the ingress missed) closes it locally', async () => {
    const { appId } = stand.account;
    await recordServiceWindow(coordination, appId, 'o-follower-1', 'message'); // WeChat saw no interaction
    const api = client();
    await assert.rejects(api.sendCustomMessage(appId, text('o-follower-1', 'x')), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError);
      assert.equal(error.errcode, 45015);
      return true;
    });
    await assert.rejects(api.sendCustomMessage(appId, text('o-follower-1', 'x')), refusal('window_closed', 45015));
  });

  it('a send refused by the daily quota after it took its window message gives the message back', async () => {
    const { appId } = stand.account;
    stand.sim.state.recordInteraction(appId, 'o-follower-4', 'event');
    await recordServiceWindow(coordination, appId, 'o-follower-4', 'event'); // 3 sends
    const api = client({ dailyQuotas: { sendCustomMessage: 1 } });
    await api.sendCustomMessage(appId, text('o-follower-4', 'one'));
    await assert.rejects(api.sendCustomMessage(appId, text('o-follower-4', 'two')), refusal('quota_reached', 45009));
    const key = serviceWindowKey(appId, 'o-follower-4');
    assert.equal(await coordination.takeServiceWindow(key), 'allowed');
    assert.equal(await coordination.takeServiceWindow(key), 'allowed', 'the refused send took none');
    assert.equal(await coordination.takeServiceWindow(key), 'exhausted');
  });

  it('the window check can be turned off (MPSTACK_WECHAT_KEFU_WINDOW=off): WeChat decides', async () => {
    const api = client({ serviceWindow: 'off' });
    await assert.rejects(api.sendCustomMessage(stand.account.appId, text('o-follower-1', 'x')), /errcode 45015/);
  });

  it('a template token bucket is shared by replicas: past its burst, sends wait for tokens', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => {
      waits.push(ms);
      await new Promise((resolve) => setTimeout(resolve, ms));
    };
    const rates = { template: { perSecond: 5, burst: 2 }, kefu: 'off', mass: 'off' } as const;
    const replicas = [client({ rates }, sleep), client({ rates }, sleep)];
    const startedAt = Date.now();
    await Promise.all([0, 1, 2, 3, 4, 5].map((i) => replicas[i % 2]!.sendTemplate(stand.account.appId, template())));
    const elapsed = Date.now() - startedAt;
    assert.equal(stand.sim.state.templateSends(stand.account.appId).length, 6);
    assert.ok(waits.length >= 4, `${waits.length} waits: four sends beyond the burst of two`);
    // Six sends through a bucket of 5/s with a burst of 2 cannot end sooner than (6 − 2) / 5 s.
    assert.ok(elapsed >= 700, `${elapsed} ms`);
  });

  it("a rate 'off' takes no token", async () => {
    const waits: number[] = [];
    const api = client({ rates: { template: 'off', kefu: 'off', mass: 'off' } }, async (ms) => {
      waits.push(ms);
    });
    await Promise.all([0, 1, 2, 3, 4].map(() => api.sendTemplate(stand.account.appId, template())));
    assert.deepEqual(waits, []);
  });
});
