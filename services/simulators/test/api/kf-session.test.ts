import assert from 'node:assert/strict';
import { testAccount, withApi } from '../helpers.js';

const account = testAccount();
const alice = 'alice@gh_demo';
const bob = 'bob@gh_demo';

describe('simulated kf invitations, sessions and message records (/customservice/kfsession/*, msgrecord)', () => {
  const stand = withApi([account]);

  const post = async (path: string, body: unknown) => stand.api.post(`${path}?access_token=${stand.token}`, body);
  const errcodeOf = async (path: string, body: unknown) => (await post(path, body)).errcode;
  const get = (path: string, query = '') => stand.api.get(`${path}?access_token=${stand.token}${query}`);
  const control = async (kfAccount: string, body: unknown) => {
    const response = await fetch(`${stand.api.url}/_sim/accounts/demo/kf-accounts/${encodeURIComponent(kfAccount)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  const kfList = async () => (await get('/cgi-bin/customservice/getkflist')).kf_list as Record<string, unknown>[];
  /** A follower's text message, as the phone records it: the chat line and the 48 h window. */
  const says = (openid: string, text: string) => {
    stand.api.state.recordInteraction(account.appId, openid, 'message');
    stand.api.state.chats.append(account.appId, openid, stand.api.clock.now(), { from: 'user', kind: 'text', text });
  };
  /** A kf account added, invited and bound (the invitation accepted through /_sim). */
  const boundKf = async (kfAccount: string, wechatId: string) => {
    assert.equal(await errcodeOf('/customservice/kfaccount/add', { kf_account: kfAccount, nickname: 'kf' }), 0);
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: kfAccount, invite_wx: wechatId }),
      0,
    );
    assert.equal((await control(kfAccount, { invite: 'accept' })).status, 200);
  };
  const create = (kfAccount: string, openid: string) =>
    errcodeOf('/customservice/kfsession/create', { kf_account: kfAccount, openid });
  const close = (kfAccount: string, openid: string) =>
    errcodeOf('/customservice/kfsession/close', { kf_account: kfAccount, openid });

  it('invites a WeChat user: getkflist shows the invitation, then the binding once accepted', async () => {
    await post('/customservice/kfaccount/add', { kf_account: alice, nickname: 'Alice' });
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      0,
    );
    const expires = Math.floor(stand.api.clock.now() / 1000) + 7 * 24 * 3600;
    assert.deepEqual((await kfList())[0], {
      kf_account: alice,
      kf_nick: 'Alice',
      kf_id: '1001',
      kf_headimg: '',
      invite_wx: 'alice_wx',
      invite_expire_time: expires,
      invite_status: 'waiting',
    });
    assert.equal((await control(alice, { invite: 'accept' })).status, 200);
    assert.deepEqual((await kfList())[0], {
      kf_account: alice,
      kf_nick: 'Alice',
      kf_id: '1001',
      kf_headimg: '',
      kf_wx: 'alice_wx',
    });
    assert.equal((await control(alice, { invite: 'accept' })).status, 409, 'no invitation waits any more');
  });

  it('refuses invitations: 65401 unknown kf, 65409 bad WeChat ID, 65408 / 65411 one waiting, 65412 bound, 65407 a worker already', async () => {
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      65401,
    );
    await post('/customservice/kfaccount/add', { kf_account: alice, nickname: 'Alice' });
    for (const wx of ['', '1abcdef', 'abc', 'a'.repeat(21), 'ab cdef', 42, undefined]) {
      assert.equal(
        await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: wx }),
        65409,
        String(wx),
      );
    }
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      0,
    );
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      65408,
    );
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'other_wx' }),
      65411,
    );
    await control(alice, { invite: 'reject' });
    assert.equal((await kfList())[0]?.invite_status, 'rejected');
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      0,
      'after a rejection',
    );
    stand.api.clock.advance(7 * 24 * 3600_000);
    stand.token = await stand.api.token(account);
    assert.equal((await kfList())[0]?.invite_status, 'expired');
    assert.equal((await control(alice, { invite: 'accept' })).status, 409, 'an expired invitation cannot be accepted');
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' }),
      0,
      'after expiry',
    );
    await control(alice, { invite: 'accept' });
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'other_wx' }),
      65412,
    );
    await post('/customservice/kfaccount/add', { kf_account: bob, nickname: 'Bob' });
    assert.equal(
      await errcodeOf('/customservice/kfaccount/inviteworker', { kf_account: bob, invite_wx: 'alice_wx' }),
      65407,
    );
  });

  it('creates, reads and closes sessions; getonlinekflist counts them', async () => {
    await boundKf(alice, 'alice_wx');
    says('o_alice', 'hello');
    const createdAt = Math.floor(stand.api.clock.now() / 1000);
    assert.equal(await create(alice, 'o_alice'), 0);
    assert.deepEqual(await get('/customservice/kfsession/getsession', '&openid=o_alice'), {
      createtime: createdAt,
      kf_account: alice,
    });
    assert.deepEqual(await get('/customservice/kfsession/getsessionlist', `&kf_account=${alice}`), {
      sessionlist: [{ createtime: createdAt, openid: 'o_alice' }],
    });
    const online = (await get('/cgi-bin/customservice/getonlinekflist')).kf_online_list as Record<string, unknown>[];
    assert.equal(online[0]?.accepted_case, 1);
    // Already in a session: the call succeeds and the session stays as it was (session-control doc).
    await boundKf(bob, 'bob_wx');
    stand.api.clock.advance(1000);
    assert.equal(await create(bob, 'o_alice'), 0);
    assert.deepEqual(await get('/customservice/kfsession/getsession', '&openid=o_alice'), {
      createtime: createdAt,
      kf_account: alice,
    });
    assert.equal(await close(alice, 'o_alice'), 0);
    assert.deepEqual(await get('/customservice/kfsession/getsession', '&openid=o_alice'), {
      createtime: 0,
      kf_account: '',
    });
    assert.deepEqual(await get('/customservice/kfsession/getsessionlist', `&kf_account=${alice}`), { sessionlist: [] });
  });

  it('refuses sessions: 65401 unknown kf, 40003 unknown follower, 65402 unbound, 65415 offline, 45015 no 48 h window', async () => {
    assert.equal(await create(alice, 'o_alice'), 65401);
    await post('/customservice/kfaccount/add', { kf_account: alice, nickname: 'Alice' });
    assert.equal(await create(alice, 'o_nobody'), 40003);
    assert.equal(await create(alice, undefined as unknown as string), 40003);
    assert.equal(await create(alice, 'o_alice'), 65402);
    assert.equal((await get('/customservice/kfsession/getsessionlist', `&kf_account=${alice}`)).errcode, 65402);
    assert.equal((await get('/customservice/kfsession/getsessionlist', '&kf_account=zz@gh_demo')).errcode, 65401);
    await post('/customservice/kfaccount/inviteworker', { kf_account: alice, invite_wx: 'alice_wx' });
    await control(alice, { invite: 'accept', isOnline: false });
    assert.equal(await create(alice, 'o_alice'), 65415);
    assert.deepEqual(await get('/cgi-bin/customservice/getonlinekflist'), { kf_online_list: [] });
    await control(alice, { isOnline: true });
    assert.equal(await create(alice, 'o_alice'), 45015, 'the follower never messaged');
    stand.api.state.recordInteraction(account.appId, 'o_alice', 'event');
    assert.equal(await create(alice, 'o_alice'), 45015, 'a menu click opens no 48 h window');
    says('o_alice', 'hi');
    stand.api.state.audience.setSubscribed(account.appId, 'o_alice', false);
    assert.equal(await create(alice, 'o_alice'), 45015, 'unfollowed');
    assert.equal((await get('/customservice/kfsession/getsession', '&openid=o_nobody')).errcode, 40003);
    assert.equal((await get('/customservice/kfsession/getsession')).errcode, 40003);
  });

  it('closing needs the follower’s session (65413) with that kf account (65414); sessions lapse with the 48 h window', async () => {
    await boundKf(alice, 'alice_wx');
    await boundKf(bob, 'bob_wx');
    says('o_alice', 'hi');
    assert.equal(await close(alice, 'o_alice'), 65413);
    assert.equal(await close(alice, 'o_nobody'), 40003);
    await create(alice, 'o_alice');
    assert.equal(await close(bob, 'o_alice'), 65414);
    assert.equal(await close('zz@gh_demo', 'o_alice'), 65401);
    stand.api.clock.advance(48 * 3600_000);
    stand.token = await stand.api.token(account);
    assert.equal(await close(alice, 'o_alice'), 65413, 'the session ended with the window');
    says('o_alice', 'back');
    await create(alice, 'o_alice');
    await post('/customservice/kfaccount/del', { kf_account: alice });
    assert.deepEqual(await get('/customservice/kfsession/getsession', '&openid=o_alice'), {
      createtime: 0,
      kf_account: '',
    });
  });

  it('lists the followers waiting: a message outside any session, within 48 h, oldest first', async () => {
    await boundKf(alice, 'alice_wx');
    assert.deepEqual(await get('/customservice/kfsession/getwaitcase'), { count: 0, waitcaselist: [] });
    says('o_bob', 'first');
    const bobAt = Math.floor(stand.api.clock.now() / 1000);
    stand.api.clock.advance(5000);
    says('o_alice', 'second');
    const aliceAt = Math.floor(stand.api.clock.now() / 1000);
    assert.deepEqual(await get('/customservice/kfsession/getwaitcase'), {
      count: 2,
      waitcaselist: [
        { latest_time: bobAt, openid: 'o_bob' },
        { latest_time: aliceAt, openid: 'o_alice' },
      ],
    });
    await create(alice, 'o_bob');
    stand.api.clock.advance(1000);
    says('o_bob', 'in session');
    await close(alice, 'o_bob');
    assert.deepEqual(await get('/customservice/kfsession/getwaitcase'), {
      count: 1,
      waitcaselist: [{ latest_time: aliceAt, openid: 'o_alice' }],
    });
    stand.api.clock.advance(1000);
    says('o_bob', 'after the session');
    assert.equal((await get('/customservice/kfsession/getwaitcase')).count, 2);
    stand.api.clock.advance(48 * 3600_000);
    stand.token = await stand.api.token(account);
    assert.deepEqual(await get('/customservice/kfsession/getwaitcase'), { count: 0, waitcaselist: [] });
  });

  it('getmsglist returns what followers and kf accounts exchanged, paged by msgid', async () => {
    await boundKf(alice, 'alice_wx');
    const start = Math.floor(stand.api.clock.now() / 1000);
    says('o_alice', 'before any session');
    stand.api.clock.advance(1000);
    await create(alice, 'o_alice');
    stand.api.clock.advance(1000);
    says('o_alice', 'I need help');
    stand.api.clock.advance(1000);
    assert.equal(
      await errcodeOf('/cgi-bin/message/custom/send', {
        touser: 'o_alice',
        msgtype: 'text',
        text: { content: 'on it' },
      }),
      0,
    );
    stand.api.clock.advance(1000);
    const { mediaId } = stand.api.state.media.add(account.appId, 'image', 'png', Buffer.from('png'));
    const image = { touser: 'o_alice', msgtype: 'image', image: { media_id: mediaId } };
    assert.equal(await errcodeOf('/cgi-bin/message/custom/send', image), 0);
    stand.api.clock.advance(500);
    await close(alice, 'o_alice');
    says('o_bob', 'outside a session');
    const asKf = {
      touser: 'o_bob',
      msgtype: 'text',
      text: { content: 'as alice' },
      customservice: { kf_account: alice },
    };
    assert.equal(await errcodeOf('/cgi-bin/message/custom/send', asKf), 0);
    const query = { starttime: start, endtime: start + 86_400, msgid: 1, number: 10_000 };
    const all = await post('/customservice/msgrecord/getmsglist', query);
    assert.deepEqual(
      (all.recordlist as Record<string, unknown>[]).map(({ openid, opercode, text, time, worker }) => [
        openid,
        opercode,
        text,
        Number(time) - start,
        worker,
      ]),
      [
        ['o_alice', 2003, 'I need help', 2, alice],
        ['o_alice', 2002, 'on it', 3, alice],
        ['o_alice', 2002, '[image]', 4, alice],
        ['o_bob', 2002, 'as alice', 4, alice],
      ],
    );
    assert.equal(all.number, 4);
    const first = await post('/customservice/msgrecord/getmsglist', { ...query, number: 3 });
    assert.equal(first.number, 3);
    const rest = await post('/customservice/msgrecord/getmsglist', { ...query, number: 3, msgid: first.msgid });
    assert.deepEqual(
      (rest.recordlist as Record<string, unknown>[]).map((record) => record.text),
      ['as alice'],
    );
    const later = await post('/customservice/msgrecord/getmsglist', {
      ...query,
      starttime: start + 4,
      endtime: start + 4,
    });
    assert.equal(later.number, 2);
  });

  it('getmsglist refuses bad parameters (65416) and more than 24 h (65417)', async () => {
    const ok = { starttime: 1_700_000_000, endtime: 1_700_086_400, msgid: 1, number: 10 };
    assert.deepEqual(await post('/customservice/msgrecord/getmsglist', ok), { recordlist: [], number: 0, msgid: 1 });
    for (const bad of [
      { starttime: undefined },
      { starttime: '1700000000' },
      { endtime: 1_699_999_999 },
      { msgid: 0 },
      { msgid: 1.5 },
      { number: 0 },
      { number: 10_001 },
      { starttime: -1 },
    ]) {
      assert.equal(
        await errcodeOf('/customservice/msgrecord/getmsglist', { ...ok, ...bad }),
        65416,
        JSON.stringify(bad),
      );
    }
    assert.equal(
      await errcodeOf('/customservice/msgrecord/getmsglist', { ...ok, endtime: ok.starttime + 86_401 }),
      65417,
    );
    assert.equal((await stand.api.post('/customservice/msgrecord/getmsglist', ok)).errcode, 41001);
  });
});
