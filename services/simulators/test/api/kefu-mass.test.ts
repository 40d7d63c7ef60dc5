import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulated /cgi-bin/message/custom/send', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const kefu = (body: Record<string, unknown>) =>
    api.post(`/cgi-bin/message/custom/send?access_token=${token}`, {
      touser: 'o_alice',
      msgtype: 'text',
      text: { content: '您好 👋' },
      ...body,
    });

  it('refuses with 45015 when the user never interacted', async () => {
    assert.equal((await kefu({})).errcode, 45015);
  });

  it('allows 5 messages per user message within 48 h, then 45047; after 48 h 45015', async () => {
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'text' });
    for (let i = 0; i < 5; i++) assert.equal((await kefu({})).errcode, 0, `message ${i}`);
    assert.equal((await kefu({})).errcode, 45047);
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'text' });
    api.clock.advance(48 * 3600_000);
    token = await api.token(account);
    assert.equal((await kefu({})).errcode, 45015);
  });

  it('opens 3 messages within 1 minute after a menu click', async () => {
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'event', Event: 'CLICK' });
    for (let i = 0; i < 3; i++) assert.equal((await kefu({})).errcode, 0);
    assert.equal((await kefu({})).errcode, 45047);
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'event', Event: 'CLICK' });
    api.clock.advance(60_000);
    assert.equal((await kefu({})).errcode, 45015);
  });

  it('closes the window on unsubscribe (45015) and honours a configurable quota', async () => {
    api.state.setLimits({ kefuPerUserMessage: 20 });
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'text' });
    for (let i = 0; i < 20; i++) assert.equal((await kefu({})).errcode, 0);
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'event', Event: 'unsubscribe' });
    assert.equal((await kefu({})).errcode, 45015);
  });

  it('refuses news with more than one article with 45008', async () => {
    api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'text' });
    const article = { title: 't', description: 'd', url: 'https://example.com', picurl: 'https://example.com/p.png' };
    const body = await kefu({ msgtype: 'news', news: { articles: [article, article] } });
    assert.equal(body.errcode, 45008);
  });

  it('stores accepted messages in the user inbox, readable through /_sim', async () => {
    api.state.recordInteraction(account.appId, 'o_alice', 'message');
    await kefu({});
    const inbox = await api.get(`/_sim/accounts/${account.id}/inbox/o_alice`);
    const messages = inbox.messages as Array<{ body: { text: { content: string } } }>;
    assert.equal(messages[0]?.body.text.content, '您好 👋');
  });

  it('answers 40003 for an unknown openid and 40008 for an unknown msgtype', async () => {
    assert.equal((await kefu({ touser: 'o_nobody' })).errcode, 40003);
    assert.equal((await kefu({ msgtype: 'hologram' })).errcode, 40008);
  });
});

describe('simulated /cgi-bin/message/mass/send', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const mass = (body: Record<string, unknown>) =>
    api.post(`/cgi-bin/message/mass/send?access_token=${token}`, {
      touser: ['o_alice', 'o_bob'],
      msgtype: 'text',
      text: { content: 'hello' },
      ...body,
    });

  it('accepts a job and returns msg_id, and msg_data_id for articles only (massSendAll notes)', async () => {
    const body = await mass({ msgtype: 'text', text: { content: '你好' } });
    assert.equal(body.errcode, 0);
    assert.equal(body.errmsg, 'send job submission success');
    assert.equal(typeof body.msg_id, 'number');
    assert.equal(body.msg_data_id, undefined);
    const article = await mass({ msgtype: 'mpnews', mpnews: { media_id: 'MEDIA_ID' } });
    assert.equal(typeof article.msg_data_id, 'number');
  });

  it('answers a repeated clientmsgid with 45066 within a minute, then 45065 with the existing msgid for 24 h', async () => {
    const first = await mass({ clientmsgid: 'send_tag_2' });
    assert.equal((await mass({ clientmsgid: 'send_tag_2' })).errcode, 45066);
    api.clock.advance(60_000);
    const duplicate = await mass({ clientmsgid: 'send_tag_2' });
    assert.equal(duplicate.errcode, 45065);
    assert.equal(duplicate.msgid, first.msg_id);
    api.clock.advance(86_400_000);
    token = await api.token(account);
    assert.equal((await mass({ clientmsgid: 'send_tag_2' })).errcode, 0);
  });

  it('refuses a clientmsgid over 64 bytes with 45067 and fewer than 2 openids with 40130', async () => {
    assert.equal((await mass({ clientmsgid: 'x'.repeat(65) })).errcode, 45067);
    assert.equal((await mass({ touser: ['o_alice'] })).errcode, 40130);
  });

  it('limits requests to 60 a minute with 45011', async () => {
    api.state.setLimits({ massPerMinute: 2 });
    await mass({});
    await mass({});
    assert.equal((await mass({})).errcode, 45011);
    api.clock.advance(60_000);
    assert.equal((await mass({})).errcode, 0);
  });
});
