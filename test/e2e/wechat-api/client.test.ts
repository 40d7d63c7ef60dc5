import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createTelemetry, type Telemetry } from '@mpstack/common/telemetry';
import {
  createWeChatApiClient,
  type WeChatApiClient,
  WeChatApiError,
  WeChatUnavailableError,
  wechatApiConfigFromEnv,
} from '@mpstack/common/wechat-api';
import { startWeChatStand, templateId, type WeChatStand } from '../../support/wechat-stand.js';

describe('WeChat API client against the simulator (tokens, template sends, typed errcodes)', () => {
  let stand: WeChatStand;
  let clients: WeChatApiClient[] = [];
  const client = (overrides = {}, coordination = stand.redis()): WeChatApiClient => {
    const created = createWeChatApiClient(stand.config(overrides), { coordination, secrets: stand.secrets });
    clients.push(created);
    return created;
  };

  beforeEach(async () => {
    stand = await startWeChatStand();
  });
  afterEach(async () => {
    await Promise.all(clients.map((c) => c.close()));
    clients = [];
    await stand.close();
  });

  it('shares one stable_token between replicas: one fetch for many concurrent readers', async () => {
    const replicas = [client(), client(), client()];
    const tokens = await Promise.all(
      Array.from({ length: 30 }, (_, i) => replicas[i % 3]!.getAccessToken(stand.account.appId)),
    );
    assert.equal(new Set(tokens).size, 1);
    assert.deepEqual(stand.sim.state.tokens.stats(stand.account.appId), {
      fetches: 1,
      issued: 1,
      forced: 0,
      refused: {},
    });
  });

  it('uses /cgi-bin/token when configured, also shared', async () => {
    const replicas = [client({ tokenMode: 'token' }), client({ tokenMode: 'token' })];
    const tokens = await Promise.all(replicas.map((r) => r.getAccessToken(stand.account.appId)));
    assert.equal(tokens[0], tokens[1]);
    assert.equal(stand.sim.state.tokens.stats(stand.account.appId).issued, 1);
  });

  it('sends a template message and returns its msgid; the simulator recorded it once', async () => {
    const api = client();
    const { msgid } = await api.sendTemplate(stand.account.appId, {
      touser: 'o-follower-1',
      template_id: templateId,
      data: { first: { value: 'hello' }, keyword1: { value: '42' } },
    });
    assert.match(msgid, /^\d+$/);
    const sends = stand.sim.state.templateSends(stand.account.appId);
    assert.equal(sends.length, 1);
    assert.equal(String(sends[0]!.msgid), msgid);
  });

  it('a business errcode is a typed error with its meaning, sent once, never failed over', async () => {
    const api = client();
    await assert.rejects(api.call(stand.account.appId, 'getMenu'), (error: unknown) => {
      assert.ok(error instanceof WeChatApiError);
      assert.equal(error.errcode, 46003);
      assert.equal(error.kind, 'request');
      assert.ok(error.meaning.length > 0);
      assert.match(error.errmsg, /rid:/);
      return true;
    });
    assert.deepEqual(api.hostsCoolingDown(), []);
  });

  it('works embedded, on the in-process coordination', async () => {
    const coordination = stand.memory();
    const tokens = await Promise.all(
      [client({}, coordination), client({}, coordination)].map((r) => r.getAccessToken(stand.account.appId)),
    );
    assert.equal(tokens[0], tokens[1]);
    assert.equal(stand.sim.state.tokens.stats(stand.account.appId).issued, 1);
  });

  it('shares the jsapi_ticket too; a ticket the page refused is refreshed once', async () => {
    const replicas = [client(), client()];
    const tickets = await Promise.all(replicas.map((r) => r.getJsapiTicket(stand.account.appId)));
    assert.equal(tickets[0], tickets[1]);
    const coordination = stand.redis();
    const before = await coordination.readCredential(`wx:ticket:${stand.account.appId}`);
    const again = await replicas[1]!.invalidateJsapiTicket(stand.account.appId, tickets[0]!);
    const after = await coordination.readCredential(`wx:ticket:${stand.account.appId}`);
    assert.equal(typeof again, 'string');
    assert.equal(after.generation, before.generation + 1, 'one refresh');
    assert.equal(
      await replicas[0]!.invalidateJsapiTicket(stand.account.appId, 'an-older-ticket'),
      again,
      'nothing to do',
    );
    assert.equal((await coordination.readCredential(`wx:ticket:${stand.account.appId}`)).generation, after.generation);
  });

  it('bad input: an unknown API, a multipart API, an account without a secret — each a clear error', async () => {
    const api = client();
    await assert.rejects(api.call(stand.account.appId, 'noSuchApi' as 'getMenu'), /unknown WeChat API "noSuchApi"/);
    await assert.rejects(api.call(stand.account.appId, 'uploadTempMedia'), /multipart upload/);
    await assert.rejects(api.getAccessToken('wx-not-an-account'), (error: unknown) => {
      assert.ok(error instanceof WeChatUnavailableError);
      assert.match(error.message, /no account wx-not-an-account/);
      return true;
    });
  });

  it('records a span and metrics per API and errcode', async () => {
    const telemetry = createTelemetry({ service: 'wxclient-test', traceSampleRatio: 1, registerGlobalTracer: false });
    try {
      const api = createWeChatApiClient(stand.config(), {
        coordination: stand.redis(),
        secrets: stand.secrets,
        telemetry,
      });
      clients.push(api);
      await api.call(stand.account.appId, 'getFollowers');
      await api.call(stand.account.appId, 'getMenu').catch(() => undefined);
      const text = await scrape(telemetry);
      assert.match(text, /mpstack_wechat_api_calls_total\{[^}]*api="getFollowers"[^}]*errcode="0"[^}]*\} 1/);
      assert.match(text, /mpstack_wechat_api_calls_total\{[^}]*api="getMenu"[^}]*errcode="46003"[^}]*\} 1/);
      assert.match(text, /mpstack_wechat_api_duration_seconds_count\{[^}]*api="getFollowers"/);
      assert.match(text, /mpstack_wechat_token_refreshes_total\{[^}]*outcome="stored"[^}]*\} 1/);
    } finally {
      await telemetry.shutdown();
    }
  });

  it('reads its configuration from the environment and names a bad value', () => {
    const config = wechatApiConfigFromEnv({
      MPSTACK_WECHAT_API_BASES: 'https://api.weixin.qq.com, https://api2.weixin.qq.com/',
      MPSTACK_WECHAT_TOKEN_MODE: 'token',
      MPSTACK_WECHAT_RATE_TEMPLATE: '500:1000',
      MPSTACK_WECHAT_RATE_MASS: 'off',
      MPSTACK_WECHAT_DAILY_QUOTAS: 'sendTemplateMessage=1000000',
    });
    assert.deepEqual(config.bases, ['https://api.weixin.qq.com', 'https://api2.weixin.qq.com']);
    assert.equal(config.tokenMode, 'token');
    assert.deepEqual(config.rates, { template: { perSecond: 500, burst: 1000 }, kefu: 'off', mass: 'off' });
    assert.deepEqual(config.dailyQuotas, { sendTemplateMessage: 1_000_000 });
    assert.throws(() => wechatApiConfigFromEnv({ MPSTACK_WECHAT_RATE_KEFU: 'fast' }), /off.*per second/);
    assert.throws(() => wechatApiConfigFromEnv({ MPSTACK_WECHAT_API_BASES: 'ftp://x' }));
  });
});

/** The Prometheus text of a telemetry's metrics, through its own handler. */
async function scrape(telemetry: Telemetry): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const response = {
      statusCode: 200,
      setHeader: () => response,
      writeHead: () => response,
      write: (chunk: string) => {
        text += chunk;
        return true;
      },
      end: (chunk?: string) => {
        text += chunk ?? '';
        resolve(text);
      },
    };
    telemetry.metricsHandler(
      { url: '/metrics', headers: {} } as IncomingMessage,
      response as unknown as ServerResponse,
    );
  });
}
