import assert from 'node:assert/strict';
import { testAccount, withCallbackIngress } from '../helpers.js';

const account = testAccount();

describe('simulated subscribe messages (wxaapi/newtmpl/*, message/subscribe/bizsend)', () => {
  const stand = withCallbackIngress(account);
  const get = (path: string) => stand.api.get(`${path}${path.includes('?') ? '&' : '?'}access_token=${stand.token}`);
  const post = (path: string, body: unknown) => stand.api.post(`${path}?access_token=${stand.token}`, body);
  const sim = async (path: string, body: unknown) => {
    const response = await fetch(`${stand.api.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const add = (body: Record<string, unknown> = {}) =>
    post('/wxaapi/newtmpl/addtemplate', { tid: 9001, kidList: [1, 3, 5], sceneDesc: '业务办理后通知', ...body });
  const accept = (openid: string, templateId: string, status = 'accept') =>
    sim(`/_sim/accounts/${account.id}/subscribe-popup`, { openid, templateId, status, scene: 1 });
  const goodData = {
    thing1: { value: '5G畅享套餐变更' },
    time3: { value: '2025年1月6日 10:00' },
    phone_number5: { value: '10086' },
  };
  const bizsend = (body: Record<string, unknown>) =>
    post('/cgi-bin/message/subscribe/bizsend', {
      touser: 'o_alice',
      page: 'https://example.com/order',
      data: goodData,
      ...body,
    });
  const errcode = async (answer: Promise<Record<string, unknown>>) => (await answer).errcode;

  it('lists the categories, their public templates and a template’s keywords with rules', async () => {
    const categories = await get('/wxaapi/newtmpl/getcategory');
    assert.equal(categories.errcode, 0);
    assert.deepEqual(categories.data, [
      { id: 901, name: '通信服务' },
      { id: 902, name: '生活服务' },
    ]);
    const titles = await get('/wxaapi/newtmpl/getpubtemplatetitles?ids=901,902&start=0&limit=2');
    assert.equal(titles.count, 3);
    assert.deepEqual(titles.data, [
      { tid: 9001, title: '业务办理结果通知', type: 2, categoryId: '901' },
      { tid: 9002, title: '话费余额提醒', type: 2, categoryId: '901' },
    ]);
    const rest = await get('/wxaapi/newtmpl/getpubtemplatetitles?ids=902&start=0&limit=30');
    assert.deepEqual(
      (rest.data as { tid: number }[]).map((t) => t.tid),
      [9003],
    );
    const keywords = await get('/wxaapi/newtmpl/getpubtemplatekeywords?tid=9001');
    assert.equal(keywords.count, 6);
    assert.deepEqual((keywords.data as unknown[])[0], {
      kid: 1,
      name: '业务名称',
      example: '5G畅享套餐变更',
      rule: 'thing',
    });
  });

  it('checks getpubtemplatetitles’ ids (200018, 200019), start (200016) and limit ≤ 30 (200017); tid 200014', async () => {
    const titles = (query: string) => errcode(get(`/wxaapi/newtmpl/getpubtemplatetitles?${query}`));
    assert.equal(await titles('start=0&limit=1'), 200018);
    assert.equal(await titles('ids=%222,616%22&start=0&limit=1'), 200019);
    assert.equal(await titles('ids=901&limit=1'), 200016);
    assert.equal(await titles('ids=901&start=-1&limit=1'), 200016);
    assert.equal(await titles('ids=901&start=0'), 200017);
    assert.equal(await titles('ids=901&start=0&limit=31'), 200017);
    assert.equal(await titles('ids=901&start=0&limit=0'), 200017);
    assert.equal(await errcode(get('/wxaapi/newtmpl/getpubtemplatekeywords?tid=1')), 200014);
    assert.equal(await errcode(get('/wxaapi/newtmpl/getpubtemplatekeywords')), 200014);
    assert.equal((await stand.api.get('/wxaapi/newtmpl/getcategory')).errcode, 41001);
  });

  it('adds, lists and deletes private templates, content keyed by rule and kid', async () => {
    const added = await add();
    assert.equal(added.errcode, 0, JSON.stringify(added));
    assert.match(String(added.priTmplId), /^[A-Za-z0-9_-]{43}$/);
    const listed = await get('/wxaapi/newtmpl/gettemplate');
    assert.deepEqual(listed.data, [
      {
        priTmplId: added.priTmplId,
        title: '业务办理结果通知',
        content: '业务名称:{{thing1.DATA}}\n办理时间:{{time3.DATA}}\n客服电话:{{phone_number5.DATA}}\n',
        example: '业务名称:5G畅享套餐变更\n办理时间:2025年1月6日 10:00\n客服电话:10086\n',
        type: 2,
      },
    ]);
    assert.equal(await errcode(post('/wxaapi/newtmpl/deltemplate', { priTmplId: added.priTmplId })), 0);
    assert.deepEqual((await get('/wxaapi/newtmpl/gettemplate')).data, []);
    assert.equal(await errcode(post('/wxaapi/newtmpl/deltemplate', { priTmplId: added.priTmplId })), 40037);
    assert.equal(await errcode(post('/wxaapi/newtmpl/deltemplate', {})), 40037);
  });

  it('checks addtemplate’s tid (200014), kidList of 2–5 known kids (200020), sceneDesc ≤ 15 (200021), 25 templates (200012)', async () => {
    assert.equal(await errcode(add({ tid: 1 })), 200014);
    assert.equal(await errcode(add({ tid: undefined })), 200014);
    assert.equal(await errcode(add({ tid: '9001' })), 0);
    assert.equal(await errcode(add({ kidList: [1] })), 200020);
    assert.equal(await errcode(add({ kidList: [1, 2, 3, 4, 5, 6] })), 200020);
    assert.equal(await errcode(add({ kidList: [1, 1] })), 200020);
    assert.equal(await errcode(add({ kidList: [1, 9] })), 200020);
    assert.equal(await errcode(add({ kidList: 'x' })), 200020);
    assert.equal(await errcode(add({ sceneDesc: undefined })), 200021);
    assert.equal(await errcode(add({ sceneDesc: '一二三四五六七八九十一二三四五六' })), 200021);
    assert.equal(await errcode(post('/wxaapi/newtmpl/addtemplate', '')), 44002);
    for (let i = 1; i < 25; i += 1) assert.equal(await errcode(add()), 0);
    assert.equal(await errcode(add()), 200012);
  });

  it('sends once per acceptance: 43101 before and after, and pushes subscribe_msg_popup_event and subscribe_msg_sent_event', async () => {
    const priTmplId = String((await add()).priTmplId);
    assert.equal(await errcode(bizsend({ template_id: priTmplId })), 43101);
    const popup = await accept('o_alice', priTmplId);
    assert.equal(popup.status, 200, JSON.stringify(popup.body));
    assert.deepEqual(popup.body.credits, { [priTmplId]: 1 });
    const sent = await bizsend({
      template_id: priTmplId,
      miniprogram: { appid: 'wxa_appid', pagepath: 'pages/index' },
    });
    assert.deepEqual(sent, { errcode: 0, errmsg: 'ok' });
    assert.equal(await errcode(bizsend({ template_id: priTmplId })), 43101);
    // A reject takes the credits back.
    await accept('o_alice', priTmplId);
    await accept('o_alice', priTmplId, 'reject');
    assert.equal(await errcode(bizsend({ template_id: priTmplId })), 43101);

    await stand.api.callbacks.drain();
    const events = stand.ingress.pushes.map((push) => push.body);
    const popups = events.filter((xml) => xml.includes('subscribe_msg_popup_event'));
    assert.equal(popups.length, 3);
    assert.match(popups[0] ?? '', new RegExp(`<TemplateId><!\\[CDATA\\[${priTmplId}\\]\\]></TemplateId>`));
    assert.match(
      popups[0] ?? '',
      /<SubscribeStatusString><!\[CDATA\[accept\]\]><\/SubscribeStatusString><PopupScene>1<\/PopupScene>/,
    );
    assert.match(popups[2] ?? '', /reject/);
    const receipts = events.filter((xml) => xml.includes('subscribe_msg_sent_event'));
    assert.equal(receipts.length, 1);
    assert.match(
      receipts[0] ?? '',
      /<MsgID>\d{19}<\/MsgID><ErrorCode>0<\/ErrorCode><ErrorStatus><!\[CDATA\[success\]\]>/,
    );
    assert.ok(stand.ingress.pushes.every((push) => push.isSignatureValid));
    const sends = await stand.api.get(`/_sim/accounts/${account.id}/subscribe-sends`);
    assert.equal((sends.sends as { callback: string }[])[0]?.callback, 'delivered');
  });

  it('answers 40037, 47003 naming the field, 40003 before taking a credit', async () => {
    const priTmplId = String((await add()).priTmplId);
    await accept('o_alice', priTmplId);
    assert.equal(await errcode(bizsend({ template_id: 'tpl-order' })), 40037);
    assert.equal(await errcode(bizsend({})), 40037);
    const tooLong = await bizsend({
      template_id: priTmplId,
      data: { ...goodData, thing1: { value: '一二三四五六七八九十一二三四五六七八九十一' } },
    });
    assert.equal(tooLong.errcode, 47003);
    assert.match(String(tooLong.errmsg), /data\.thing1\.value/);
    const missing = await bizsend({ template_id: priTmplId, data: { thing1: goodData.thing1 } });
    assert.match(String(missing.errmsg), /data\.time3\.value/);
    const phone = await bizsend({
      template_id: priTmplId,
      data: { ...goodData, phone_number5: { value: '1'.repeat(18) } },
    });
    assert.match(String(phone.errmsg), /data\.phone_number5\.value/);
    assert.match(String((await bizsend({ template_id: priTmplId, page: 1 })).errmsg), /page/);
    assert.match(String((await bizsend({ template_id: priTmplId, miniprogram: {} })).errmsg), /miniprogram\.appid/);
    assert.equal(await errcode(bizsend({ template_id: priTmplId, touser: 'o_nobody' })), 40003);
    assert.equal(await errcode(bizsend({ template_id: priTmplId, touser: undefined })), 40003);
    // None of those took the credit; an unfollowed user still receives (服务通知).
    stand.api.state.audience.setSubscribed(account.appId, 'o_alice', false);
    assert.equal(await errcode(bizsend({ template_id: priTmplId })), 0);
  });

  it('refuses popup answers for an unknown user or template', async () => {
    const priTmplId = String((await add()).priTmplId);
    assert.equal((await accept('o_nobody', priTmplId)).status, 404);
    assert.equal((await accept('o_alice', 'nope')).status, 404);
    assert.equal((await accept('o_alice', priTmplId, 'maybe')).status, 400);
  });
});
