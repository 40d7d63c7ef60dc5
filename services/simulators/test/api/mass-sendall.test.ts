import assert from 'node:assert/strict';
import { until } from '@mpstack/testkit';
import { testAccount, withCallbackIngress } from '../helpers.js';

const account = testAccount({
  users: [
    { openid: 'o_alice', nickname: 'Alice' },
    { openid: 'o_bob', nickname: 'Bob' },
    { openid: 'o_carol', nickname: 'Carol' },
    { openid: 'o_gone', isSubscribed: false },
  ],
});

describe('simulated mass/sendall, preview, get and delete', () => {
  const stand = withCallbackIngress(account);

  const post = (path: string, body: unknown) => stand.api.post(`/cgi-bin/${path}?access_token=${stand.token}`, body);
  const sendall = (body: Record<string, unknown>) =>
    post('message/mass/sendall', {
      filter: { is_to_all: true },
      msgtype: 'text',
      text: { content: '流量八折' },
      ...body,
    });

  it('sends to every follower and pushes MASSSENDJOBFINISH with the counts', async () => {
    stand.api.state.setBlocking(account.appId, 'o_carol', true);
    const sent = await sendall({});
    assert.equal(sent.errcode, 0);
    assert.equal(sent.errmsg, 'send job submission success');
    const push = await until(() => stand.ingress.pushes[0]);
    assert.equal(push.message.Event, 'MASSSENDJOBFINISH');
    assert.equal(push.message.MsgID, String(sent.msg_id));
    // three followers targeted (o_gone does not follow), all three pass the filter, Carol blocked
    assert.deepEqual(
      [push.message.TotalCount, push.message.FilterCount, push.message.SentCount, push.message.ErrorCount],
      ['3', '3', '2', '1'],
    );
    const status = await post('message/mass/get', { msg_id: String(sent.msg_id) });
    assert.deepEqual(status, { msg_id: sent.msg_id, msg_status: 'SEND_SUCCESS' });
  });

  it('sends to a tag’s followers only, and answers 40152 for a tag the account does not have', async () => {
    const tag = (await post('tags/create', { tag: { name: 'VIP' } })).tag as { id: number };
    await post('tags/members/batchtagging', { openid_list: ['o_alice', 'o_bob'], tagid: tag.id });
    stand.api.state.audience.setSubscribed(account.appId, 'o_bob', false);
    const sent = await sendall({ filter: { is_to_all: false, tag_id: tag.id } });
    assert.equal(sent.errcode, 0);
    const record = stand.api.state.massSends().find((s) => s.msgId === sent.msg_id);
    assert.deepEqual(record?.touser, ['o_alice']);
    assert.deepEqual(record?.audience, { tagId: tag.id });
    const push = await until(() => stand.ingress.pushes[0]);
    assert.equal(push.message.TotalCount, '1');
    assert.equal((await sendall({ filter: { is_to_all: false, tag_id: 4242 } })).errcode, 40152);
    assert.equal((await sendall({ filter: undefined })).errcode, 47001);
  });

  it('keeps clientmsgid idempotency (45066 then 45065 with the msg_id) and the type checks (40008, 45113)', async () => {
    const first = await sendall({ clientmsgid: 'campaign-2025-01' });
    assert.equal((await sendall({ clientmsgid: 'campaign-2025-01' })).errcode, 45066);
    stand.api.clock.advance(60_000);
    const again = await sendall({ clientmsgid: 'campaign-2025-01' });
    assert.equal(again.errcode, 45065);
    assert.equal(again.msg_id, first.msg_id);
    assert.equal((await sendall({ clientmsgid: 'x'.repeat(65) })).errcode, 45067);
    assert.equal((await sendall({ msgtype: 'wxcard', wxcard: { card_id: 'c' } })).errcode, 45113);
    assert.equal((await sendall({ msgtype: 'hologram' })).errcode, 40008);
    assert.equal(stand.api.state.massSends().length, 1, 'refused sends are not recorded');
  });

  it('counts sendall and mass/send against the same 60 requests a minute (45011)', async () => {
    stand.api.state.setLimits({ massPerMinute: 2 });
    assert.equal((await sendall({})).errcode, 0);
    assert.equal((await post('message/mass/send', { touser: ['o_alice', 'o_bob'], msgtype: 'text' })).errcode, 0);
    assert.equal((await sendall({})).errcode, 45011);
  });

  it('filters users past 4 mass messages this month (FilterCount) and reports send fail when nobody can get one', async () => {
    stand.api.state.setLimits({ massPerUserMonthly: 1 });
    await sendall({});
    const second = await sendall({});
    const push = await until(() => stand.ingress.pushes.find((p) => p.message.MsgID === String(second.msg_id)));
    assert.deepEqual([push.message.TotalCount, push.message.FilterCount, push.message.Status], ['3', '0', 'send fail']);
    assert.equal((await post('message/mass/get', { msg_id: second.msg_id })).msg_status, 'SEND_FAIL');
  });

  it('deletes a send (mass/get then says DELETE), 40059 for an unknown msg_id, 40060 for a bad article_idx', async () => {
    const sent = await sendall({ msgtype: 'mpnews', mpnews: { media_id: 'MEDIA_ID' } });
    assert.equal((await post('message/mass/delete', { msg_id: sent.msg_id, article_idx: -1 })).errcode, 40060);
    assert.equal((await post('message/mass/delete', { msg_id: sent.msg_id, article_idx: 1 })).errcode, 0);
    assert.equal((await post('message/mass/get', { msg_id: sent.msg_id })).msg_status, 'SEND_SUCCESS');
    assert.equal((await post('message/mass/delete', { msg_id: sent.msg_id })).errcode, 0);
    assert.equal((await post('message/mass/get', { msg_id: sent.msg_id })).msg_status, 'DELETE');
    assert.equal((await post('message/mass/delete', { msg_id: 1 })).errcode, 40059);
    assert.equal((await post('message/mass/delete', {})).errcode, 40059);
    assert.equal((await post('message/mass/get', { msg_id: 'abc' })).errcode, 40059);
    const text = await sendall({});
    assert.equal((await post('message/mass/delete', { msg_id: text.msg_id, article_idx: 1 })).errcode, 40060);
  });

  it('previews to one follower or WeChat id: 40003 stranger, 43004 unfollowed, 100 a day (45009)', async () => {
    const preview = (body: Record<string, unknown>) =>
      post('message/mass/preview', { msgtype: 'text', text: { content: '预览' }, ...body });
    assert.equal((await preview({ touser: 'o_alice' })).errcode, 0);
    assert.equal((await preview({ towxname: 'wxid_someone' })).errcode, 0);
    assert.equal((await preview({ touser: 'o_stranger' })).errcode, 40003);
    assert.equal((await preview({ touser: 'o_gone' })).errcode, 43004);
    for (let i = 2; i < 100; i++) await preview({ touser: 'o_alice' });
    assert.equal((await preview({ touser: 'o_alice' })).errcode, 45009);
    assert.equal(stand.api.state.massSends().length, 0, 'a preview is not a mass send');
  });
});
