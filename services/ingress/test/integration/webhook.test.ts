import assert from 'node:assert/strict';
import { serviceWindowKey } from '@mpstack/common/contracts';
import { parseXml, templateSendJobFinishEvent, urlSignature } from '@mpstack/common/wechat';
import { uniqueName, until } from '@mpstack/testkit';
import { hello } from '../support/accounts.js';
import { callbackUrl, freshStamp, plainPost, send, textXml, toAnswer } from '../support/callback.js';
import { assertUntouched, type Harness, startHarness, traceOf } from '../support/harness.js';

describe('ingress webhook: verification, replay and service endpoints (real Redis + RabbitMQ)', function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  const user = () => uniqueName('oUser');
  const text = (from: string, content: string, id?: string) =>
    textXml({ to: h.accounts.plain.originalId, from, content, ...(id === undefined ? {} : { id }) });

  it('answers a keyword in plaintext mode with the rule reply and does not forward it', async () => {
    const from = user();
    const answer = await send(plainPost(h.url, h.accounts.plain, text(from, hello.keyword)));
    assert.equal(answer.status, 200);
    const reply = parseXml(answer.body);
    assert.equal(reply.Content, hello.reply);
    assert.equal(reply.ToUserName, from);
    await h.drain(from);
    assert.equal(traceOf(h, from).executed.length, 1);
    assert.deepEqual(traceOf(h, from).forwarded, []);
  });

  it("records the follower's customer-service window after the reply: a message opens it, an unfollow closes it", async () => {
    const from = user();
    const key = serviceWindowKey(h.accounts.plain.appId, from);
    assert.equal(await h.coordination.takeServiceWindow(key), 'closed');
    const answer = await send(plainPost(h.url, h.accounts.plain, text(from, 'a question')));
    assert.equal(answer.status, 200);
    await until(async () => (await h.coordination.takeServiceWindow(key)) === 'allowed', 5_000, 'window opened');
    const unfollow = `<xml><ToUserName><![CDATA[${h.accounts.plain.originalId}]]></ToUserName><FromUserName><![CDATA[${from}]]></FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[unsubscribe]]></Event></xml>`;
    assert.equal((await send(plainPost(h.url, h.accounts.plain, unfollow))).status, 200);
    await until(async () => (await h.coordination.takeServiceWindow(key)) === 'closed', 5_000, 'window closed');
  });

  it('hands a template-send receipt to the receipt queue without a claim and answers success; a re-delivery goes again', async () => {
    const from = user();
    const msgId = String(Date.now());
    const receipt = templateSendJobFinishEvent({
      from,
      to: h.accounts.plain.originalId,
      createTime: Math.floor(Date.now() / 1000),
      msgId,
      status: 'success',
    });
    const delivery = plainPost(h.url, h.accounts.plain, receipt);
    const first = await send(delivery);
    assert.deepEqual([first.status, first.body], [200, 'success']);
    await until(() => h.receipts.some((r) => r.msgId === msgId), 5_000, 'the receipt queued');
    const queued = h.receipts.find((r) => r.msgId === msgId);
    assert.deepEqual([queued?.kind, queued?.status, queued?.openId], ['template', 'success', from]);
    // WeChat's re-delivery (same nonce and body): forwarded again, as no claim was taken —
    // business applies a MsgID once (template_receipts' key).
    const again = await send(delivery);
    assert.deepEqual([again.status, again.body], [200, 'success']);
    await until(() => h.receipts.filter((r) => r.msgId === msgId).length === 2, 5_000, 'the re-delivery queued');
    await h.drain(from);
    assert.deepEqual(traceOf(h, from), { executed: [], forwarded: [] }, 'no plugin, no follower partition');
    await until(
      () => h.logEvents.filter((e) => e.openId === from && e.event === 'TEMPLATESENDJOBFINISH').length === 2,
      5_000,
      'both logged',
    );
    assert.ok(h.logEvents.every((e) => e.event !== 'TEMPLATESENDJOBFINISH' || e.outcome === 'accepted_published'));
  });

  it('refuses a POST without signature, timestamp and nonce (401 signature_invalid), executing nothing', async () => {
    const from = user();
    const answer = await send({ url: `${h.url}/wx/plain`, body: text(from, 'no signature') });
    assert.deepEqual([answer.status, answer.code], [401, 'signature_invalid']);
    await assertUntouched(h, from);
  });

  it('refuses a wrong signature (401 signature_invalid, -40001), executing nothing', async () => {
    const from = user();
    const stamp = freshStamp();
    const url = callbackUrl(h.url, 'plain', {
      signature: urlSignature('wrongtoken', stamp.timestamp, stamp.nonce),
      ...stamp,
    });
    const answer = await send({ url, body: text(from, 'forged') });
    assert.deepEqual([answer.status, answer.code, answer.wxCode], [401, 'signature_invalid', -40001]);
    await assertUntouched(h, from);
  });

  it('refuses a correctly signed but stale timestamp (401 timestamp_stale), executing nothing', async () => {
    const from = user();
    const stale = freshStamp(Date.now() - 3_600_000);
    const answer = await send(plainPost(h.url, h.accounts.plain, text(from, 'old'), stale));
    assert.deepEqual([answer.status, answer.code], [401, 'timestamp_stale']);
    await assertUntouched(h, from);
  });

  it('refuses a replayed nonce carrying a different message (401 nonce_replayed); only the first runs', async () => {
    const from = user();
    const stamp = freshStamp();
    const first = await send(plainPost(h.url, h.accounts.plain, text(from, 'first'), stamp));
    assert.equal(first.status, 200);
    const replay = await send(plainPost(h.url, h.accounts.plain, text(from, 'second'), stamp));
    assert.deepEqual([replay.status, replay.code], [401, 'nonce_replayed']);
    await h.drain(from);
    const trace = traceOf(h, from);
    assert.deepEqual(
      trace.executed.map((m) => (m.kind === 'text' ? m.content : m.kind)),
      ['first'],
    );
    assert.deepEqual(
      trace.forwarded.map((f) => (f.message.kind === 'text' ? f.message.content : f.message.kind)),
      ['first'],
    );
  });

  it('gives a WeChat retry that reuses its nonce the cached reply, without a second execution', async () => {
    const from = user();
    const post = plainPost(h.url, h.accounts.plain, text(from, hello.keyword));
    const first = await send(post);
    const retry = await send(post);
    assert.equal(first.status, 200);
    assert.equal(retry.status, 200);
    assert.equal(retry.body, first.body);
    assert.equal(parseXml(retry.body).Content, hello.reply);
    await h.drain(from);
    assert.equal(traceOf(h, from).executed.length, 1);
  });

  it('answers 404 account_unknown for an account it does not serve', async () => {
    const from = user();
    const answer = await send({
      ...plainPost(h.url, h.accounts.plain, text(from, 'x')),
      url: `${h.url}/wx/nobody?a=1`,
    });
    assert.deepEqual([answer.status, answer.code], [404, 'account_unknown']);
    await assertUntouched(h, from);
  });

  it('echoes echostr verbatim on GET URL verification, and refuses a bad signature with 401', async () => {
    const stamp = freshStamp();
    const echostr = '8417395112737462195';
    const signature = urlSignature(h.accounts.plain.token, stamp.timestamp, stamp.nonce);
    const good = await fetch(callbackUrl(h.url, 'plain', { signature, ...stamp, echostr }));
    assert.deepEqual([good.status, await good.text()], [200, echostr]);
    const bad = await fetch(callbackUrl(h.url, 'plain', { signature: '0'.repeat(40), ...stamp, echostr }));
    const answer = toAnswer(bad.status, await bad.text());
    assert.deepEqual([answer.status, answer.code], [401, 'signature_invalid']);
    assert.ok(!answer.body.includes(echostr));
  });

  it('answers 405 with Allow: GET, POST to other methods', async () => {
    const response = await fetch(plainPost(h.url, h.accounts.plain, '<xml/>').url, { method: 'PUT', body: 'x' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.get('allow'), 'GET, POST');
    assert.equal(toAnswer(405, await response.text()).code, 'method_not_allowed');
  });

  it('serves /healthz (alive) and /readyz (cache, queue and accounts ready)', async () => {
    const health = await fetch(`${h.url}/healthz`);
    assert.deepEqual([health.status, ((await health.json()) as { status: string }).status], [200, 'ok']);
    const ready = await fetch(`${h.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, {
      cache: true,
      queue: true,
      accounts: true,
    });
  });

  it('counts requests in mpstack_requests_total by account, msg_type and outcome on /metrics', async () => {
    await send(plainPost(h.url, h.accounts.plain, text(user(), hello.keyword)));
    const line = await until(
      async () => {
        const metrics = await (await fetch(`${h.url}/metrics`)).text();
        return metrics
          .split('\n')
          .find(
            (l) =>
              l.startsWith('mpstack_requests_total{') &&
              l.includes('account="plain"') &&
              l.includes('msg_type="text"') &&
              l.includes('outcome="replied"'),
          );
      },
      5_000,
      'the request counter',
    );
    assert.ok(Number(line.split(' ').at(-1)) >= 1, line);
  });
});
