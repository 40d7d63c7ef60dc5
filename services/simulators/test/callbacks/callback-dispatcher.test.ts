import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { parseXml, templateSendJobFinishEvent } from '@mpstack/common/wechat';
import { CallbackDispatcher, templateSendJobFinishFields } from '../../src/callbacks/callback-dispatcher.js';
import { keepAliveFetch } from '../../src/sender/keep-alive-fetch.js';
import type { TemplateSendRecord } from '../../src/template/template-store.js';
import { compatibleAccount, fakeIngress, type Listening, type Received, safeAccount } from '../helpers.js';

const account = safeAccount();

function record(n: number): TemplateSendRecord {
  return {
    msgid: 1_000_000_000 + n,
    appId: account.appId,
    openid: `o_user${n}`,
    templateId: 'tpl-order',
    request: {},
    at: 0,
    status: 'success',
    callback: 'pending',
    callbackStatuses: [],
  };
}

describe('CallbackDispatcher (TEMPLATESENDJOBFINISH pushes)', () => {
  let ingress: (Listening & { readonly pushes: Received[] }) | undefined;
  afterEach(async () => {
    await ingress?.close();
    ingress = undefined;
  });

  it('gives sendToAccount the fields parseXml reads of the event it built', () => {
    const event = {
      from: 'o_a&b',
      to: 'gh_x',
      createTime: 1700000000,
      msgId: 123456789012,
      status: 'failed:user block',
    };
    assert.deepEqual(templateSendJobFinishFields(event), parseXml(templateSendJobFinishEvent(event)));
  });

  it('builds the event byte for byte as WeChat lays it out, a `]]>` in a value split across two CDATA sections', () => {
    const event = {
      from: 'o_a]]>b',
      to: 'gh_x',
      createTime: 1700000000,
      msgId: 123456789012,
      status: 'failed:user block',
    };
    assert.equal(
      templateSendJobFinishEvent(event),
      '<xml>\n<ToUserName><![CDATA[gh_x]]></ToUserName>\n<FromUserName><![CDATA[o_a]]]]><![CDATA[>b]]></FromUserName>\n' +
        '<CreateTime>1700000000</CreateTime>\n<MsgType><![CDATA[event]]></MsgType>\n' +
        '<Event><![CDATA[TEMPLATESENDJOBFINISH]]></Event>\n<MsgID>123456789012</MsgID>\n' +
        '<Status><![CDATA[failed:user block]]></Status>\n</xml>',
    );
    assert.equal(parseXml(templateSendJobFinishEvent(event)).FromUserName, 'o_a]]>b');
  });

  it('posts each receipt signed and encrypted, at most `concurrency` at once and one at a time on a connection', async () => {
    let inFlight = 0;
    let most = 0;
    const busy = new Set<Socket>();
    let overlapped = false;
    const sockets = new Set<Socket>();
    ingress = await fakeIngress([account], async (req, res) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      if (busy.has(req.socket)) overlapped = true;
      busy.add(req.socket);
      sockets.add(req.socket);
      await new Promise((resolve) => setTimeout(resolve, 20));
      busy.delete(req.socket);
      inFlight -= 1;
      res.end('success');
    });
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url, concurrency: 3 });
    const records = Array.from({ length: 12 }, (_, n) => record(n));
    for (const r of records) dispatcher.templateFinished(account, r);
    await dispatcher.drain();
    assert.deepEqual(
      records.map((r) => [r.callback, r.callbackStatuses]),
      records.map(() => ['delivered', [200]]),
    );
    assert.equal(ingress.pushes.length, 12);
    for (const push of ingress.pushes) {
      assert.equal(push.isSignatureValid, true);
      assert.equal(push.isMsgSignatureValid, true);
      assert.equal(push.query.get('encrypt_type'), 'aes');
      assert.equal(push.message.Event, 'TEMPLATESENDJOBFINISH');
    }
    assert.deepEqual(new Set(ingress.pushes.map((p) => p.message.MsgID)), new Set(records.map((r) => String(r.msgid))));
    assert.ok(most <= 3, `at most 3 in flight (saw ${most})`);
    assert.equal(overlapped, false, 'no pipelining');
    assert.ok(sockets.size <= 3, `kept-alive connections reused (${sockets.size} sockets)`);
  });

  it('holds receipts while held — none is posted — and releases them in order at its concurrency', async () => {
    let inFlight = 0;
    let most = 0;
    ingress = await fakeIngress([account], async (_req, res) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 5));
      inFlight -= 1;
      res.end('success');
    });
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url, concurrency: 2 });
    dispatcher.hold();
    const records = Array.from({ length: 6 }, (_, n) => record(n));
    for (const r of records) dispatcher.templateFinished(account, r);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(ingress.pushes.length, 0, 'nothing posted while held');
    assert.deepEqual(dispatcher.status(), { held: true, waiting: 6, inFlight: 0 });
    assert.deepEqual(
      records.map((r) => r.callback),
      records.map(() => 'pending'),
    );
    dispatcher.release();
    await dispatcher.drain();
    assert.deepEqual(
      ingress.pushes.map((p) => p.message.MsgID),
      records.map((r) => String(r.msgid)),
      'in the order they were scheduled',
    );
    assert.ok(most <= 2, `at most 2 in flight (saw ${most})`);
    assert.deepEqual(dispatcher.status(), { held: false, waiting: 0, inFlight: 0 });
  });

  it('drains held receipts on close instead of waiting for a release that never comes', async () => {
    ingress = await fakeIngress([account], (_req, res) => {
      res.end('success');
    });
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url });
    dispatcher.hold();
    const r = record(9);
    dispatcher.templateFinished(account, r);
    await dispatcher.drain();
    assert.equal(r.callback, 'delivered');
  });

  it('re-delivers a receipt that got no answer in time, freshly stamped, and records both deliveries', async () => {
    let calls = 0;
    ingress = await fakeIngress([account], (_req, res) => {
      calls += 1;
      if (calls > 1) res.end('success');
    });
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url, timeoutMs: 150 });
    const r = record(1);
    dispatcher.templateFinished(account, r);
    await dispatcher.drain();
    assert.equal(r.callback, 'delivered');
    assert.deepEqual(r.callbackStatuses, [null, 200]);
    const [first, second] = ingress.pushes;
    assert.equal(first?.message.MsgID, second?.message.MsgID, 'the same event');
    assert.notEqual(first?.query.get('nonce'), second?.query.get('nonce'), 'a fresh stamp');
    assert.equal(second?.isMsgSignatureValid, true);
  });

  it('records a receipt failed when no delivery of the three got an answer', async () => {
    ingress = await fakeIngress([account], () => undefined);
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url, timeoutMs: 80 });
    const r = record(2);
    dispatcher.templateFinished(account, r);
    await dispatcher.drain();
    assert.equal(r.callback, 'failed');
    assert.deepEqual(r.callbackStatuses, [null, null, null]);
    assert.equal(ingress.pushes.length, 3);
  });

  it('writes a receipt as the fetch path does: same request line, headers in order, the URL’s own query kept', async () => {
    const compat = { ...compatibleAccount(), callbackUrl: '' };
    const seen: { url: string; rawHeaders: string[] }[] = [];
    ingress = await fakeIngress([compat], (req, res) => {
      seen.push({ url: req.url ?? '', rawHeaders: req.rawHeaders });
      res.end('success');
    });
    const withUrl = { ...compat, callbackUrl: `${ingress.url}/wx/compat?tenant=a%20b` };
    const viaFetch = keepAliveFetch(1);
    const own = new CallbackDispatcher({ clock: () => 1_700_000_000_000, concurrency: 1 });
    const fetched = new CallbackDispatcher({ clock: () => 1_700_000_000_000, concurrency: 1, fetchImpl: viaFetch });
    const [a, b] = [record(7), record(7)];
    own.templateFinished(withUrl, a as TemplateSendRecord);
    await own.drain();
    fetched.templateFinished(withUrl, b as TemplateSendRecord);
    await fetched.drain();
    await viaFetch.close();
    assert.deepEqual([a?.callback, b?.callback], ['delivered', 'delivered']);
    const [ownPush, fetchedPush] = ingress.pushes;
    const stampless = (url: string) =>
      url.replace(/(signature|timestamp|nonce|msg_signature)=[^&]*/g, '$1=*').replace(/[?&]encrypt_type=aes/, '');
    assert.equal(stampless(seen[0]?.url ?? ''), stampless(seen[1]?.url ?? ''));
    assert.match(
      seen[0]?.url ?? '',
      /^\/wx\/compat\?tenant=a%20b&signature=[0-9a-f]{40}&timestamp=1700000000&nonce=\d+&openid=o_user7&encrypt_type=aes&msg_signature=[0-9a-f]{40}$/,
    );
    const lengthless = (raw: string[] | undefined) => raw?.map((v, i) => (raw[i - 1] === 'content-length' ? '*' : v));
    assert.deepEqual(lengthless(seen[0]?.rawHeaders), lengthless(seen[1]?.rawHeaders));
    assert.deepEqual(seen[0]?.rawHeaders.slice(0, 6), [
      'host',
      new URL(ingress.url).host,
      'content-type',
      'text/xml; charset=utf-8',
      'user-agent',
      'Mozilla/4.0',
    ]);
    for (const push of [ownPush, fetchedPush]) {
      assert.equal(push?.isSignatureValid, true);
      assert.equal(push?.isMsgSignatureValid, true);
    }
    assert.deepEqual(ownPush?.message, fetchedPush?.message);
    assert.equal(ownPush?.message.MsgID, String(a?.msgid));
  });

  it('does not re-deliver a receipt answered with an HTTP error: the status is the answer', async () => {
    ingress = await fakeIngress([account], (_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const dispatcher = new CallbackDispatcher({ clock: Date.now, callbackBaseUrl: ingress.url });
    const r = record(3);
    dispatcher.templateFinished(account, r);
    await dispatcher.drain();
    assert.equal(r.callback, 'failed');
    assert.deepEqual(r.callbackStatuses, [500]);
    assert.equal(ingress.pushes.length, 1);
  });
});
