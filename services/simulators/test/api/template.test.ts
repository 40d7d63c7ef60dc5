import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import {
  type ApiHarness,
  fakeIngress,
  type Listening,
  type Received,
  safeAccount,
  startApi,
  testAccount,
} from '../helpers.js';

const plain = testAccount();
const safe = safeAccount();

describe('simulated /cgi-bin/message/template/send', () => {
  let ingress: Listening & { readonly pushes: Received[] };
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    ingress = await fakeIngress([plain, safe], (_req, res) => {
      res.end('success');
    });
    api = await startApi([plain, safe], { callbackBaseUrl: ingress.url });
    token = await api.token(plain);
  });
  afterEach(async () => {
    await api.close();
    await ingress.close();
  });

  const send = (body: Record<string, unknown>, accessToken = token) =>
    api.post(`/cgi-bin/message/template/send?access_token=${accessToken}`, {
      touser: 'o_alice',
      template_id: 'tpl-order',
      data: { keyword1: { value: '巧克力' } },
      ...body,
    });

  it('returns a msgid and pushes a signed TEMPLATESENDJOBFINISH with MsgID (capital D)', async () => {
    const body = await send({});
    assert.equal(body.errcode, 0);
    assert.equal(typeof body.msgid, 'number');
    const push = await until(() => ingress.pushes[0]);
    assert.equal(push.isSignatureValid, true);
    assert.equal(push.query.get('openid'), 'o_alice');
    assert.equal(push.message.Event, 'TEMPLATESENDJOBFINISH');
    assert.equal(push.message.MsgID, String(body.msgid));
    assert.equal(push.message.MsgId, undefined);
    assert.equal(push.message.Status, 'success');
    assert.equal(push.message.ToUserName, 'gh_demo');
    const record = await until(() => api.state.templateSends().find((s) => s.callback === 'delivered'));
    assert.deepEqual(record.callbackStatuses, [200]);
  });

  it('encrypts the callback for an account in safe mode and reports failed:user block for blocking users', async () => {
    api.state.setBlocking(safe.appId, 'o_bob', true);
    const safeToken = await api.token(safe);
    const body = await send({ touser: 'o_bob' }, safeToken);
    assert.equal(body.errcode, 0);
    const push = await until(() => ingress.pushes[0]);
    assert.equal(push.query.get('encrypt_type'), 'aes');
    assert.equal(push.isMsgSignatureValid, true);
    assert.doesNotMatch(push.body, /TEMPLATESENDJOBFINISH/, 'safe mode body is ciphertext only');
    assert.equal(push.message.Status, 'failed:user block');
    assert.equal(push.message.MsgID, String(body.msgid));
  });

  it('refuses an unknown template with 40037, a stranger with 40003 and an unfollowed user with 43004', async () => {
    assert.equal((await send({ template_id: 'nope' })).errcode, 40037);
    assert.equal((await send({ touser: 'o_stranger' })).errcode, 40003);
    api.state.audience.setSubscribed(plain.appId, 'o_bob', false);
    assert.equal((await send({ touser: 'o_bob' })).errcode, 43004);
  });

  it('sends once per client_msg_id within 10 minutes', async () => {
    const first = await send({ client_msg_id: 'order-1' });
    const again = await send({ client_msg_id: 'order-1' });
    assert.equal(again.msgid, first.msgid);
    assert.equal(api.state.templateSends().length, 1);
    api.clock.advance(600_000);
    assert.notEqual((await send({ client_msg_id: 'order-1' })).msgid, first.msgid);
  });

  it('forgets a client_msg_id once its 10 minutes passed: it keeps one window of them, not the whole run', async () => {
    const first = await send({ client_msg_id: 'order-1' });
    api.clock.advance(300_000);
    await send({ client_msg_id: 'order-2' });
    assert.equal(api.state.templates.clientIds.size, 2);
    api.clock.advance(300_000);
    const third = await send({ client_msg_id: 'order-3' });
    assert.equal(api.state.templates.clientIds.size, 2, 'order-1 forgotten as order-3 was remembered');
    const again = await send({ client_msg_id: 'order-1' });
    assert.notEqual(again.msgid, first.msgid, 'order-1 sent again after its window');
    assert.equal((await send({ client_msg_id: 'order-1' })).msgid, again.msgid, 'and once within its new window');
    assert.equal((await send({ client_msg_id: 'order-3' })).msgid, third.msgid);
    api.clock.advance(600_000);
    await send({ client_msg_id: 'order-4' });
    assert.equal(api.state.templates.clientIds.size, 1);
  });

  it('enforces the daily quota with 45009', async () => {
    api.state.setLimits({ templateDailyQuota: 2 });
    assert.equal((await send({})).errcode, 0);
    assert.equal((await send({})).errcode, 0);
    assert.equal((await send({})).errcode, 45009);
  });

  it('rejects protected calls without a valid token', async () => {
    assert.equal((await send({}, '')).errcode, 41001);
  });
});

describe('simulated template sends as /_sim keeps them', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([plain], { keptTemplateSends: 3 });
    token = await api.token(plain);
  });
  afterEach(async () => {
    await api.close();
  });

  const sendTo = (touser: string) =>
    api.post(`/cgi-bin/message/template/send?access_token=${token}`, {
      touser,
      template_id: 'tpl-order',
      data: { keyword1: { value: '巧克力' } },
    });

  it('keeps the latest sends whole and counts every send per openid', async () => {
    const msgids: unknown[] = [];
    for (const touser of ['o_alice', 'o_bob', 'o_alice', 'o_bob', 'o_alice']) msgids.push((await sendTo(touser)).msgid);
    assert.deepEqual(
      api.state.templateSends(plain.appId).map((send) => send.msgid),
      msgids.slice(2),
      'the latest 3, oldest first',
    );
    const listed = await api.get(`/_sim/accounts/${plain.id}/template-sends`);
    assert.equal((listed.sends as unknown[]).length, 3);
    assert.equal(listed.total, 5);
    assert.deepEqual(await api.get(`/_sim/accounts/${plain.id}/template-sends/per-openid`), {
      total: 5,
      perOpenid: { o_alice: 3, o_bob: 2 },
    });
    api.state.reset();
    assert.deepEqual(await api.get(`/_sim/accounts/${plain.id}/template-sends/per-openid`), {
      total: 0,
      perOpenid: {},
    });
    assert.deepEqual(api.state.templateSends(), []);
  });
});
