import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulated menus', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const create = (button: unknown) => api.post(`/cgi-bin/menu/create?access_token=${token}`, { button });
  const click = (name: string, key = 'K') => ({ type: 'click', name, key });

  it('creates, gets (sub_button: [] on every button) and deletes a menu', async () => {
    const menu = [
      click('今日歌曲', 'V1001_TODAY_MUSIC'),
      { name: '菜单', sub_button: [{ type: 'view', name: '搜索', url: 'http://www.soso.com/' }, click('赞一下我们')] },
    ];
    assert.equal((await create(menu)).errcode, 0);
    const got = (await api.get(`/cgi-bin/menu/get?access_token=${token}`)) as {
      menu: { button: Array<{ sub_button: Array<{ sub_button: unknown[] }> }> };
    };
    assert.deepEqual(got.menu.button[0]?.sub_button, []);
    assert.equal(got.menu.button[1]?.sub_button.length, 2);
    assert.equal((await api.get(`/cgi-bin/menu/delete?access_token=${token}`)).errcode, 0);
    assert.equal((await api.get(`/cgi-bin/menu/get?access_token=${token}`)).errcode, 46003);
  });

  it('validates counts, byte lengths and urls with the api.json errcodes', async () => {
    const cases: Array<[unknown, number, string]> = [
      [[], 40016, 'no buttons'],
      [[click('a'), click('b'), click('c'), click('d')], 40016, '4 top buttons'],
      [[{ name: 'm', sub_button: Array.from({ length: 6 }, (_, i) => click(`s${i}`)) }], 40017, '6 sub-buttons'],
      [[{ type: 'teleport', name: 'x' }], 40017, 'unknown type'],
      [[click('一二三四五六')], 40018, 'top name 18 bytes > 16'],
      [[{ name: 'm', sub_button: [click('x'.repeat(61))] }], 40018, 'sub name 61 bytes > 60'],
      [[click('k', 'k'.repeat(129))], 40019, 'key 129 bytes'],
      [[{ type: 'view', name: 'v', url: `https://a.com/${'x'.repeat(1024)}` }], 40020, 'url > 1024 bytes'],
      [[{ type: 'view', name: 'v', url: 'ftp://a.com' }], 40054, 'top url not http'],
      [[{ name: 'm', sub_button: [{ type: 'view', name: 'v', url: 'javascript:1' }] }], 40055, 'sub url not http'],
    ];
    for (const [button, errcode, label] of cases) assert.equal((await create(button)).errcode, errcode, label);
    assert.equal((await create([click('一二三四五'), { name: 'm', sub_button: [click('x'.repeat(60))] }])).errcode, 0);
  });

  it('adds conditional menus only on top of a default menu and refuses retired rules with 65320', async () => {
    const add = (matchrule: unknown) =>
      api.post(`/cgi-bin/menu/addconditional?access_token=${token}`, { button: [click('vip')], matchrule });
    assert.equal((await add({ tag_id: '2' })).errcode, 65303);
    await create([click('home')]);
    assert.equal((await add({ sex: '1' })).errcode, 65320);
    const added = await add({ tag_id: '2', client_platform_type: '2' });
    assert.equal(typeof added.menuid, 'string');
    const got = await api.get(`/cgi-bin/menu/get?access_token=${token}`);
    assert.equal((got.conditionalmenu as unknown[]).length, 1);
    assert.equal(typeof (got.menu as { menuid: number }).menuid, 'number');
  });
});

describe('simulated users', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  it('returns user/info without nickname (post-2021 shape) and only openid for unfollowed users', async () => {
    const info = await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_alice`);
    assert.equal(info.subscribe, 1);
    assert.equal(info.unionid, 'u_alice');
    assert.equal(info.nickname, undefined);
    api.state.audience.setSubscribed(account.appId, 'o_alice', false);
    const gone = await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_alice`);
    assert.deepEqual(gone, { subscribe: 0, openid: 'o_alice', unionid: 'u_alice' });
    assert.equal((await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_x`)).errcode, 40003);
  });

  it('pages followers with next_openid and ends with count 0 and no data', async () => {
    api.state.setLimits({ followersPageSize: 2 });
    await api.post(`/_sim/accounts/${account.appId}/followers`, { users: [{ openid: 'o_c' }, { openid: 'o_d' }] });
    const page1 = await api.get(`/cgi-bin/user/get?access_token=${token}`);
    assert.equal(page1.total, 4);
    assert.deepEqual(page1.data, { openid: ['o_alice', 'o_bob'] });
    const page2 = await api.get(`/cgi-bin/user/get?access_token=${token}&next_openid=${String(page1.next_openid)}`);
    assert.deepEqual(page2.data, { openid: ['o_c', 'o_d'] });
    const end = await api.get(`/cgi-bin/user/get?access_token=${token}&next_openid=o_d`);
    assert.deepEqual(end, { total: 4, count: 0, next_openid: '' });
  });
});
