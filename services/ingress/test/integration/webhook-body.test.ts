import assert from 'node:assert/strict';
import { request } from 'node:http';
import { uniqueName, until } from '@mpstack/testkit';
import { emoji } from '../support/accounts.js';
import {
  type Answer,
  encryptedPost,
  msgId,
  openReply,
  plainPost,
  seal,
  send,
  textXml,
  toAnswer,
} from '../support/callback.js';
import { assertUntouched, type Harness, harnessSettings, startHarness, traceOf } from '../support/harness.js';

function xxe(to: string, from: string): string {
  return (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>' +
    `<xml><ToUserName>${to}</ToUserName><FromUserName>${from}</FromUserName><CreateTime>1700000000</CreateTime>` +
    '<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1</MsgId></xml>'
  );
}

function billionLaughs(to: string, from: string): string {
  const levels = Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`);
  return (
    `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol0 "lol">${levels.join('')}]>` +
    `<xml><ToUserName>${to}</ToUserName><FromUserName>${from}</FromUserName><CreateTime>1700000000</CreateTime>` +
    '<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>2</MsgId></xml>'
  );
}

/** POSTs `total` bytes with chunked transfer encoding (no Content-Length), stopping once answered. */
function sendChunked(url: string, total: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'text/xml' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(toAnswer(res.statusCode ?? 0, Buffer.concat(chunks).toString('utf8'))));
    });
    req.on('error', reject);
    const chunk = Buffer.alloc(1024, 'a');
    let sent = 0;
    const pump = (): void => {
      while (sent < total && !req.destroyed) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    req.write('<xml><Content>');
    pump();
  });
}

describe('ingress webhook: bodies, XML safety and message content (real Redis + RabbitMQ)', function () {
  this.timeout(30_000);
  let h: Harness;

  before(async () => {
    h = await startHarness();
  });
  after(async () => {
    await h?.close();
  });

  const user = () => uniqueName('oUser');
  const plain = () => h.accounts.plain;
  const safe = () => h.accounts.safe;

  for (const [name, build] of [
    ['an external entity (XXE)', xxe],
    ['billion laughs', billionLaughs],
  ] as const) {
    it(`refuses ${name} in a plaintext body (400 xml_forbidden), executing nothing`, async () => {
      const from = user();
      const answer = await send(plainPost(h.url, plain(), build(plain().originalId, from)));
      assert.deepEqual([answer.status, answer.code], [400, 'xml_forbidden']);
      assert.ok(!answer.body.includes('root:'), 'no file content leaks into the answer');
      await assertUntouched(h, from);
    });

    it(`refuses ${name} inside the encrypted payload (400 xml_forbidden), executing nothing`, async () => {
      const from = user();
      const answer = await send(encryptedPost(h.url, safe(), seal(safe(), build(safe().originalId, from))));
      assert.deepEqual([answer.status, answer.code], [400, 'xml_forbidden']);
      await assertUntouched(h, from);
    });
  }

  it('refuses a body whose Content-Length exceeds the limit (413 body_too_large)', async () => {
    const from = user();
    const padding = 'x'.repeat(harnessSettings.maxBodyBytes);
    const answer = await send(plainPost(h.url, plain(), textXml({ to: plain().originalId, from, content: padding })));
    assert.deepEqual([answer.status, answer.code], [413, 'body_too_large']);
    await assertUntouched(h, from);
  });

  it('refuses a chunked body once the streamed bytes exceed the limit (413 body_too_large)', async () => {
    const post = plainPost(h.url, plain(), '');
    const answer = await sendChunked(post.url, harnessSettings.maxBodyBytes * 4);
    assert.deepEqual([answer.status, answer.code], [413, 'body_too_large']);
  });

  for (const body of ['hello, not xml', '{"ToUserName":"gh_plain"}', '<xml><Content>unclosed']) {
    it(`refuses a non-XML body ${JSON.stringify(body)} (400 xml_invalid)`, async () => {
      const answer = await send(plainPost(h.url, plain(), body));
      assert.deepEqual([answer.status, answer.code], [400, 'xml_invalid']);
    });
  }

  for (const [field, position] of [
    ['FromUserName', 'from'],
    ['Content', 'content'],
  ] as const) {
    it(`refuses a control character in ${field} (400 control_character) on every delivery, before any side effect`, async () => {
      const base = user();
      const id = msgId();
      const from = position === 'from' ? `${base}\u0001` : base;
      const content = position === 'content' ? `bell\u0007 ${base}` : `ctl ${base}`;
      for (let delivery = 1; delivery <= 3; delivery++) {
        const xml = textXml({ to: safe().originalId, from, content, id });
        const answer = await send(encryptedPost(h.url, safe(), seal(safe(), xml)));
        assert.deepEqual([answer.status, answer.code], [400, 'control_character'], `delivery ${delivery}`);
        assert.match(answer.body, new RegExp(field));
      }
      await h.drain(base);
      assert.deepEqual(
        [h.executed, h.forwarded.map((f) => f.message)].map((list) =>
          list.filter((m) => m.fields['Content']?.includes(base) === true),
        ),
        [[], []],
        'nothing executed, nothing queued',
      );
    });
  }

  it('refuses XML lacking the required elements (400 xml_invalid naming them), executing nothing', async () => {
    const from = user();
    const body = `<xml><ToUserName>gh_plain</ToUserName><Content>${from}</Content></xml>`;
    const answer = await send(plainPost(h.url, plain(), body));
    assert.deepEqual([answer.status, answer.code], [400, 'xml_invalid']);
    assert.match(answer.body, /FromUserName, CreateTime, MsgType/);
    assert.equal(
      h.executed.some((m) => m.fields['Content'] === from),
      false,
    );
  });

  it('accepts an unknown message type with `success` and forwards it with every field preserved', async () => {
    const from = user();
    const id = msgId();
    const body =
      `<xml><ToUserName>${plain().originalId}</ToUserName><FromUserName>${from}</FromUserName>` +
      '<CreateTime>1700000000</CreateTime><MsgType>miniprogrampage</MsgType><Title><![CDATA[小程序 😀]]></Title>' +
      `<AppId>wxapp0001</AppId><PagePath>pages/a?x=1&amp;y=2</PagePath><ThumbMediaId>th</ThumbMediaId><MsgId>${id}</MsgId></xml>`;
    const answer = await send(plainPost(h.url, plain(), body));
    assert.deepEqual([answer.status, answer.body], [200, 'success']);
    const [forwarded] = await until(() => {
      const found = traceOf(h, from).forwarded;
      return found.length > 0 && found;
    });
    const message = forwarded?.message;
    assert.equal(message?.kind, 'unknown');
    assert.equal(message.kind === 'unknown' ? message.msgType : '', 'miniprogrampage');
    assert.equal(message?.fields['Title'], '小程序 😀');
    assert.equal(message?.fields['PagePath'], 'pages/a?x=1&y=2');
    assert.equal(message?.fields['AppId'], 'wxapp0001');
    assert.equal(message?.fields['MsgId'], id);
    assert.equal(forwarded?.account, 'plain');
  });

  it('round-trips 4-byte UTF-8 (😀𠮷): the keyword matches and the encrypted reply carries it intact', async () => {
    const from = user();
    const xml = textXml({ to: safe().originalId, from, content: emoji.keyword });
    const answer = await send(encryptedPost(h.url, safe(), seal(safe(), xml)));
    assert.equal(answer.status, 200);
    const reply = openReply(safe(), answer.body, safe().encodingAesKey ?? '');
    assert.equal(reply.Content, emoji.reply);
    assert.deepEqual(Buffer.from(reply.Content ?? '', 'utf8'), Buffer.from(emoji.reply, 'utf8'));
  });

  it('forwards unmatched text with emoji and 4-byte characters byte for byte', async () => {
    const from = user();
    const content = 'hi 😀𠮷 🇨🇳 <&> ]]> end';
    const answer = await send(
      encryptedPost(h.url, safe(), seal(safe(), textXml({ to: safe().originalId, from, content }))),
    );
    assert.deepEqual([answer.status, answer.body], [200, 'success']);
    const [forwarded] = await until(() => {
      const found = traceOf(h, from).forwarded;
      return found.length > 0 && found;
    });
    assert.equal(forwarded?.message.kind === 'text' ? forwarded.message.content : undefined, content);
  });
});
