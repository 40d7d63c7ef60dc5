import assert from 'node:assert/strict';
import { type ApiHarness, startApi, testAccount } from '../helpers.js';

const account = testAccount();

describe('simulated customer-service accounts (/customservice/kfaccount/*, getkflist)', () => {
  let api: ApiHarness;
  let token: string;
  beforeEach(async () => {
    api = await startApi([account]);
    token = await api.token(account);
  });
  afterEach(() => api.close());

  const call = (path: string, body: unknown) => api.post(`${path}?access_token=${token}`, body);
  const list = async () =>
    (await api.get(`/cgi-bin/customservice/getkflist?access_token=${token}`)).kf_list as Array<Record<string, string>>;

  it('adds, lists, renames and deletes accounts, ids from 1001', async () => {
    assert.deepEqual(await list(), []);
    assert.equal(
      (await call('/customservice/kfaccount/add', { kf_account: 'alice@gh_demo', nickname: '客服小美 🌸' })).errcode,
      0,
    );
    assert.equal(
      (await call('/customservice/kfaccount/add', { kf_account: 'bob_2@gh_demo', nickname: 'Bob' })).errcode,
      0,
    );
    assert.deepEqual(await list(), [
      { kf_account: 'alice@gh_demo', kf_nick: '客服小美 🌸', kf_id: '1001', kf_headimg: '' },
      { kf_account: 'bob_2@gh_demo', kf_nick: 'Bob', kf_id: '1002', kf_headimg: '' },
    ]);
    assert.equal(
      (await call('/customservice/kfaccount/update', { kf_account: 'bob_2@gh_demo', nickname: '小鲍' })).errcode,
      0,
    );
    assert.equal((await list())[1]?.kf_nick, '小鲍');
    assert.equal((await call('/customservice/kfaccount/del', { kf_account: 'alice@gh_demo' })).errcode, 0);
    const viaGet = await api.get(`/customservice/kfaccount/del?access_token=${token}&kf_account=bob_2@gh_demo`);
    assert.equal(viaGet.errcode, 0, 'the older GET form works too');
    assert.deepEqual(await list(), []);
  });

  it('refuses malformed accounts (65404), bad nicknames (65403), duplicates (65406), unknown ones (65401), too many (65405)', async () => {
    for (const kf of ['alice', '@gh_demo', 'elevenchars@gh_demo', 'al ice@gh_demo', 'alice@', 42]) {
      assert.equal(
        (await call('/customservice/kfaccount/add', { kf_account: kf, nickname: 'x' })).errcode,
        65404,
        String(kf),
      );
    }
    for (const nickname of ['', '   ', 'x'.repeat(17), undefined]) {
      assert.equal(
        (await call('/customservice/kfaccount/add', { kf_account: 'a@gh_demo', nickname })).errcode,
        65403,
        String(nickname),
      );
    }
    await call('/customservice/kfaccount/add', { kf_account: 'a@gh_demo', nickname: 'A' });
    assert.equal(
      (await call('/customservice/kfaccount/add', { kf_account: 'a@gh_demo', nickname: 'A' })).errcode,
      65406,
    );
    assert.equal(
      (await call('/customservice/kfaccount/update', { kf_account: 'zz@gh_demo', nickname: 'Z' })).errcode,
      65401,
    );
    assert.equal((await call('/customservice/kfaccount/del', { kf_account: 'zz@gh_demo' })).errcode, 65401);
    api.state.setLimits({ kfAccounts: 2 });
    assert.equal((await call('/customservice/kfaccount/add', { kf_account: 'b@gh_demo', nickname: 'B' })).errcode, 0);
    assert.equal(
      (await call('/customservice/kfaccount/add', { kf_account: 'c@gh_demo', nickname: 'C' })).errcode,
      65405,
    );
    assert.equal(
      (await api.post('/customservice/kfaccount/add', { kf_account: 'd@gh_demo', nickname: 'D' })).errcode,
      41001,
    );
  });

  it('sets an avatar from a multipart upload with a media part; refuses one without (41005)', async () => {
    await call('/customservice/kfaccount/add', { kf_account: 'alice@gh_demo', nickname: 'Alice' });
    const upload = async (kfAccount: string, field: string) => {
      const form = new FormData();
      form.append(field, new Blob([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3])], { type: 'image/jpeg' }), 'a.jpg');
      const response = await fetch(
        `${api.url}/customservice/kfaccount/uploadheadimg?access_token=${token}&kf_account=${encodeURIComponent(kfAccount)}`,
        { method: 'POST', body: form },
      );
      return ((await response.json()) as { errcode: number }).errcode;
    };
    assert.equal(await upload('alice@gh_demo', 'file'), 41005);
    assert.equal((await list())[0]?.kf_headimg, '');
    assert.equal(await upload('nobody@gh_demo', 'media'), 65401);
    assert.equal(await upload('alice@gh_demo', 'media'), 0);
    assert.match(
      (await list())[0]?.kf_headimg ?? '',
      /^http:\/\/mmbiz\.qpic\.cn\/mmbiz_jpg\/[0-9a-f]{24}\/300\?wx_fmt=jpeg$/,
    );
  });
});
