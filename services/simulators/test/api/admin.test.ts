import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulator controls (/_sim)', () => {
  let api: ApiHarness;
  beforeEach(async () => {
    api = await startApi([account]);
  });
  afterEach(() => api.close());

  async function call(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
    const response = await fetch(`${api.url}${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, json: await response.json() };
  }

  it('changes only known numeric limits', async () => {
    const { json } = await call('PATCH', '/_sim/limits', { kefuPerUserMessage: 20, bogus: 1, massPerMinute: 'x' });
    assert.equal((json as { kefuPerUserMessage: number }).kefuPerUserMessage, 20);
    assert.equal(api.state.limits.massPerMinute, 60);
    assert.equal((json as Record<string, unknown>).bogus, undefined);
  });

  it('marks users blocking, lists template sends and answers 404 for an unknown account', async () => {
    await call('POST', `/_sim/accounts/${account.id}/users/o_bob/blocking`, { isBlocking: true });
    assert.equal(api.state.audience.get(account.appId, 'o_bob')?.isBlocking, true);
    const token = await api.token(account);
    await api.post(`/cgi-bin/message/template/send?access_token=${token}`, {
      touser: 'o_bob',
      template_id: 'tpl-order',
    });
    const sends = (await call('GET', `/_sim/accounts/${account.appId}/template-sends`)).json as {
      sends: Array<{ status: string; callback: string }>;
    };
    assert.equal(sends.sends[0]?.status, 'failed:user block');
    assert.equal(sends.sends[0]?.callback, 'skipped', 'no callback URL configured');
    assert.equal((await call('GET', '/_sim/accounts/nope/template-sends')).status, 404);
  });

  it('opens a kefu window on demand and resets everything', async () => {
    await call('POST', `/_sim/accounts/${account.id}/users/o_alice/interactions`, { kind: 'event' });
    assert.equal(api.state.audience.consumeKefu(account.appId, 'o_alice'), 0);
    await call('POST', `/_sim/accounts/${account.id}/followers`, { openid: 'o_new', nickname: '新人 🐣' });
    assert.equal(api.state.audience.get(account.appId, 'o_new')?.nickname, '新人 🐣');
    assert.equal((await call('POST', `/_sim/accounts/${account.id}/followers`, { nickname: 'x' })).status, 400);
    await call('POST', '/_sim/reset');
    assert.equal(api.state.audience.get(account.appId, 'o_new'), undefined);
    assert.equal(api.state.audience.consumeKefu(account.appId, 'o_alice'), 45015);
  });

  it('learns from a message sent outside it: a text opens the 48 h window, unsubscribe ends the follow', async () => {
    const post = (xml: string) =>
      fetch(`${api.url}/_sim/accounts/${account.appId}/inbound`, {
        method: 'POST',
        headers: { 'content-type': 'text/xml' },
        body: xml,
      });
    assert.equal(api.state.audience.consumeKefu(account.appId, 'o_cli'), 40003, 'not a follower before the message');
    const text =
      '<xml><ToUserName><![CDATA[gh_x]]></ToUserName><FromUserName><![CDATA[o_cli]]></FromUserName>' +
      '<CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi 👋]]></Content></xml>';
    const recorded = await post(text);
    assert.deepEqual(await recorded.json(), { recorded: true, openid: 'o_cli', msgType: 'text' });
    assert.equal(api.state.audience.consumeKefu(account.appId, 'o_cli'), 0);
    await post(
      '<xml><FromUserName>o_cli</FromUserName><CreateTime>1</CreateTime><MsgType>event</MsgType><Event>unsubscribe</Event></xml>',
    );
    assert.equal(api.state.audience.get(account.appId, 'o_cli')?.isSubscribed, false);
    assert.equal(api.state.audience.consumeKefu(account.appId, 'o_cli'), 45015);
    for (const bad of ['not xml', '<xml><MsgType>text</MsgType></xml>', '<!DOCTYPE x><xml><A>1</A></xml>']) {
      const response = await post(bad);
      assert.equal(response.status, 400, bad);
      assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'bad_request');
    }
    assert.equal((await post(text.replace('o_cli', 'o_other'))).status, 200);
    assert.equal((await fetch(`${api.url}/_sim/accounts/nope/inbound`, { method: 'POST', body: text })).status, 404);
  });

  it('moves the adjustable clock', async () => {
    const { json } = await call('POST', '/_sim/clock/set', { now: 1_800_000_000_000 });
    assert.deepEqual(json, { now: 1_800_000_000_000 });
    assert.equal((await call('POST', '/_sim/clock/advance', { ms: 'soon' })).status, 400);
  });
});
