import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();
const credentials = `grant_type=client_credential&appid=${account.appId}&secret=${account.appSecret}`;

describe('simulated /cgi-bin/token', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi([account]);
  });
  afterEach(() => api.close());

  const menuGet = (token: string) => api.get(`/cgi-bin/menu/get?access_token=${encodeURIComponent(token)}`);

  it('issues long opaque 7200 s tokens', async () => {
    const body = await api.get(`/cgi-bin/token?${credentials}`);
    assert.equal(body.expires_in, 7200);
    assert.ok(String(body.access_token).length >= 150);
  });

  it('refuses bad credentials with 40002, 41002, 41004, 40013 and 40125, errmsg carrying a rid', async () => {
    const cases: Array<[string, number]> = [
      [`grant_type=password&appid=${account.appId}&secret=x`, 40002],
      ['grant_type=client_credential&secret=x', 41002],
      [`grant_type=client_credential&appid=${account.appId}`, 41004],
      ['grant_type=client_credential&appid=wxunknown&secret=x', 40013],
      [`grant_type=client_credential&appid=${account.appId}&secret=wrong`, 40125],
    ];
    for (const [query, errcode] of cases) {
      const body = await api.get(`/cgi-bin/token?${query}`);
      assert.equal(body.errcode, errcode, query);
      assert.match(String(body.errmsg), / rid: [0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$/);
    }
  });

  it('keeps the previous token valid for 5 minutes after a new fetch, then answers 40001', async () => {
    const first = await api.token(account);
    const second = await api.token(account);
    assert.notEqual(first, second);
    assert.equal((await menuGet(first)).errcode, 46003, 'old token still works (no menu yet)');
    api.clock.advance(299_000);
    assert.equal((await menuGet(first)).errcode, 46003);
    api.clock.advance(1_000);
    assert.equal((await menuGet(first)).errcode, 40001);
    assert.equal((await menuGet(second)).errcode, 46003);
  });

  it('expires tokens after 7200 s with 42001', async () => {
    const token = await api.token(account);
    api.clock.advance(7200_000);
    assert.equal((await menuGet(token)).errcode, 42001);
  });

  it('answers 41001 without a token and 40014 for a malformed one', async () => {
    assert.equal((await api.get('/cgi-bin/menu/get')).errcode, 41001);
    assert.equal((await menuGet('not a token!')).errcode, 40014);
    assert.equal((await menuGet('a'.repeat(64))).errcode, 40001);
  });

  it('runs on the configured lifetime and overlap, and counts issued and refused tokens per account', async () => {
    api.state.setLimits({ tokenLifetimeMs: 4_000, tokenOverlapMs: 1_000 });
    const body = await api.get(`/cgi-bin/token?${credentials}`);
    assert.equal(body.expires_in, 4);
    const first = String(body.access_token);
    await api.token(account);
    api.clock.advance(1_000);
    assert.equal((await menuGet(first)).errcode, 40001, 'superseded after the configured overlap');
    const stats = await api.get(`/_sim/accounts/${account.appId}/tokens`);
    assert.deepEqual(stats, { fetches: 2, issued: 2, forced: 0, refused: { 40001: 1 } });
  });

  it('enforces the daily fetch quota with 45009 and resets it at Beijing midnight', async () => {
    api.state.setLimits({ tokenDailyQuota: 2 });
    await api.token(account);
    await api.token(account);
    assert.equal((await api.get(`/cgi-bin/token?${credentials}`)).errcode, 45009);
    api.clock.advance(86_400_000);
    assert.equal((await api.get(`/cgi-bin/token?${credentials}`)).expires_in, 7200);
  });
});

describe('simulated /cgi-bin/stable_token', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi([account]);
  });
  afterEach(() => api.close());

  const stable = (forceRefresh = false) =>
    api.post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: account.appId,
      secret: account.appSecret,
      force_refresh: forceRefresh,
    });

  it('returns the same token while valid, with a decreasing expires_in', async () => {
    const first = await stable();
    api.clock.advance(1000_000);
    const again = await stable();
    assert.equal(again.access_token, first.access_token);
    assert.equal(again.expires_in, 6200);
  });

  it('is isolated from /cgi-bin/token: fetching a normal token does not revoke it', async () => {
    const first = await stable();
    await api.token(account);
    await api.token(account);
    api.clock.advance(600_000);
    const menu = await api.get(`/cgi-bin/menu/get?access_token=${String(first.access_token)}`);
    assert.equal(menu.errcode, 46003);
  });

  it('renews 5 minutes before expiry so expires_in is always >= 300, the old token staying valid', async () => {
    const first = await stable();
    api.clock.advance(6_901_000);
    const renewed = await stable();
    assert.notEqual(renewed.access_token, first.access_token);
    assert.equal(renewed.expires_in, 7200);
    const menu = await api.get(`/cgi-bin/menu/get?access_token=${String(first.access_token)}`);
    assert.equal(menu.errcode, 46003, 'old token usable until its own expiry');
  });

  it('force_refresh revokes the previous token at once', async () => {
    const first = await stable();
    api.clock.advance(31_000);
    const forced = await stable(true);
    assert.notEqual(forced.access_token, first.access_token);
    const menu = await api.get(`/cgi-bin/menu/get?access_token=${String(first.access_token)}`);
    assert.equal(menu.errcode, 40001);
  });

  it('does not refresh again within 30 s of a forced refresh', async () => {
    const forced = await stable(true);
    api.clock.advance(10_000);
    const tooSoon = await stable(true);
    assert.equal(tooSoon.access_token, forced.access_token);
    api.clock.advance(20_000);
    assert.notEqual((await stable(true)).access_token, forced.access_token);
  });

  it('allows 20 forced refreshes a day, then 45009', async () => {
    for (let i = 0; i < 20; i++) {
      assert.ok((await stable(true)).access_token, `refresh ${i}`);
      api.clock.advance(30_000);
    }
    assert.equal((await stable(true)).errcode, 45009);
  });

  it('requires a JSON body (44002 empty, 47001 not JSON) and valid credentials', async () => {
    assert.equal((await api.post('/cgi-bin/stable_token', '')).errcode, 44002);
    assert.equal((await api.post('/cgi-bin/stable_token', 'grant_type=client_credential')).errcode, 47001);
    const wrong = await api.post('/cgi-bin/stable_token', {
      grant_type: 'client_credential',
      appid: account.appId,
      secret: 'nope',
    });
    assert.equal(wrong.errcode, 40125);
  });
});

describe('simulated /cgi-bin/ticket/getticket', () => {
  it('returns a 7200 s jsapi ticket, the same one while valid', async () => {
    const api = await startApi([account]);
    try {
      const token = await api.token(account);
      const first = await api.get(`/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`);
      assert.equal(first.errcode, 0);
      assert.equal(first.expires_in, 7200);
      const again = await api.get(`/cgi-bin/ticket/getticket?access_token=${token}&type=jsapi`);
      assert.equal(again.ticket, first.ticket);
      assert.equal((await api.get(`/cgi-bin/ticket/getticket?access_token=${token}&type=nope`)).errcode, 40097);
    } finally {
      await api.close();
    }
  });
});
