import assert from 'node:assert/strict';
import {
  type ApiHarness,
  fakeIngress,
  type Listening,
  type Received,
  startApi,
  testAccount,
  withApi,
} from '../helpers.js';

const account = testAccount({
  users: [
    { openid: 'o_alice', nickname: 'Alice 🌸', unionid: 'u_alice', wechatId: 'alice_wx' },
    { openid: 'o_bob', nickname: 'Bob' },
    { openid: 'o_gone', isSubscribed: false },
  ],
});

describe('simulated user remarks and blacklist, menu trymatch', () => {
  const stand = withApi([account]);

  const call = (path: string, body: unknown) => stand.api.post(`${path}?access_token=${stand.token}`, body);

  describe('user/info/updateremark', () => {
    const remark = (body: unknown) => call('/cgi-bin/user/info/updateremark', body);

    it('sets a remark that user/info and batchget show, and clears it with an empty one', async () => {
      assert.equal((await remark({ openid: 'o_alice', remark: '胖子同学' })).errcode, 0);
      const info = await stand.api.get(`/cgi-bin/user/info?access_token=${stand.token}&openid=o_alice`);
      assert.equal(info.remark, '胖子同学');
      const batch = (await call('/cgi-bin/user/info/batchget', {
        user_list: [{ openid: 'o_alice' }, { openid: 'o_bob' }],
      })) as { user_info_list: Array<{ remark: string }> };
      assert.deepEqual(
        batch.user_info_list.map((user) => user.remark),
        ['胖子同学', ''],
      );
      assert.equal((await remark({ openid: 'o_alice', remark: '' })).errcode, 0);
      assert.equal((await stand.api.get(`/cgi-bin/user/info?access_token=${stand.token}&openid=o_alice`)).remark, '');
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
      assert.equal((await stand.api.post('/cgi-bin/user/info/updateremark?access_token=bad', {})).errcode, 40014);
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
      assert.equal((await stand.api.get(`/cgi-bin/user/info?access_token=${stand.token}&openid=o_bob`)).subscribe, 1);
      assert.equal((await unblacklist(['o_bob'])).errcode, 0);
      assert.deepEqual((await list()).data, { openid: ['o_alice'] });
    });

    it('pages with begin_openid = the previous next_openid, blacklistPageSize a page', async () => {
      stand.api.state.setLimits({ blacklistPageSize: 2 });
      const openids = ['o_1', 'o_2', 'o_3'];
      for (const openid of openids) stand.api.state.addFollower(account.appId, { openid });
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
      for (const openid of many) stand.api.state.addFollower(account.appId, { openid });
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
      assert.equal((await stand.api.get(`/cgi-bin/menu/trymatch?access_token=${stand.token}`)).errcode, 43002);
    });
  });
});

describe('simulated analytics (datacube), from the simulator’s own records', () => {
  let ingress: Listening & { readonly pushes: Received[] };
  let api: ApiHarness;
  let token: string;
  const dayMs = 86_400_000;
  beforeEach(async () => {
    ingress = await fakeIngress([account], (_req, res) => {
      res.end('success');
    });
    // startOfTest is 2025-01-06 10:00 in Beijing: the seeded followers count on that day.
    api = await startApi([account], { callbackBaseUrl: ingress.url });
    token = await api.token(account);
  });
  afterEach(async () => {
    await api.close();
    await ingress.close();
  });

  // A fresh token each time: the tests move the clock by days, past a token's 2 hours.
  const cube = async (name: string, begin: unknown, end: unknown) =>
    api.post(`/datacube/${name}?access_token=${await api.token(account)}`, { begin_date: begin, end_date: end });
  const phone = (body: Record<string, unknown>) =>
    api.post('/phone/api/send', { account: account.id, openid: 'o_alice', ...body });

  it('reports follows, unfollows and the followers each day, per Beijing day', async () => {
    // 2025-01-06 23:30 Beijing: still the 6th there (15:30 UTC).
    api.clock.set(Date.UTC(2025, 0, 6, 15, 30));
    api.state.audience.setSubscribed(account.appId, 'o_bob', false);
    // 2025-01-07 00:30 Beijing is 16:30 UTC on the 6th: the 7th's follows.
    api.clock.set(Date.UTC(2025, 0, 6, 16, 30));
    api.state.addFollower(account.appId, { openid: 'o_carol' });
    api.state.audience.setSubscribed(account.appId, 'o_gone', true, { id: 7 });
    api.clock.set(Date.UTC(2025, 0, 9, 4));
    assert.deepEqual(await cube('getusersummary', '2025-01-05', '2025-01-08'), {
      list: [
        { ref_date: '2025-01-06', user_source: 0, new_user: 2, cancel_user: 1 },
        { ref_date: '2025-01-07', user_source: 0, new_user: 1, cancel_user: 0 },
        { ref_date: '2025-01-07', user_source: 30, new_user: 1, cancel_user: 0 },
      ],
    });
    assert.deepEqual(await cube('getusercumulate', '2025-01-05', '2025-01-08'), {
      list: [
        { ref_date: '2025-01-05', user_source: 0, cumulate_user: 0 },
        { ref_date: '2025-01-06', user_source: 0, cumulate_user: 1 },
        { ref_date: '2025-01-07', user_source: 0, cumulate_user: 3 },
        { ref_date: '2025-01-08', user_source: 0, cumulate_user: 3 },
      ],
    });
  });

  it('reports the messages users sent by type and the pushes to the callback URL', async () => {
    assert.equal((await phone({ action: 'text', content: '在吗' })).userSees !== undefined, true);
    await phone({ action: 'text', content: '还在吗' });
    await phone({ openid: 'o_bob', action: 'text', content: 'hi' });
    await phone({ action: 'click', eventKey: 'MENU' });
    api.state.recordInbound(account.appId, { FromUserName: 'o_bob', MsgType: 'image' });
    api.clock.advance(dayMs);
    assert.deepEqual(await cube('getupstreammsg', '2025-01-06', '2025-01-06'), {
      list: [
        { ref_date: '2025-01-06', msg_type: 1, msg_user: 2, msg_count: 3 },
        { ref_date: '2025-01-06', msg_type: 2, msg_user: 1, msg_count: 1 },
      ],
    });
    const summary = (await cube('getinterfacesummary', '2024-12-08', '2025-01-06')) as {
      list: Array<Record<string, number | string>>;
    };
    assert.equal(summary.list.length, 1);
    const [day] = summary.list;
    assert.equal(day?.ref_date, '2025-01-06');
    assert.equal(day?.callback_count, 4, 'three messages and a click pushed');
    assert.equal(day?.fail_count, 0);
    assert.ok(Number(day?.total_time_cost) >= Number(day?.max_time_cost));
    assert.deepEqual(await cube('getinterfacesummary', '2025-01-01', '2025-01-05'), { list: [] });
  });

  it('counts pushes that got no 2xx as failures', async () => {
    await ingress.close();
    ingress = await fakeIngress([account], (_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    api.state.setLimits({});
    await api.close();
    api = await startApi([account], { callbackBaseUrl: ingress.url });
    token = await api.token(account);
    await phone({ action: 'text', content: '在吗' });
    api.clock.advance(dayMs);
    const [day] = (await cube('getinterfacesummary', '2025-01-06', '2025-01-06')).list as Array<Record<string, number>>;
    assert.equal(day?.callback_count, 1, 'an HTTP status is an answer: no second delivery');
    assert.equal(day?.fail_count, 1);
  });

  it('checks dates as the reference does: 61500 format, 61501 range, span 7 days (30 for interfaces)', async () => {
    api.clock.set(Date.UTC(2025, 1, 20, 4));
    const ok = (answer: Record<string, unknown>) => Array.isArray(answer.list);
    assert.ok(ok(await cube('getusersummary', '2025-02-13', '2025-02-19')), '7 days ending yesterday');
    assert.ok(ok(await cube('getinterfacesummary', '2025-01-21', '2025-02-19')), '30 days');
    const cases: Array<[string, unknown, unknown, number]> = [
      ['getusersummary', '2025-02-12', '2025-02-19', 61501],
      ['getusercumulate', '2025-02-12', '2025-02-19', 61501],
      ['getupstreammsg', '2025-02-12', '2025-02-19', 61501],
      ['getinterfacesummary', '2025-01-20', '2025-02-19', 61501],
      ['getusersummary', '2025-02-19', '2025-02-20', 61501],
      ['getusersummary', '2025-02-18', '2025-02-17', 61501],
      ['getusersummary', '2014-11-30', '2014-12-01', 61501],
      ['getusersummary', '2025-02-30', '2025-02-30', 61500],
      ['getusersummary', '2025/02/18', '2025-02-18', 61500],
      ['getusersummary', '2025-2-18', '2025-02-18', 61500],
      ['getusersummary', 20250218, '2025-02-18', 61500],
      ['getusersummary', '2025-02-18', undefined, 61500],
    ];
    for (const [name, begin, end, errcode] of cases) {
      assert.equal((await cube(name, begin, end)).errcode, errcode, `${name} ${String(begin)} … ${String(end)}`);
    }
    assert.ok(ok(await cube('getusersummary', '2014-12-01', '2014-12-01')), 'data from 2014-12-01');
    // 2025-02-20 16:30 UTC is the 21st in Beijing: the 20th has become yesterday.
    api.clock.set(Date.UTC(2025, 1, 20, 16, 30));
    assert.ok(ok(await cube('getusersummary', '2025-02-20', '2025-02-20')));
    assert.equal((await api.post('/datacube/getusersummary?access_token=bad', {})).errcode, 40014);
    token = await api.token(account);
    assert.equal((await api.post(`/datacube/getusersummary?access_token=${token}`, '')).errcode, 44002);
    assert.equal((await api.get(`/datacube/getusersummary?access_token=${token}`)).errcode, 43002);
  });

  it('keeps 90 days of counters per account', async () => {
    for (let day = 0; day < 100; day++) {
      api.state.recordInbound(account.appId, { FromUserName: 'o_alice', MsgType: 'text' });
      api.clock.advance(dayMs);
    }
    const upstream = async (date: string) => (await cube('getupstreammsg', date, date)).list as unknown[];
    assert.equal((await upstream('2025-01-15')).length, 0, 'day 10 is gone');
    assert.equal((await upstream('2025-01-16')).length, 1, 'day 11 is kept');
    assert.deepEqual((await cube('getusercumulate', '2025-01-06', '2025-01-06')).list, [
      { ref_date: '2025-01-06', user_source: 0, cumulate_user: 2 },
    ]);
  });
});
