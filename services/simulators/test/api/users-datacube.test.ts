import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount({
  users: [
    { openid: 'o_alice', nickname: 'Alice 🌸', unionid: 'u_alice', wechatId: 'alice_wx' },
    { openid: 'o_bob', nickname: 'Bob' },
    { openid: 'o_gone', isSubscribed: false },
  ],
});

describe('simulated user remarks and blacklist, menu trymatch', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const call = (path: string, body: unknown) => api.post(`${path}?access_token=${token}`, body);

  describe('user/info/updateremark', () => {
    const remark = (body: unknown) => call('/cgi-bin/user/info/updateremark', body);

    it('sets a remark that user/info and batchget show, and clears it with an empty one', async () => {
      assert.equal((await remark({ openid: 'o_alice', remark: '胖子同学' })).errcode, 0);
      const info = await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_alice`);
      assert.equal(info.remark, '胖子同学');
      const batch = (await call('/cgi-bin/user/info/batchget', {
        user_list: [{ openid: 'o_alice' }, { openid: 'o_bob' }],
      })) as { user_info_list: Array<{ remark: string }> };
      assert.deepEqual(
        batch.user_info_list.map((user) => user.remark),
        ['胖子同学', ''],
      );
      assert.equal((await remark({ openid: 'o_alice', remark: '' })).errcode, 0);
      assert.equal((await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_alice`)).remark, '');
    });

    it('takes remarks shorter than 30 bytes only (40092), of followers only (43004 / 40003)', async () => {
      assert.equal((await remark({ openid: 'o_alice', remark: 'x'.repeat(29) })).errcode, 0);
      assert.equal((await remark({ openid: 'o_alice', remark: 'x'.repeat(30) })).errcode, 40092);
      // 10 CJK characters are 30 UTF-8 bytes.
      assert.equal((await remark({ openid: 'o_alice', remark: '一二三四五六七八九十' })).errcode, 40092);
      assert.equal((await remark({ openid: 'o_alice', remark: 7 })).errcode, 40092);
      assert.equal((await remark({ openid: 'o_alice' })).errcode, 40092);
      assert.equal((await remark({ openid: 'o_nobody', remark: 'x' })).errcode, 40003);
      assert.equal((await remark({ remark: 'x' })).errcode, 40003);
      assert.equal((await remark({ openid: 'o_gone', remark: 'x' })).errcode, 43004);
      assert.equal((await api.post('/cgi-bin/user/info/updateremark?access_token=bad', {})).errcode, 40014);
      assert.equal((await remark('')).errcode, 44002);
      assert.equal((await remark('[1]')).errcode, 47001);
    });
  });

  describe('tags/members blacklist', () => {
    const blacklist = (openidList: unknown) =>
      call('/cgi-bin/tags/members/batchblacklist', { openid_list: openidList });
    const unblacklist = (openidList: unknown) =>
      call('/cgi-bin/tags/members/batchunblacklist', { openid_list: openidList });
    const list = (body: unknown = {}) => call('/cgi-bin/tags/members/getblacklist', body);

    it('blacklists, lists (oldest first) and takes users off; they stay followers', async () => {
      assert.deepEqual(await list(), { total: 0, count: 0, next_openid: '' });
      assert.equal((await blacklist(['o_bob', 'o_alice'])).errcode, 0);
      assert.equal((await blacklist(['o_bob'])).errcode, 0);
      assert.deepEqual(await list({ begin_openid: '' }), {
        total: 2,
        count: 2,
        data: { openid: ['o_bob', 'o_alice'] },
        next_openid: 'o_alice',
      });
      assert.equal((await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_bob`)).subscribe, 1);
      assert.equal((await unblacklist(['o_bob'])).errcode, 0);
      assert.deepEqual((await list()).data, { openid: ['o_alice'] });
    });

    it('pages with begin_openid = the previous next_openid, blacklistPageSize a page', async () => {
      api.state.setLimits({ blacklistPageSize: 2 });
      const openids = ['o_1', 'o_2', 'o_3'];
      for (const openid of openids) api.state.addFollower(account.appId, { openid });
      await blacklist(openids);
      const first = await list();
      assert.deepEqual(first, { total: 3, count: 2, data: { openid: ['o_1', 'o_2'] }, next_openid: 'o_2' });
      const second = await list({ begin_openid: first.next_openid });
      assert.deepEqual(second, { total: 3, count: 1, data: { openid: ['o_3'] }, next_openid: 'o_3' });
      assert.deepEqual(await list({ begin_openid: 'o_3' }), { total: 3, count: 0, next_openid: '' });
      assert.equal((await list({ begin_openid: 'o_alice' })).errcode, 40003);
    });

    it('takes 1–20 openids (40032), known to the account (49003 / 40003), checked whole', async () => {
      const many = Array.from({ length: 21 }, (_, i) => `o_${i}`);
      for (const openid of many) api.state.addFollower(account.appId, { openid });
      assert.equal((await blacklist(many)).errcode, 40032);
      assert.equal((await blacklist(many.slice(0, 20))).errcode, 0);
      assert.equal((await blacklist([])).errcode, 40032);
      assert.equal((await blacklist('o_alice')).errcode, 40032);
      assert.equal((await blacklist(['o_alice', 'o_nobody'])).errcode, 49003);
      assert.equal((await blacklist([5])).errcode, 40003);
      assert.equal((await unblacklist(many)).errcode, 40032);
      assert.equal((await unblacklist([])).errcode, 40032);
      assert.equal((await unblacklist(['o_0', 'o_nobody'])).errcode, 40003);
      assert.equal((await list()).total, 20, 'a refused call changes nothing');
      assert.equal((await unblacklist(many.slice(0, 20))).errcode, 0);
      assert.equal((await list()).total, 0);
    });
  });

  describe('menu/trymatch', () => {
    const click = (name: string) => ({ type: 'click', name, key: name });
    const tryMatch = (userId: unknown) => call('/cgi-bin/menu/trymatch', { user_id: userId });

    it('answers the newest matching conditional menu, else the default one, by openid or WeChat ID', async () => {
      assert.equal((await call('/cgi-bin/menu/create', { button: [click('home')] })).errcode, 0);
      const tag = (await call('/cgi-bin/tags/create', { tag: { name: 'vip' } })) as { tag: { id: number } };
      await call('/cgi-bin/tags/members/batchtagging', { openid_list: ['o_alice'], tagid: tag.tag.id });
      await call('/cgi-bin/menu/addconditional', {
        button: [click('vip-old')],
        matchrule: { tag_id: String(tag.tag.id) },
      });
      await call('/cgi-bin/menu/addconditional', {
        button: [click('vip-android')],
        matchrule: { tag_id: String(tag.tag.id), client_platform_type: '2' },
      });
      await call('/cgi-bin/menu/addconditional', { button: [click('star')], matchrule: { tag_id: '2' } });
      const names = (answer: Record<string, unknown>) => (answer.button as Array<{ name: string }>).map((b) => b.name);
      const alice = await tryMatch('o_alice');
      assert.deepEqual(names(alice), ['vip-android']);
      assert.deepEqual(Object.keys(alice), ['button'], 'no menuid or matchrule');
      assert.deepEqual((alice.button as Array<{ sub_button: unknown }>)[0]?.sub_button, []);
      assert.deepEqual(names(await tryMatch('alice_wx')), ['vip-android']);
      assert.deepEqual(names(await tryMatch('o_bob')), ['home']);
    });

    it('answers 65302 for a user who is not a follower and 46003 without a menu', async () => {
      assert.equal((await tryMatch('o_alice')).errcode, 46003);
      await call('/cgi-bin/menu/create', { button: [click('home')] });
      for (const userId of ['o_nobody', 'o_gone', '', 42, undefined]) {
        assert.equal((await tryMatch(userId)).errcode, 65302, String(userId));
      }
      assert.equal((await api.get(`/cgi-bin/menu/trymatch?access_token=${token}`)).errcode, 43002);
    });
  });
});
