import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  clickEvent,
  type SimAccount,
  SimulatorState,
  sendToAccount,
  serviceUnavailableText,
  textMessage,
} from '../../src/index.js';
import { compatibleAccount, encryptedReply, fakeIngress, safeAccount, testAccount } from '../helpers.js';

const plain = testAccount();
const compatible = compatibleAccount();
const safe = safeAccount();

function textReply(content: string): string {
  return `<xml><ToUserName><![CDATA[o_alice]]></ToUserName><FromUserName><![CDATA[gh_demo]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${content}]]></Content></xml>`;
}

const hello = (account: SimAccount, msgId = '6054768590064713728') =>
  textMessage({ from: 'o_alice', to: `gh_${account.id}`, content: '你好 😀', msgId, createTime: 1_700_000_000 });

describe('sendToAccount (WeChat message push)', () => {
  it('posts a signed plaintext message with openid in the query and shows the text reply', async () => {
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.end(textReply('欢迎 🎉'));
    });
    try {
      const report = await sendToAccount({ url: `${ingress.url}/wx/demo`, account: plain, xml: hello(plain) });
      const push = ingress.pushes[0];
      assert.ok(push);
      assert.equal(push.isSignatureValid, true);
      assert.equal(push.query.get('openid'), 'o_alice');
      assert.equal(push.query.get('encrypt_type'), null);
      assert.equal(push.message.Content, '你好 😀');
      assert.equal(report.deliveries.length, 1);
      assert.equal(report.deliveries[0]?.status, 200);
      assert.deepEqual(report.userSees.kind === 'reply' && report.userSees.reply, { type: 'text', content: '欢迎 🎉' });
    } finally {
      await ingress.close();
    }
  });

  it('in compatible mode sends plaintext fields plus Encrypt, and accepts a plaintext reply', async () => {
    const ingress = await fakeIngress([compatible], (_req, res) => {
      res.end(textReply('ok'));
    });
    try {
      const report = await sendToAccount({
        url: `${ingress.url}/wx/compat`,
        account: compatible,
        xml: hello(compatible),
      });
      const push = ingress.pushes[0];
      assert.ok(push);
      assert.equal(push.query.get('encrypt_type'), 'aes');
      assert.equal(push.isMsgSignatureValid, true);
      assert.match(push.body, /<Content><!\[CDATA\[你好 😀\]\]><\/Content>/);
      assert.match(push.body, /<Encrypt>/);
      assert.equal(push.message.Content, '你好 😀');
      assert.equal(report.userSees.kind, 'reply');
    } finally {
      await ingress.close();
    }
  });

  it('in safe mode sends only ToUserName + Encrypt and decodes an encrypted reply after checking MsgSignature', async () => {
    const ingress = await fakeIngress([safe], (_req, res) => {
      res.end(encryptedReply(safe, textReply('安全模式 🔒')));
    });
    try {
      const report = await sendToAccount({ url: `${ingress.url}/wx/safe`, account: safe, xml: hello(safe) });
      const push = ingress.pushes[0];
      assert.ok(push);
      assert.doesNotMatch(push.body, /Content/);
      assert.match(push.body, /<ToUserName><!\[CDATA\[gh_safe\]\]><\/ToUserName>/);
      assert.equal(push.isSignatureValid, true);
      assert.equal(push.isMsgSignatureValid, true);
      assert.equal(push.message.Content, '你好 😀');
      assert.equal(report.userSees.kind, 'reply');
      if (report.userSees.kind === 'reply') {
        assert.equal(report.userSees.isEncrypted, true);
        assert.deepEqual(report.userSees.reply, { type: 'text', content: '安全模式 🔒' });
      }
    } finally {
      await ingress.close();
    }
  });

  it('shows the failure text when an encrypted reply has a wrong MsgSignature, or safe mode gets plaintext', async () => {
    let reply = encryptedReply(safe, textReply('x'), '0'.repeat(40));
    const ingress = await fakeIngress([safe], (_req, res) => {
      res.end(reply);
    });
    try {
      const forged = await sendToAccount({ url: `${ingress.url}/wx/safe`, account: safe, xml: hello(safe) });
      assert.equal(forged.userSees.kind, 'error');
      assert.match(forged.userSees.kind === 'error' ? forged.userSees.reason : '', /MsgSignature/);
      reply = textReply('plaintext');
      const plainInSafe = await sendToAccount({ url: `${ingress.url}/wx/safe`, account: safe, xml: hello(safe) });
      assert.equal(plainInSafe.userSees.kind === 'error' && plainInSafe.userSees.text, serviceUnavailableText);
    } finally {
      await ingress.close();
    }
  });

  it('shows nothing for "success" or an empty body, and the failure text for a JSON reply', async () => {
    const bodies = ['success', '', '{"errcode":0}'];
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.end(bodies.shift());
    });
    try {
      const send = () => sendToAccount({ url: `${ingress.url}/wx/demo`, account: plain, xml: hello(plain) });
      assert.deepEqual((await send()).userSees, { kind: 'nothing' });
      assert.deepEqual((await send()).userSees, { kind: 'nothing' });
      const json = await send();
      assert.equal(json.userSees.kind === 'error' && json.userSees.text, serviceUnavailableText);
    } finally {
      await ingress.close();
    }
  });

  it('retries a slow server 3 times in all, each delivery timing out, then shows the failure text', async () => {
    const ingress = await fakeIngress([plain], async (_req, res) => {
      await sleep(400);
      res.end('success');
    });
    try {
      const report = await sendToAccount({
        url: `${ingress.url}/wx/demo`,
        account: plain,
        xml: hello(plain),
        timeoutMs: 100,
      });
      assert.equal(report.deliveries.length, 3);
      assert.ok(report.deliveries.every((d) => d.isTimedOut && d.status === null && d.elapsedMs >= 90));
      assert.deepEqual(report.userSees, {
        kind: 'error',
        text: '该公众号暂时无法提供服务，请稍后再试',
        reason: 'every delivery timed out',
      });
      assert.equal(ingress.pushes.length, 3);
      assert.equal(new Set(ingress.pushes.map((p) => p.message.MsgId)).size, 1, 'same MsgId on every delivery');
      assert.equal(new Set(ingress.pushes.map((p) => p.query.get('nonce'))).size, 3, 'fresh nonce per delivery');
    } finally {
      await ingress.close();
    }
  });

  it('stops at the delivery that answers in time (the 2nd) and re-uses the stamp with sameNonceOnRetry', async () => {
    let calls = 0;
    const ingress = await fakeIngress([plain], async (_req, res) => {
      calls += 1;
      if (calls === 1) await sleep(300);
      res.end(textReply('second time lucky'));
    });
    try {
      const report = await sendToAccount({
        url: `${ingress.url}/wx/demo`,
        account: plain,
        xml: hello(plain),
        timeoutMs: 100,
        sameNonceOnRetry: true,
      });
      assert.deepEqual(
        report.deliveries.map((d) => [d.attempt, d.status, d.isTimedOut]),
        [
          [1, null, true],
          [2, 200, false],
        ],
      );
      assert.equal(report.userSees.kind === 'reply' && report.userSees.reply.type, 'text');
      await sleep(250);
      assert.equal(ingress.pushes[0]?.query.get('nonce'), ingress.pushes[1]?.query.get('nonce'));
    } finally {
      await ingress.close();
    }
  });

  it('as documented, does not re-deliver after an HTTP 500 or 503: the status is an answer, the user sees the error', async () => {
    const statuses = [500, 503];
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.statusCode = statuses.shift() ?? 200;
      res.end('boom');
    });
    try {
      for (const status of [500, 503]) {
        const report = await sendToAccount({ url: `${ingress.url}/wx/demo`, account: plain, xml: hello(plain) });
        assert.deepEqual(
          report.deliveries.map((d) => d.status),
          [status],
        );
        assert.deepEqual(report.userSees, {
          kind: 'error',
          text: serviceUnavailableText,
          reason: `answered HTTP ${status}`,
        });
      }
    } finally {
      await ingress.close();
    }
  });

  it("retryOn: 'any-failure' re-delivers after a non-2xx status too (the undocumented behaviour, as an option)", async () => {
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.statusCode = 500;
      res.end('boom');
    });
    try {
      const report = await sendToAccount({
        url: `${ingress.url}/wx/demo`,
        account: plain,
        xml: hello(plain),
        retryOn: 'any-failure',
      });
      assert.deepEqual(
        report.deliveries.map((d) => d.status),
        [500, 500, 500],
      );
      assert.equal(report.userSees.kind, 'error');
    } finally {
      await ingress.close();
    }
  });

  it('re-delivers after a refused connection (no answer at all), reporting each failure', async () => {
    const refused = await sendToAccount({ url: 'http://127.0.0.1:9/wx/demo', account: plain, xml: hello(plain) });
    assert.equal(refused.deliveries.length, 3);
    assert.ok(refused.deliveries.every((d) => d.status === null && !d.isTimedOut && d.error !== undefined));
    assert.match(refused.userSees.kind === 'error' ? refused.userSees.reason : '', /every delivery failed/);
  });

  it('parses a news reply and refuses 2 articles in reply to a user message but allows them for an event', async () => {
    const item = (t: string) =>
      `<item><Title><![CDATA[${t}]]></Title><Description><![CDATA[d]]></Description><PicUrl><![CDATA[https://p/1.png]]></PicUrl><Url><![CDATA[https://u/1]]></Url></item>`;
    const news = `<xml><ToUserName>o</ToUserName><FromUserName>gh</FromUserName><CreateTime>1</CreateTime><MsgType><![CDATA[news]]></MsgType><ArticleCount>2</ArticleCount><Articles>${item('一')}${item('二')}</Articles></xml>`;
    const ingress = await fakeIngress([plain], (_req, res) => {
      res.end(news);
    });
    try {
      const toMessage = await sendToAccount({ url: `${ingress.url}/wx/demo`, account: plain, xml: hello(plain) });
      assert.equal(toMessage.userSees.kind, 'error');
      const click = clickEvent({ from: 'o_alice', to: 'gh_demo', eventKey: 'NEWS', createTime: 1 });
      const toEvent = await sendToAccount({ url: `${ingress.url}/wx/demo`, account: plain, xml: click });
      assert.ok(toEvent.userSees.kind === 'reply' && toEvent.userSees.reply.type === 'news');
      assert.deepEqual(toEvent.userSees.reply.articles[1], {
        title: '二',
        description: 'd',
        url: 'https://u/1',
        picUrl: 'https://p/1.png',
      });
    } finally {
      await ingress.close();
    }
  });

  it('records the interaction into the simulator state before delivering (opens the 48 h window)', async () => {
    const state = new SimulatorState({ clock: () => 1_700_000_000_000, accounts: [plain] });
    const report = await sendToAccount({
      url: 'http://127.0.0.1:9/wx/demo',
      account: plain,
      xml: hello(plain),
      recorder: state,
      maxDeliveries: 1,
    });
    assert.equal(report.deliveries.length, 1);
    assert.equal(state.audience.consumeKefu(plain.appId, 'o_alice'), 0);
  });
});
