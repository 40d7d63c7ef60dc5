import assert from 'node:assert/strict';
import { type RunningSimulator, startSimulator } from '../../src/index.js';
import { fakeIngress, fetchToken, getJson, type Listening, postJson, type Received, testAccount } from '../helpers.js';

const plain = testAccount();

interface Entry {
  readonly seq: number;
  readonly from: string;
  readonly kind?: string;
  readonly via?: string;
  readonly text?: string;
  readonly clientId?: string;
  readonly reply?: { type: string; content?: string };
  readonly body?: { text?: { content: string } };
  readonly tone?: string;
}

/** Each entry as one short line, so an assertion shows the conversation in order. */
function lines(entries: readonly Entry[]): string[] {
  return entries
    .filter((entry) => entry.tone !== 'debug')
    .map((entry) => {
      if (entry.from === 'user') return `user ${entry.kind}: ${entry.text}`;
      if (entry.via === 'reply') return `reply ${entry.reply?.type}: ${entry.reply?.content ?? ''}`;
      if (entry.via === 'kefu') return `kefu: ${entry.body?.text?.content}`;
      return `system ${entry.tone}: ${entry.text}`;
    });
}

describe('phone: the conversation of each user, and who may write', () => {
  let ingress: Listening & { readonly pushes: Received[] };
  let sim: RunningSimulator;
  const send = (body: Record<string, unknown>) => postJson(`${sim.url}/phone/api/send`, { account: 'demo', ...body });
  const conversation = async (openid: string) =>
    (await getJson(`${sim.url}/phone/api/conversation?account=demo&openid=${openid}&since=0`)) as {
      user: { isSubscribed: boolean } | null;
      entries: Entry[];
    };

  beforeEach(async () => {
    ingress = await fakeIngress([plain], (_req, res, body) => {
      if (body.includes('人工客服')) {
        res.end(
          '<xml><ToUserName><![CDATA[o_alice]]></ToUserName><FromUserName><![CDATA[gh_demo]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[transfer_customer_service]]></MsgType></xml>',
        );
        return;
      }
      const content = /<Content><!\[CDATA\[(.*)\]\]><\/Content>/s.exec(body)?.[1];
      res.end(
        content === undefined
          ? 'success'
          : `<xml><ToUserName><![CDATA[x]]></ToUserName><FromUserName><![CDATA[gh_demo]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo: ${content}]]></Content></xml>`,
      );
    });
    sim = await startSimulator({ port: 0, accounts: [plain], ingressBaseUrl: ingress.url });
  });
  afterEach(async () => {
    await sim.close();
    await ingress.close();
  });

  it('keeps what the user sent, the passive replies and the customer-service messages, in order, per user', async () => {
    await send({ openid: 'o_alice', action: 'text', content: '在吗', clientId: 'c1' });
    const token = await fetchToken(sim.url, plain);
    const kefu = await postJson(`${sim.url}/cgi-bin/message/custom/send?access_token=${token}`, {
      touser: 'o_alice',
      msgtype: 'text',
      text: { content: '客服来了' },
    });
    assert.equal(kefu.errcode, 0);
    await send({ openid: 'o_alice', action: 'click', eventKey: 'MENU_BILL', label: '点击菜单「查账单」' });
    await send({ openid: 'o_bob', action: 'text', content: 'Bob 的消息' });

    const alice = await conversation('o_alice');
    assert.deepEqual(lines(alice.entries), [
      'user text: 在吗',
      'reply text: echo: 在吗',
      'kefu: 客服来了',
      'user action: 点击菜单「查账单」',
    ]);
    assert.equal(alice.entries[0]?.clientId, 'c1', 'the phone recognises the message it already shows');
    assert.ok(
      alice.entries.some((entry) => entry.tone === 'debug' && /^deliveries: 200 \d+ms$/.test(entry.text ?? '')),
      'each exchange notes its deliveries',
    );
    assert.deepEqual(lines((await conversation('o_bob')).entries), [
      'user text: Bob 的消息',
      'reply text: echo: Bob 的消息',
    ]);

    const since = alice.entries[1]?.seq ?? 0;
    const later = await getJson(`${sim.url}/phone/api/conversation?account=demo&openid=o_alice&since=${since}`);
    assert.deepEqual(lines(later.entries as Entry[]), ['kefu: 客服来了', 'user action: 点击菜单「查账单」']);
    const viaControls = await getJson(`${sim.url}/_sim/accounts/demo/chat/o_alice`);
    assert.deepEqual(viaControls.entries, alice.entries, '/_sim/accounts/:account/chat/:openid is the same log');
    const inbox = await getJson(`${sim.url}/_sim/accounts/demo/inbox/o_alice`);
    assert.deepEqual(
      (inbox.messages as Array<{ body: unknown }>).map((message) => message.body),
      [{ msgtype: 'text', text: { content: '客服来了' } }],
      'the inbox still lists the customer-service messages alone',
    );
  });

  it('records a transfer to customer service as the account’s reply', async () => {
    await send({ openid: 'o_alice', action: 'text', content: '人工客服' });
    assert.deepEqual(lines((await conversation('o_alice')).entries), [
      'user text: 人工客服',
      'reply transfer_customer_service: ',
    ]);
  });

  it('refuses messages from a user who unfollowed or never followed, pushing nothing, until they follow', async () => {
    await send({ openid: 'o_alice', action: 'unsubscribe' });
    assert.equal((await conversation('o_alice')).user?.isSubscribed, false);
    const pushed = ingress.pushes.length;
    for (const action of ['text', 'click', 'view', 'location', 'unsubscribe']) {
      const refused = await fetch(`${sim.url}/phone/api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'demo', openid: 'o_alice', action, content: 'hi', eventKey: 'K' }),
      });
      assert.equal(refused.status, 409, action);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'not_following');
      assert.equal(error.message, '你已取消关注这个公众号，重新关注后才能发消息');
    }
    const stranger = await send({ openid: 'o_stranger', action: 'text', content: 'hi' });
    assert.deepEqual(stranger.error, { code: 'not_following', message: '你还没有关注这个公众号，关注后才能发消息' });
    assert.equal((await conversation('o_stranger')).user, null);
    assert.equal(ingress.pushes.length, pushed, 'nothing reached the account');

    await send({ openid: 'o_alice', action: 'subscribe' });
    const back = await send({ openid: 'o_alice', action: 'text', content: '我回来了' });
    assert.deepEqual((back.userSees as { reply: unknown }).reply, { type: 'text', content: 'echo: 我回来了' });
  });

  it('answers an empty or malformed openid and an unknown account in Chinese, with 400', async () => {
    const cases: ReadonlyArray<readonly [Record<string, unknown>, string]> = [
      [{ openid: '', action: 'text' }, '请先填写用户 openid（用户在这个公众号下的标识）'],
      [{ openid: '   ', action: 'text' }, '请先填写用户 openid（用户在这个公众号下的标识）'],
      [{ action: 'text' }, '请先填写用户 openid（用户在这个公众号下的标识）'],
      [{ openid: 'o alice<script>', action: 'text' }, 'openid 只能包含字母、数字、_ 和 -，最长 64 个字符'],
      [{ openid: 'x'.repeat(65), action: 'text' }, 'openid 只能包含字母、数字、_ 和 -，最长 64 个字符'],
      [{ openid: 'o_alice', action: 'dance' }, '不支持的操作：dance'],
      [{ openid: 'o_alice', action: 'text', account: 'nope' }, '没有这个公众号：nope'],
    ];
    for (const [body, message] of cases) {
      const response = await fetch(`${sim.url}/phone/api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'demo', ...body }),
      });
      assert.equal(response.status, 400, JSON.stringify(body));
      assert.deepEqual(await response.json(), { error: { code: 'bad_request', message } });
    }
    assert.equal(ingress.pushes.length, 0);
  });
});
