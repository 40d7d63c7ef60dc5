import assert from 'node:assert/strict';
import { type SimTemplate, sampleTemplates, templateKeys } from '../../src/index.js';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount({ templates: sampleTemplates });
const [bill, dataUsage, businessDone] = sampleTemplates as readonly [SimTemplate, SimTemplate, SimTemplate];

describe('simulated template library (get_all_private_template, api_add_template, del_private_template)', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const list = async (): Promise<readonly Record<string, unknown>[]> =>
    (await api.get(`/cgi-bin/template/get_all_private_template?access_token=${token}`))
      .template_list as readonly Record<string, unknown>[];
  const send = (body: Record<string, unknown>) =>
    api.post(`/cgi-bin/message/template/send?access_token=${token}`, { touser: 'o_alice', ...body });

  it('lists the configured templates (and templateIds) in WeChat’s shape, with {{key.DATA}} content', async () => {
    const templates = await list();
    assert.deepEqual(
      templates.map((t) => t.title),
      ['账单提醒', '流量使用提醒', '业务办理成功通知', '模板 tpl-order'],
    );
    assert.deepEqual(Object.keys(templates[0] ?? {}).sort(), [
      'content',
      'deputy_industry',
      'example',
      'primary_industry',
      'template_id',
      'title',
    ]);
    assert.match(String(templates[0]?.template_id), /^[A-Za-z0-9_-]{43}$/);
    assert.deepEqual(templateKeys(bill.content), ['first', 'keyword1', 'keyword2', 'keyword3', 'remark']);
    assert.deepEqual(templateKeys(businessDone.content), ['thing1', 'time2', 'character_string3', 'phone_number4']);
  });

  it('sends with a listed template; unfollowed users now get 43004 instead of 40037', async () => {
    const data = { first: { value: '您好' }, keyword1: { value: '2025年1月' }, keyword2: { value: '58.00元' } };
    const sent = await send({ template_id: bill.templateId, data });
    assert.equal(sent.errcode, 0, JSON.stringify(sent));
    api.state.audience.setSubscribed(account.appId, 'o_bob', false);
    assert.equal((await send({ touser: 'o_bob', template_id: dataUsage.templateId, data })).errcode, 43004);
  });

  it('checks category-template fields by rule: missing, empty or over the limit is 47003 naming the field', async () => {
    const good = {
      thing1: { value: '5G畅享套餐变更' },
      time2: { value: '2025年1月6日 10:00' },
      character_string3: { value: 'BJ20250106000123' },
      phone_number4: { value: '10086' },
    };
    assert.equal((await send({ template_id: businessDone.templateId, data: good })).errcode, 0);
    const tooLong = await send({
      template_id: businessDone.templateId,
      data: { ...good, thing1: { value: '一二三四五六七八九十一二三四五六七八九十一' } },
    });
    assert.equal(tooLong.errcode, 47003);
    assert.match(String(tooLong.errmsg), /data\.thing1\.value exceeds the limit of 20/);
    const twenty = { ...good, thing1: { value: '一二三四五六七八九十一二三四五六七八九十' } };
    assert.equal((await send({ template_id: businessDone.templateId, data: twenty })).errcode, 0);
    const missing = await send({ template_id: businessDone.templateId, data: { thing1: good.thing1 } });
    assert.equal(missing.errcode, 47003);
    assert.match(String(missing.errmsg), /time2/);
    const empty = await send({
      template_id: businessDone.templateId,
      data: { ...good, phone_number4: { value: ' ' } },
    });
    assert.equal(empty.errcode, 47003);
    const notObject = await send({ template_id: bill.templateId, data: 'x' });
    assert.equal(notObject.errcode, 47003);
    assert.equal(api.state.templateSends().length, 2, 'refused sends are not recorded');
  });

  it('adds from the library (industry and category), refuses unknown ids (40037) and bad keywords (40246)', async () => {
    const industry = await api.post(`/cgi-bin/template/api_add_template?access_token=${token}`, {
      template_id_short: 'OPENTM200565259',
    });
    assert.equal(industry.errcode, 0);
    assert.match(String(industry.template_id), /^[A-Za-z0-9_-]{43}$/);
    const category = await api.post(`/cgi-bin/template/api_add_template?access_token=${token}`, {
      template_id_short: '47123',
      keyword_name_list: ['办理人', '业务名称'],
    });
    assert.equal(category.errcode, 0);
    const added = (await list()).find((t) => t.template_id === category.template_id);
    assert.equal(added?.content, '办理人:{{name5.DATA}}\n业务名称:{{thing1.DATA}}');
    const add = (body: unknown) => api.post(`/cgi-bin/template/api_add_template?access_token=${token}`, body);
    assert.equal((await add({ template_id_short: 'TM_NOPE' })).errcode, 40037);
    assert.equal((await add({ template_id_short: '47123', keyword_name_list: [] })).errcode, 40246);
    assert.equal((await add({ template_id_short: '47123', keyword_name_list: ['不存在'] })).errcode, 40246);
    // A name over 10 CJK characters breaks the name rule.
    const nameSend = await send({
      template_id: category.template_id,
      data: { name5: { value: '一二三四五六七八九十一' }, thing1: { value: '办理' } },
    });
    assert.equal(nameSend.errcode, 47003);
  });

  it('deletes a template (then sends get 40037; deleting again is 40037) and holds at most 25 (45026)', async () => {
    const del = (templateId: string) =>
      api.post(`/cgi-bin/template/del_private_template?access_token=${token}`, { template_id: templateId });
    assert.equal((await del(bill.templateId)).errcode, 0);
    assert.equal((await send({ template_id: bill.templateId })).errcode, 40037);
    assert.equal((await del(bill.templateId)).errcode, 40037);
    const add = () =>
      api.post(`/cgi-bin/template/api_add_template?access_token=${token}`, { template_id_short: 'OPENTM207157063' });
    while ((await list()).length < 25) assert.equal((await add()).errcode, 0);
    assert.equal((await add()).errcode, 45026);
  });

  it('re-seeds the configured templates on /_sim/reset', async () => {
    api.state.templates.deleteTemplate(account.appId, bill.templateId);
    await api.post('/_sim/reset', {});
    token = await api.token(account);
    assert.equal((await list()).length, 4);
  });

  it('manages templates through /_sim (JSON and the index page’s form) and shows them on the index page', async () => {
    const created = await api.post('/_sim/accounts/demo/templates', {
      title: '缴费成功通知',
      content: '{{first.DATA}}\n缴费金额：{{keyword1.DATA}}\n{{remark.DATA}}',
    });
    const template = created.template as SimTemplate;
    assert.equal(template.title, '缴费成功通知');
    assert.equal((await send({ template_id: template.templateId, data: {} })).errcode, 0);
    const bad = await api.post('/_sim/accounts/demo/templates', { title: 'x', content: 'no placeholders' });
    assert.equal((bad.error as { code: string }).code, 'bad_request');
    const fromLibrary = await api.post('/_sim/accounts/demo/templates', {
      fromLibrary: '47123',
      keywords: ['业务名称'],
    });
    assert.equal((fromLibrary.template as SimTemplate).content, '业务名称:{{thing1.DATA}}');

    const form = await fetch(`${api.url}/_sim/accounts/demo/templates`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ title: '表单模板', content: '{{keyword1.DATA}}' }).toString(),
      redirect: 'manual',
    });
    assert.equal(form.status, 303);
    const page = await (await fetch(`${api.url}/`)).text();
    assert.match(page, /表单模板/);
    assert.match(page, new RegExp(bill.templateId));

    const removed = await fetch(`${api.url}/_sim/accounts/demo/templates/${template.templateId}`, { method: 'DELETE' });
    assert.equal(removed.status, 200);
    assert.equal((await send({ template_id: template.templateId })).errcode, 40037);
    const again = await fetch(`${api.url}/_sim/accounts/demo/templates/${template.templateId}`, { method: 'DELETE' });
    assert.equal(again.status, 404);
  });
});
