import assert from 'node:assert/strict';
import { MemoryCoordination } from '../../../src/adapters/memory-coordination.js';
import { WeChatLocalRefusal } from '../../../src/wechat/api-errors.js';
import { FlowControl } from '../../../src/wechat-api/flow-control.js';

/** 2026-12-03 23:59:59.999 in Beijing (UTC+8): 15:59:59.999 UTC. */
const lastMomentOfBeijingDay = Date.UTC(2026, 11, 3, 15, 59, 59, 999);

describe('wechat-api/flow control: a remembered 45009 (injected clock)', () => {
  let now: number;
  let flow: FlowControl;

  beforeEach(() => {
    now = Date.UTC(2026, 11, 3, 2, 0); // 10:00 in Beijing
    const clock = () => now;
    flow = new FlowControl({
      coordination: new MemoryCoordination({ now: clock }),
      namespace: 't:',
      rates: { template: 'off', kefu: 'off', mass: 'off' },
      dailyQuotas: { sendTemplateMessage: 1000 },
      serviceWindow: 'off',
      now: clock,
      sleep: async () => {},
    });
  });

  const refused = (error: unknown) => error instanceof WeChatLocalRefusal && error.reason === 'quota_reached';

  it('lasts until the next Beijing midnight, not a day from when it was learnt', async () => {
    await flow.fillQuota('wxA', 'sendTemplateMessage');
    now = lastMomentOfBeijingDay;
    await assert.rejects(flow.consumeQuota('wxA', 'sendTemplateMessage'), refused, 'still the same Beijing day');
    now = lastMomentOfBeijingDay + 1; // 00:00 in Beijing, 16:00 UTC: WeChat's counters start again
    await flow.consumeQuota('wxA', 'sendTemplateMessage');
    assert.equal(
      (await flow.usage('wxA')).find((u) => u.api === 'sendTemplateMessage')?.used,
      1,
      'the new day counts from 0',
    );
  });

  it('a 45009 learnt just before Beijing midnight ends at it (UTC midnight is not the day)', async () => {
    now = lastMomentOfBeijingDay - 60_000;
    await flow.fillQuota('wxA', 'sendTemplateMessage');
    now = Date.UTC(2026, 11, 3, 23, 0); // the same UTC day, but 07:00 the next day in Beijing
    await flow.consumeQuota('wxA', 'sendTemplateMessage');
  });

  it('ends when a clear_quota succeeded: every API of that account counts from 0 again, other accounts keep theirs', async () => {
    await flow.fillQuota('wxA', 'sendTemplateMessage');
    await flow.fillQuota('wxA', 'getAccessToken');
    await flow.fillQuota('wxB', 'sendTemplateMessage');
    await flow.clearQuotas('wxA');
    await flow.consumeQuota('wxA', 'sendTemplateMessage');
    await flow.consumeQuota('wxA', 'getAccessToken');
    await assert.rejects(flow.consumeQuota('wxB', 'sendTemplateMessage'), refused);
  });
});
