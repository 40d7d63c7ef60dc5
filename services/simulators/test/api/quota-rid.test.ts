import assert from 'node:assert/strict';
import { startApi, testAccount, withApi } from '../helpers.js';

const account = testAccount();
const other = testAccount({ id: 'other', appId: 'wxother0000000001', appSecret: 'secret-other' });

/** The rid an error answer's errmsg ends with. */
function ridOf(answer: Record<string, unknown>): string {
  const rid = / rid: (\S+)$/.exec(String(answer.errmsg))?.[1];
  assert.ok(rid !== undefined, `no rid in ${JSON.stringify(answer)}`);
  return rid;
}

describe('simulated API management (clear_quota, openapi/quota/get, openapi/rid/get, callback/check, mass speed)', () => {
  const stand = withApi([account, other], { callbackBaseUrl: 'http://127.0.0.1:9' });

  const post = (path: string, body: unknown, accessToken = stand.token) =>
    stand.api.post(`/cgi-bin/${path}?access_token=${accessToken}`, body);
  const quotaOf = async (cgiPath: string) => (await post('openapi/quota/get', { cgi_path: cgiPath })).quota;

  it('reports the daily limit, today’s successful calls and what remains, from the simulator’s own limits', async () => {
    const answer = await post('openapi/quota/get', { cgi_path: '/cgi-bin/token' });
    assert.equal(answer.errcode, 0);
    assert.deepEqual(answer.quota, { daily_limit: 2000, used: 1, remain: 1999 }, 'the harness fetched one token');
    assert.deepEqual(answer.rate_limit, { call_count: 0, refresh_second: 0 });
    assert.deepEqual(answer.component_rate_limit, { call_count: 0, refresh_second: 0 });
    const mass = await post('openapi/quota/get', { cgi_path: '/cgi-bin/message/mass/sendall' });
    assert.deepEqual(mass.rate_limit, { call_count: 60, refresh_second: 60 });
    assert.deepEqual(await quotaOf('/cgi-bin/tags/get'), { daily_limit: 0, used: 0, remain: 0 }, 'no daily limit');
  });

  it('counts calls against a quota set for the API; clear_quota sets the day’s counts back to 0', async () => {
    stand.api.state.faults.setQuota({ api: '/cgi-bin/tags/get', daily: 2 });
    for (let call = 0; call < 2; call += 1)
      assert.ok(Array.isArray((await stand.api.get(`/cgi-bin/tags/get?access_token=${stand.token}`)).tags));
    assert.equal((await stand.api.get(`/cgi-bin/tags/get?access_token=${stand.token}`)).errcode, 45009);
    assert.deepEqual(await quotaOf('/cgi-bin/tags/get'), { daily_limit: 2, used: 2, remain: 0 });
    assert.deepEqual(await post('clear_quota', { appid: account.appId }), { errcode: 0, errmsg: 'ok' });
    assert.deepEqual(await quotaOf('/cgi-bin/tags/get'), { daily_limit: 2, used: 0, remain: 2 });
    assert.ok(Array.isArray((await stand.api.get(`/cgi-bin/tags/get?access_token=${stand.token}`)).tags));
    assert.deepEqual(await quotaOf('/cgi-bin/tags/get'), { daily_limit: 2, used: 1, remain: 1 });
  });

  it('refuses a cgi_path it does not serve or that is not a bare path (76021), and a user’s OAuth token (76022)', async () => {
    for (const cgiPath of [
      undefined,
      '',
      'cgi-bin/token',
      'https://api.weixin.qq.com/cgi-bin/token',
      '/cgi-bin/nope',
    ]) {
      assert.equal((await post('openapi/quota/get', { cgi_path: cgiPath })).errcode, 76021, String(cgiPath));
    }
    assert.equal((await post('openapi/quota/get', '')).errcode, 44002);
    assert.equal((await stand.api.post('/cgi-bin/openapi/quota/get', { cgi_path: '/cgi-bin/token' })).errcode, 41001);
    const code = stand.api.state.oauth.issueCode({ appId: account.appId, openid: 'o_alice', scope: 'snsapi_base' });
    const sns = stand.api.state.oauth.exchangeCode(account.appId, code);
    assert.ok(typeof sns === 'object');
    assert.equal((await post('openapi/quota/get', { cgi_path: '/cgi-bin/token' }, sns.accessToken)).errcode, 76022);
  });

  it('clear_quota: the token’s own appid only (40013); 10 a month shared with v2 by default, then 48006', async () => {
    assert.equal((await post('clear_quota', { appid: other.appId })).errcode, 40013);
    assert.equal((await post('clear_quota', {})).errcode, 40013);
    assert.equal((await stand.api.post('/cgi-bin/clear_quota', { appid: account.appId })).errcode, 41001);
    stand.api.state.setLimits({ clearQuotaMonthly: 2 });
    assert.equal((await post('clear_quota', { appid: account.appId })).errcode, 0);
    const v2 = { appid: account.appId, appsecret: account.appSecret };
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', v2)).errcode, 0);
    assert.equal((await post('clear_quota', { appid: account.appId })).errcode, 48006);
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', v2)).errcode, 48006);
    const otherV2 = { appid: other.appId, appsecret: other.appSecret };
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', otherV2)).errcode, 0, 'the budget is per account');
    stand.api.clock.advance(32 * 86_400_000);
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', v2)).errcode, 0, 'a new Beijing month');
  });

  it('clear_quota/v2 authenticates with appid and appsecret (body or query) and lifts the token fetch quota', async () => {
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', {})).errcode, 41002);
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', { appid: account.appId })).errcode, 41004);
    assert.equal(
      (await stand.api.post('/cgi-bin/clear_quota/v2', { appid: 'wxnobody', appsecret: 'x' })).errcode,
      40013,
    );
    assert.equal(
      (await stand.api.post('/cgi-bin/clear_quota/v2', { appid: account.appId, appsecret: 'x' })).errcode,
      40125,
    );
    assert.equal((await stand.api.post('/cgi-bin/clear_quota/v2', '{')).errcode, 47001);
    stand.api.state.setLimits({ tokenDailyQuota: 1 });
    const fetchQuery = `grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`;
    assert.equal((await stand.api.get(`/cgi-bin/token?${fetchQuery}`)).errcode, 45009);
    const query = `appid=${account.appId}&appsecret=${account.appSecret}`;
    assert.equal((await stand.api.post(`/cgi-bin/clear_quota/v2?${query}`, '')).errcode, 0);
    assert.equal(typeof (await stand.api.get(`/cgi-bin/token?${fetchQuery}`)).access_token, 'string');
  });

  it('openapi/rid/get returns what the simulator recorded of a call it answered with that rid', async () => {
    const failed = await post('tags/delete', { tag: { id: 999 } });
    assert.equal(failed.errcode, 45159);
    const answer = await post('openapi/rid/get', { rid: ridOf(failed) });
    assert.equal(answer.errcode, 0);
    const request = answer.request as Record<string, unknown>;
    assert.equal(request.request_url, `access_token=${stand.token}`);
    assert.equal(request.request_body, JSON.stringify({ tag: { id: 999 } }));
    assert.deepEqual(JSON.parse(String(request.response_body)), failed);
    assert.equal(request.client_ip, '127.0.0.1');
    assert.equal(request.invoke_time, Math.floor(stand.api.clock.now() / 1000));
    assert.equal(request.cost_in_ms, 0, 'the test clock is frozen');
    // A template send is answered ahead of Express (the hot path): its rids are recorded too.
    const send = await post('message/template/send', { touser: 'o_alice', template_id: 'nope', data: {} });
    const sent = (await post('openapi/rid/get', { rid: ridOf(send) })).request as Record<string, unknown>;
    assert.equal(JSON.parse(String(sent.request_body)).template_id, 'nope');
  });

  it('openapi/rid/get: 76002 empty or malformed, 76001 unknown or older than 7 days, 76003 another account’s', async () => {
    for (const rid of [undefined, '', 'not-a-rid', 42]) {
      assert.equal((await post('openapi/rid/get', { rid })).errcode, 76002, String(rid));
    }
    assert.equal((await post('openapi/rid/get', { rid: '61725984-6126f6f9-040f19c4' })).errcode, 76001);
    const rid = ridOf(await post('tags/delete', { tag: { id: 999 } }));
    const otherToken = await stand.api.token(other);
    assert.equal((await post('openapi/rid/get', { rid }, otherToken)).errcode, 76003);
    stand.api.clock.advance(7 * 86_400_000 + 1000);
    const later = await stand.api.token(account);
    assert.equal((await post('openapi/rid/get', { rid }, later)).errcode, 76001);
  });

  it('callback/check answers dns and ping for 127.0.0.1; 40202 bad action, 40203 bad operator', async () => {
    const all = await post('callback/check', { action: 'all', check_operator: 'UNICOM' });
    assert.deepEqual(all, {
      dns: [{ ip: '127.0.0.1', real_operator: 'UNICOM' }],
      ping: [{ ip: '127.0.0.1', from_operator: 'UNICOM', package_loss: '0%', time: '0.000ms' }],
    });
    const dns = await post('callback/check', { action: 'dns', check_operator: 'DEFAULT' });
    assert.deepEqual(dns, { dns: [{ ip: '127.0.0.1', real_operator: 'CHINANET' }], ping: [] });
    assert.deepEqual((await post('callback/check', { action: 'ping', check_operator: 'CAP' })).dns, []);
    assert.equal((await post('callback/check', { action: 'trace', check_operator: 'CAP' })).errcode, 40202);
    assert.equal((await post('callback/check', { check_operator: 'CAP' })).errcode, 40202);
    assert.equal((await post('callback/check', { action: 'all', check_operator: 'MOBILE' })).errcode, 40203);
  });

  it('callback/check: 40201 when the account has no callback URL', async () => {
    const bare = await startApi([account]);
    try {
      const bareToken = await bare.token(account);
      const answer = await bare.post(`/cgi-bin/callback/check?access_token=${bareToken}`, {
        action: 'all',
        check_operator: 'DEFAULT',
      });
      assert.equal(answer.errcode, 40201);
    } finally {
      await bare.close();
    }
  });

  it('mass speed: get answers the level set/set stored and its realspeed; 45084 missing, 45083 not 0–4', async () => {
    assert.deepEqual(await post('message/mass/speed/get', ''), { speed: 0, realspeed: 80 }, 'no body needed');
    assert.deepEqual(await post('message/mass/speed/set', { speed: 3 }), { errcode: 0, errmsg: '' });
    assert.deepEqual(await post('message/mass/speed/get', {}), { speed: 3, realspeed: 30 });
    assert.equal((await post('message/mass/speed/set', { speed: 4 })).errcode, 0);
    assert.deepEqual(await post('message/mass/speed/get', {}), { speed: 4, realspeed: 10 });
    assert.equal((await post('message/mass/speed/set', {})).errcode, 45084);
    assert.equal((await post('message/mass/speed/set', { speed: null })).errcode, 45084);
    for (const speed of [5, -1, 1.5, '2']) {
      assert.equal((await post('message/mass/speed/set', { speed })).errcode, 45083, String(speed));
    }
    const otherToken = await stand.api.token(other);
    assert.deepEqual(await post('message/mass/speed/get', {}, otherToken), { speed: 0, realspeed: 80 }, 'per account');
  });
});
