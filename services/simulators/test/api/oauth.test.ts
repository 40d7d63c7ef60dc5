import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulated web authorisation (OAuth2)', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi([account]);
  });
  afterEach(() => api.close());

  async function authorize(scope: string, openid?: string): Promise<URL> {
    const query = new URLSearchParams({
      appid: account.appId,
      redirect_uri: 'https://app.example.com/cb?x=1',
      response_type: 'code',
      scope,
      state: 'st-1',
      ...(openid === undefined ? {} : { sim_openid: openid }),
    });
    const response = await fetch(`${api.url}/connect/oauth2/authorize?${query.toString()}#wechat_redirect`, {
      redirect: 'manual',
    });
    assert.equal(response.status, 302);
    return new URL(response.headers.get('location') ?? '');
  }

  const exchange = (code: string) =>
    api.get(
      `/sns/oauth2/access_token?appid=${account.appId}&secret=${account.appSecret}&code=${code}&grant_type=authorization_code`,
    );

  it('redirects with code and state, and the code works exactly once (40163 on reuse)', async () => {
    const target = await authorize('snsapi_base', 'o_bob');
    assert.equal(target.origin + target.pathname, 'https://app.example.com/cb');
    assert.equal(target.searchParams.get('x'), '1');
    assert.equal(target.searchParams.get('state'), 'st-1');
    const code = target.searchParams.get('code') ?? '';
    const tokens = await exchange(code);
    assert.equal(tokens.openid, 'o_bob');
    assert.equal(tokens.scope, 'snsapi_base');
    assert.equal(tokens.expires_in, 7200);
    assert.equal((await exchange(code)).errcode, 40163);
  });

  it('answers 40029 for unknown and expired codes', async () => {
    assert.equal((await exchange('nonexistent')).errcode, 40029);
    const code = (await authorize('snsapi_base')).searchParams.get('code') ?? '';
    api.clock.advance(300_000);
    assert.equal((await exchange(code)).errcode, 40029);
  });

  it('serves /sns/userinfo with an emoji nickname for snsapi_userinfo only', async () => {
    const userCode = (await authorize('snsapi_userinfo', 'o_alice')).searchParams.get('code') ?? '';
    const tokens = await exchange(userCode);
    assert.equal(tokens.unionid, 'u_alice');
    const info = await api.get(`/sns/userinfo?access_token=${String(tokens.access_token)}&openid=o_alice&lang=zh_CN`);
    assert.equal(info.nickname, 'Alice 🌸');
    assert.equal(info.sex, 0);
    const baseCode = (await authorize('snsapi_base', 'o_alice')).searchParams.get('code') ?? '';
    const base = await exchange(baseCode);
    assert.equal(
      (await api.get(`/sns/userinfo?access_token=${String(base.access_token)}&openid=o_alice`)).errcode,
      48001,
    );
  });

  it('refreshes the sns token with the refresh_token; unknown refresh tokens get 40030', async () => {
    const code = (await authorize('snsapi_userinfo')).searchParams.get('code') ?? '';
    const tokens = await exchange(code);
    api.clock.advance(7200_000);
    const expired = await api.get(`/sns/userinfo?access_token=${String(tokens.access_token)}&openid=o_alice`);
    assert.equal(expired.errcode, 42001);
    const refreshed = await api.get(
      `/sns/oauth2/refresh_token?appid=${account.appId}&grant_type=refresh_token&refresh_token=${String(tokens.refresh_token)}`,
    );
    assert.notEqual(refreshed.access_token, tokens.access_token);
    const bad = await api.get(
      `/sns/oauth2/refresh_token?appid=${account.appId}&grant_type=refresh_token&refresh_token=x`,
    );
    assert.equal(bad.errcode, 40030);
  });

  it('shows an error page for an unknown appid or scope', async () => {
    const response = await fetch(
      `${api.url}/connect/oauth2/authorize?appid=wxnope&redirect_uri=https%3A%2F%2Fa.com&response_type=code&scope=snsapi_base`,
      { redirect: 'manual' },
    );
    assert.equal(response.status, 400);
    const badScope = await fetch(
      `${api.url}/connect/oauth2/authorize?appid=${account.appId}&redirect_uri=https%3A%2F%2Fa.com&response_type=code&scope=nope`,
      { redirect: 'manual' },
    );
    assert.equal(badScope.status, 400);
  });
});
