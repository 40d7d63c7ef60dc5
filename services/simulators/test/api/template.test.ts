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
