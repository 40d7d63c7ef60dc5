import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount({
  users: [
    { openid: 'o_alice', nickname: 'Alice' },
    { openid: 'o_bob', nickname: 'Bob' },
    { openid: 'o_carol', nickname: 'Carol' },
  ],
});

describe('simulated user tags (tags/*, tags/members/*, getidlist, user/tag/get, user/info tagid_list)', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const post = (path: string, body: unknown) => api.post(`/cgi-bin/${path}?access_token=${token}`, body);
  const create = async (name: string): Promise<number> => {
    const body = await post('tags/create', { tag: { name } });
    return (body.tag as { id: number }).id;
  };

  it('creates, lists with follower counts, renames and deletes tags; the system tag 星标组 is there from the start', async () => {
    const id = await create('广东');
    assert.ok(id >= 100);
    await post('tags/members/batchtagging', { openid_list: ['o_alice', 'o_bob'], tagid: id });
    const listed = (await api.get(`/cgi-bin/tags/get?access_token=${token}`)).tags;
    assert.deepEqual(listed, [
      { id: 2, name: '星标组', count: 0 },
      { id, name: '广东', count: 2 },
    ]);
    assert.equal((await post('tags/update', { tag: { id, name: '广东人' } })).errcode, 0);
    api.state.audience.setSubscribed(account.appId, 'o_bob', false);
    const renamed = (await api.get(`/cgi-bin/tags/get?access_token=${token}`)).tags as {
      name: string;
      count: number;
    }[];
    assert.deepEqual(renamed[1], { id, name: '广东人', count: 1 }, 'only followers are counted');
    assert.equal((await post('tags/delete', { tag: { id } })).errcode, 0);
    assert.equal(((await api.get(`/cgi-bin/tags/get?access_token=${token}`)).tags as unknown[]).length, 1);
    assert.deepEqual((await post('tags/getidlist', { openid: 'o_alice' })).tagid_list, []);
  });

  it('refuses bad names and ids with the reference’s errcodes', async () => {
    await create('重复');
    assert.equal((await post('tags/create', { tag: { name: '重复' } })).errcode, 45157);
    assert.equal((await post('tags/create', { tag: { name: '' } })).errcode, 45157);
    // 11 CJK characters are 33 UTF-8 bytes: over the 30-byte limit although only 11 characters.
    assert.equal((await post('tags/create', { tag: { name: '一二三四五六七八九十一' } })).errcode, 45158);
    const ten = await post('tags/create', { tag: { name: '一二三四五六七八九十' } });
    assert.equal(ten.errcode, undefined, 'tags/create answers { tag } without errcode');
    assert.equal((ten.tag as { name: string }).name, '一二三四五六七八九十');
    assert.equal((await post('tags/create', {})).errcode, 44002);
    assert.equal((await post('tags/update', { tag: { id: 2, name: 'x' } })).errcode, 45058);
    assert.equal((await post('tags/delete', { tag: { id: 1 } })).errcode, 45058);
    assert.equal((await post('tags/delete', { tag: { id: 999 } })).errcode, 45159);
    assert.equal((await post('tags/update', { tag: { id: 999, name: 'x' } })).errcode, 45159);
  });

  it('holds at most 100 created tags (45056)', async () => {
    for (let i = 0; i < 100; i++) assert.ok((await create(`tag${i}`)) > 0);
    assert.equal((await post('tags/create', { tag: { name: 'one more' } })).errcode, 45056);
  });

  it('tags at most 50 followers a call (40032), followers only (40003), 20 tags a user (45059), all or nothing', async () => {
    const id = await create('批量');
    const fifty = Array.from({ length: 51 }, (_, i) => `o_${i}`);
    assert.equal((await post('tags/members/batchtagging', { openid_list: fifty, tagid: id })).errcode, 40032);
    assert.equal((await post('tags/members/batchtagging', { openid_list: [], tagid: id })).errcode, 40032);
    const withStranger = { openid_list: ['o_alice', 'o_stranger'], tagid: id };
    assert.equal((await post('tags/members/batchtagging', withStranger)).errcode, 40003);
    assert.deepEqual((await post('tags/getidlist', { openid: 'o_alice' })).tagid_list, [], 'nothing was tagged');
    assert.equal((await post('tags/members/batchtagging', { openid_list: ['o_alice'], tagid: 999 })).errcode, 45159);
    const ids = [id];
    for (let i = 0; i < 19; i++) ids.push(await create(`t${i}`));
    for (const tagid of ids) {
      assert.equal((await post('tags/members/batchtagging', { openid_list: ['o_alice'], tagid })).errcode, 0);
    }
    const twentyFirst = await create('twenty-first');
    const tooMany = await post('tags/members/batchtagging', { openid_list: ['o_bob', 'o_alice'], tagid: twentyFirst });
    assert.equal(tooMany.errcode, 45059);
    assert.deepEqual((await post('tags/getidlist', { openid: 'o_bob' })).tagid_list, [], 'Bob was not tagged either');
    assert.equal((await post('tags/members/batchuntagging', { openid_list: ['o_alice'], tagid: id })).errcode, 0);
    assert.equal(
      (await post('tags/members/batchtagging', { openid_list: ['o_alice'], tagid: twentyFirst })).errcode,
      0,
    );
    const info = await api.get(`/cgi-bin/user/info?access_token=${token}&openid=o_alice`);
    assert.equal((info.tagid_list as number[]).length, 20);
    assert.equal((await post('tags/getidlist', { openid: 'o_nobody' })).errcode, 40003);
  });

  it('pages a tag’s followers with user/tag/get (next_openid) and reports 45159 for an unknown tag', async () => {
    const id = await create('分页');
    await post('tags/members/batchtagging', { openid_list: ['o_alice', 'o_bob', 'o_carol'], tagid: id });
    api.state.setLimits({ followersPageSize: 2 });
    const first = await post('user/tag/get', { tagid: id, next_openid: '' });
    assert.deepEqual(first, { count: 2, data: { openid: ['o_alice', 'o_bob'] }, next_openid: 'o_bob' });
    const second = await post('user/tag/get', { tagid: id, next_openid: 'o_bob' });
    assert.deepEqual(second, { count: 1, data: { openid: ['o_carol'] }, next_openid: 'o_carol' });
    assert.deepEqual(await post('user/tag/get', { tagid: id, next_openid: 'o_carol' }), { count: 0, next_openid: '' });
    assert.equal((await post('user/tag/get', { tagid: 12345 })).errcode, 45159);
  });

  it('answers user/info/batchget with user/info items (1–100 users, 40032; unknown openid 40003)', async () => {
    const id = await create('批量查询');
    await post('tags/members/batchtagging', { openid_list: ['o_alice'], tagid: id });
    api.state.audience.setSubscribed(account.appId, 'o_bob', false);
    const body = await post('user/info/batchget', {
      user_list: [{ openid: 'o_alice', lang: 'zh_CN' }, { openid: 'o_bob' }],
    });
    const [alice, bob] = body.user_info_list as Record<string, unknown>[];
    assert.equal(alice?.subscribe, 1);
    assert.deepEqual(alice?.tagid_list, [id]);
    assert.deepEqual(bob, { subscribe: 0, openid: 'o_bob' });
    assert.equal((await post('user/info/batchget', { user_list: [] })).errcode, 40032);
    const tooMany = Array.from({ length: 101 }, () => ({ openid: 'o_alice' }));
    assert.equal((await post('user/info/batchget', { user_list: tooMany })).errcode, 40032);
    assert.equal((await post('user/info/batchget', { user_list: [{ openid: 'o_who' }] })).errcode, 40003);
  });
});
