import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulated endpoints that used to answer an HTML 404', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const post = (path: string, body: unknown) => api.post(`/cgi-bin/${path}?access_token=${token}`, body);
  const get = (path: string) => api.get(`/cgi-bin/${path}${path.includes('?') ? '&' : '?'}access_token=${token}`);

  it('menu/delconditional deletes one conditional menu (menuid string or number), 65301 for an unknown one', async () => {
    await post('menu/create', { button: [{ type: 'click', name: '查账单', key: 'BILL' }] });
    const rule = { matchrule: { tag_id: '2' } };
    const first = await post('menu/addconditional', { button: [{ type: 'click', name: 'VIP', key: 'VIP' }], ...rule });
    const second = await post('menu/addconditional', { button: [{ type: 'click', name: 'B', key: 'B' }], ...rule });
    assert.equal((await post('menu/delconditional', { menuid: first.menuid })).errcode, 0);
    assert.equal((await post('menu/delconditional', { menuid: first.menuid })).errcode, 65301);
    assert.equal((await post('menu/delconditional', { menuid: Number(second.menuid) })).errcode, 0);
    const menu = await get('menu/get');
    assert.equal(menu.conditionalmenu, undefined);
    assert.equal((await post('menu/delconditional', { menuid: 'abc' })).errcode, 65301);
  });

  it('get_current_selfmenu_info shows the live menu with sub_button.list, is_menu_open 0 without one', async () => {
    assert.deepEqual(await get('get_current_selfmenu_info'), { is_menu_open: 0, selfmenu_info: { button: [] } });
    await post('menu/create', {
      button: [
        { type: 'click', name: '查账单', key: 'BILL' },
        { name: '更多', sub_button: [{ type: 'view', name: '官网', url: 'https://example.com/' }] },
      ],
    });
    assert.deepEqual(await get('get_current_selfmenu_info'), {
      is_menu_open: 1,
      selfmenu_info: {
        button: [
          { type: 'click', name: '查账单', key: 'BILL' },
          { name: '更多', sub_button: { list: [{ type: 'view', name: '官网', url: 'https://example.com/' }] } },
        ],
      },
    });
  });

  it('customservice/getonlinekflist lists the kf accounts as online on the web', async () => {
    assert.deepEqual(await get('customservice/getonlinekflist'), { kf_online_list: [] });
    const add = await api.post(`/customservice/kfaccount/add?access_token=${token}`, {
      kf_account: 'agent1@demo',
      nickname: '客服小美',
    });
    assert.equal(add.errcode, 0);
    const list = (await get('customservice/getonlinekflist')).kf_online_list as Record<string, unknown>[];
    assert.deepEqual(list, [{ kf_account: 'agent1@demo', status: 1, kf_id: '1001', accepted_case: 0 }]);
  });

  it('getcallbackip and get_api_domain_ip report the simulator’s address; both need a token', async () => {
    assert.deepEqual(await get('getcallbackip'), { ip_list: ['127.0.0.1'] });
    assert.deepEqual(await get('get_api_domain_ip'), { ip_list: ['127.0.0.1'] });
    assert.equal((await api.get('/cgi-bin/getcallbackip')).errcode, 41001);
  });

  it('sns/auth checks a web-auth token for its openid: 0, 40003 another openid, 40014 unknown, 42001 expired', async () => {
    const query = new URLSearchParams({
      appid: account.appId,
      redirect_uri: 'https://app.example.com/cb',
      response_type: 'code',
      scope: 'snsapi_base',
      sim_openid: 'o_alice',
    });
    const redirect = await fetch(`${api.url}/connect/oauth2/authorize?${query}`, { redirect: 'manual' });
    const code = new URL(redirect.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const tokens = await api.get(
      `/sns/oauth2/access_token?appid=${account.appId}&secret=${account.appSecret}&code=${code}&grant_type=authorization_code`,
    );
    const snsToken = String(tokens.access_token);
    assert.deepEqual(await api.get(`/sns/auth?access_token=${snsToken}&openid=o_alice`), { errcode: 0, errmsg: 'ok' });
    assert.equal((await api.get(`/sns/auth?access_token=${snsToken}&openid=o_bob`)).errcode, 40003);
    assert.equal((await api.get(`/sns/auth?access_token=${token}&openid=o_alice`)).errcode, 40014);
    assert.equal((await api.get('/sns/auth?openid=o_alice')).errcode, 41001);
    api.clock.advance(7200_000);
    assert.equal((await api.get(`/sns/auth?access_token=${snsToken}&openid=o_alice`)).errcode, 42001);
  });
});

describe('unknown paths answer WeChat’s JSON error, never HTML', () => {
  let api: ApiHarness;
  before(async () => {
    api = await startApi([account]);
  });
  after(() => api.close());

  const segment = fc.oneof(
    fc.stringMatching(/^[A-Za-z0-9_.~-]{1,12}$/),
    fc.constantFrom(
      'cgi-bin',
      'sns',
      'customservice',
      'message',
      'mass',
      'template',
      '..',
      '%',
      '%E0%A4%A',
      '%2F',
      '%00',
    ),
  );
  const method = fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS');

  it('walks random unknown paths with any method: HTTP 200, JSON, errcode 48001 (43001/43002 for a known path)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), method, async (segments, verb) => {
        const path = `/${segments.join('/')}`;
        // The simulator's own pages keep their error shape; every other path is the API host.
        // (The client resolves `..` before sending, so judge the path it sends.)
        const sent = new URL(path, api.url).pathname;
        fc.pre(!/^\/(_sim|phone|healthz)(\/|$)/.test(sent) && sent !== '/');
        const response = await fetch(`${api.url}${path}`, {
          method: verb,
          ...(verb === 'GET' ? {} : { body: '{"touser":"o_alice"}' }),
        });
        assert.equal(response.status, 200, `${verb} ${path}`);
        assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `${verb} ${path}`);
        const body = (await response.json()) as { errcode?: unknown; errmsg?: unknown };
        assert.ok([48001, 43001, 43002].includes(body.errcode as number), `${verb} ${path}: ${JSON.stringify(body)}`);
        assert.match(String(body.errmsg), / rid: /);
      }),
      { numRuns: 150, seed: 20250106 },
    );
  });

  it('answers a known path called with OPTIONS or another wrong method 43001 / 43002, in JSON', async () => {
    for (const [verb, path, errcode] of [
      ['OPTIONS', '/cgi-bin/token', 43001],
      ['PUT', '/cgi-bin/message/template/send', 43002],
      ['DELETE', '/cgi-bin/tags/get', 43001],
    ] as const) {
      const response = await fetch(`${api.url}${path}`, { method: verb });
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
      assert.equal(((await response.json()) as { errcode: number }).errcode, errcode, `${verb} ${path}`);
    }
  });
});
