import assert from 'node:assert/strict';
import { loadIngressConfig } from '../../src/config.js';

describe('ingress configuration', () => {
  it('defaults keep replays out: the dedupe TTL (600 s) covers twice the timestamp window (300 s)', () => {
    const config = loadIngressConfig({});
    assert.deepEqual([config.dedupeTtlSeconds, config.timestampWindowSeconds], [600, 300]);
    assert.deepEqual([config.claimLeaseMs, config.holdMs, config.retryWaitMs], [3_000, 6_000, 4_500]);
  });

  it('refuses at start-up a dedupe TTL shorter than twice the timestamp window, naming both', () => {
    assert.throws(
      () => loadIngressConfig({ MPSTACK_DEDUPE_TTL_SECONDS: '60', MPSTACK_TIMESTAMP_WINDOW_SECONDS: '300' }),
      {
        code: 'config_invalid',
        message: /MPSTACK_DEDUPE_TTL_SECONDS: must be at least twice MPSTACK_TIMESTAMP_WINDOW_SECONDS \(600\)/,
      },
    );
    assert.equal(
      loadIngressConfig({ MPSTACK_DEDUPE_TTL_SECONDS: '120', MPSTACK_TIMESTAMP_WINDOW_SECONDS: '60' }).dedupeTtlSeconds,
      120,
    );
  });

  it('records the customer-service window with the kf doc’s budgets unless configured (WeChat changed them before)', () => {
    const defaults = loadIngressConfig({}).serviceWindowRules;
    assert.deepEqual(defaults, {
      message: { windowMs: 48 * 3_600_000, budget: 5 },
      event: { windowMs: 60_000, budget: 3 },
    });
    const older = loadIngressConfig({ MPSTACK_WECHAT_KEFU_PER_MESSAGE: '20' }).serviceWindowRules;
    assert.equal(older.message.budget, 20);
    assert.throws(() => loadIngressConfig({ MPSTACK_WECHAT_KEFU_PER_EVENT: '0' }), { code: 'config_invalid' });
  });

  it('refuses a claim lease WeChat’s next delivery (after 5 s) could not take over', () => {
    assert.throws(() => loadIngressConfig({ MPSTACK_CLAIM_LEASE_MS: '5000' }), {
      code: 'config_invalid',
      message: /MPSTACK_CLAIM_LEASE_MS: must be below 5000/,
    });
  });
});
