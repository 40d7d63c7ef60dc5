import assert from 'node:assert/strict';
import { parseMessage } from '@mpstack/common/wechat';
import { AdjustableClock, createSimulator, startSimulator } from '../../src/index.js';
import { fakeIngress, fetchToken, getJson, listen, postJson, safeAccount, testAccount } from '../helpers.js';

const plain = testAccount();
const safe = safeAccount();

function replyTo(body: string): string {
  const content = /<Content><!\[CDATA\[(.*)\]\]><\/Content>/s.exec(body)?.[1] ?? 'event';
  return `<xml><ToUserName><![CDATA[o_alice]]></ToUserName><FromUserName><![CDATA[gh_demo]]></FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[echo: ${content}]]></Content></xml>`;
}

describe('phone page', () => {
  it('serves /phone as UTF-8 HTML with the chat form', async () => {
    const clock = new AdjustableClock({ isFrozen: true, startAt: 1_700_000_000_000 });
    const { app } = createSimulator({ clock, accounts: [plain], ingressBaseUrl: 'http://127.0.0.1:9' });
    const server = await listen(app);
    try {
      const response = await fetch(`${server.url}/phone`);
      assert.match(response.headers.get('content-type') ?? '', /text\/html; charset=utf-8/);
      const html = await response.text();
      assert.match(html, /<form id="composer"/);
      assert.match(html, /<meta charset="utf-8">/);
      assert.match(html, /Noto Color Emoji/);
      const accounts = await getJson(`${server.url}/phone/api/accounts`);
      assert.equal((accounts.accounts as Array<{ id: string }>)[0]?.id, 'demo');
    } finally {
      await server.close();
    }
  });

  it('round-trips /phone/api/send through the ingress and shows kefu replies in the inbox', async () => {
    const ingress = await fakeIngress([plain], (_req, res, body) => {
      res.end(replyTo(body));
    });
    const sim = await startSimulator({ port: 0, accounts: [plain], ingressBaseUrl: ingress.url });
    try {
      const report = await postJson(`${sim.url}/phone/api/send`, {
        account: 'demo',
        openid: 'o_alice',
        action: 'text',
        content: '在吗 🙂',
      });
      assert.deepEqual((report.userSees as { reply: unknown }).reply, { type: 'text', content: 'echo: 在吗 🙂' });
      assert.equal(ingress.pushes[0]?.isSignatureValid, true);
      assert.equal(ingress.pushes[0]?.message.FromUserName, 'o_alice');

      const token = await fetchToken(sim.url, plain);
      const kefu = await postJson(`${sim.url}/cgi-bin/message/custom/send?access_token=${token}`, {
        touser: 'o_alice',
        msgtype: 'text',
        text: { content: '客服来了 👩‍💼' },
      });
      assert.equal(kefu.errcode, 0, 'the phone message opened the 48 h window');
      const inbox = await getJson(`${sim.url}/phone/api/inbox?account=demo&openid=o_alice&since=0`);
      const messages = inbox.messages as Array<{ seq: number; body: { text: { content: string } } }>;
      assert.equal(messages[0]?.body.text.content, '客服来了 👩‍💼');
      const later = await getJson(`${sim.url}/phone/api/inbox?account=demo&openid=o_alice&since=${messages[0]?.seq}`);
      assert.deepEqual(later.messages, []);
    } finally {
      await sim.close();
      await ingress.close();
    }
  });

  it('menu taps push VIEW with the URL and scancode events with the nested ScanCodeInfo', async () => {
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.end('success');
    });
    const sim = await startSimulator({ port: 0, accounts: [plain], ingressBaseUrl: ingress.url });
    try {
      const tap = (action: string, eventKey: string, content = '') =>
        postJson(`${sim.url}/phone/api/send`, { account: 'demo', openid: 'o_alice', action, eventKey, content });
      const token = await fetchToken(sim.url, plain);
      const kefu = async () =>
        (
          await postJson(`${sim.url}/cgi-bin/message/custom/send?access_token=${token}`, {
            touser: 'o_alice',
            msgtype: 'text',
            text: { content: 'x' },
          })
        ).errcode;
      await tap('view', 'https://example.com/activity?a=1&b=流量');
      assert.equal(await kefu(), 45015, 'opening a view button grants no customer-service window');
      await tap('scancode_waitmsg', 'MENU_SCAN', 'https://example.com/qr/42?x=<&>');
      assert.equal(await kefu(), 0, 'a scancode tap opens the 1-minute window');
      const [view, scan] = ingress.pushes.map((push) => parseMessage(push.message));
      assert.ok(view?.kind === 'event' && view.event === 'VIEW');
      assert.equal('eventKey' in view && view.eventKey, 'https://example.com/activity?a=1&b=流量');
      assert.ok(scan?.kind === 'event' && scan.event === 'scancode_waitmsg');
      assert.equal('eventKey' in scan && scan.eventKey, 'MENU_SCAN');
      assert.equal('scanType' in scan && scan.scanType, 'qrcode');
      assert.equal('scanResult' in scan && scan.scanResult, 'https://example.com/qr/42?x=<&>');
    } finally {
      await sim.close();
      await ingress.close();
    }
  });

  it('sends follow/unfollow events, encrypted for a safe-mode account, and tracks the follower state', async () => {
    const ingress = await fakeIngress([safe], (_req, res) => {
      res.end('success');
    });
    const sim = await startSimulator({ port: 0, accounts: [safe], ingressBaseUrl: ingress.url });
    try {
      const unsubscribed = await postJson(`${sim.url}/phone/api/send`, {
        account: 'safe',
        openid: 'o_alice',
        action: 'unsubscribe',
      });
      assert.deepEqual(unsubscribed.userSees, { kind: 'nothing' });
      assert.equal(ingress.pushes[0]?.isMsgSignatureValid, true);
      assert.equal(ingress.pushes[0]?.message.Event, 'unsubscribe');
      assert.equal(sim.state.audience.get(safe.appId, 'o_alice')?.isSubscribed, false);
      await postJson(`${sim.url}/phone/api/send`, { account: 'safe', openid: 'o_alice', action: 'subscribe' });
      assert.equal(sim.state.audience.get(safe.appId, 'o_alice')?.isSubscribed, true);
      const bad = await fetch(`${sim.url}/phone/api/send`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ account: 'nope', openid: 'x' }),
      });
      assert.equal(bad.status, 400);
    } finally {
      await sim.close();
      await ingress.close();
    }
  });
});

describe('startSimulator', () => {
  it('runs on its own adjustable clock, movable through /_sim/clock, and closes idempotently', async () => {
    const clock = new AdjustableClock({ isFrozen: true, startAt: 1_700_000_000_000 });
    const sim = await startSimulator({ port: 0, accounts: [plain], ingressBaseUrl: 'http://127.0.0.1:9', clock });
    try {
      assert.match(sim.url, /^http:\/\/127\.0\.0\.1:\d+$/);
      const moved = await postJson(`${sim.url}/_sim/clock/advance`, { ms: 60_000 });
      assert.equal(moved.now, 1_700_000_060_000);
      assert.equal(clock.now(), 1_700_000_060_000);
      assert.equal((await getJson(`${sim.url}/healthz`)).ok, true);
      const reset = await postJson(`${sim.url}/_sim/reset`, {});
      assert.equal(reset.ok, true);
    } finally {
      await sim.close();
      await sim.close();
    }
  });

  it('refuses clock moves when running on an injected clock', async () => {
    const { app } = createSimulator({ clock: () => 0, accounts: [plain], ingressBaseUrl: 'http://127.0.0.1:9' });
    const server = await listen(app);
    try {
      const response = await fetch(`${server.url}/_sim/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"ms":1}',
      });
      assert.equal(response.status, 409);
    } finally {
      await server.close();
    }
  });
});
