import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { cdata, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { uniqueName } from '@mpstack/testkit';
import {
  type CallbackPost,
  callbackUrl,
  encryptedPost,
  freshStamp,
  plainPost,
  seal,
  send,
  textXml,
} from '../support/callback.js';
import { assertUntouched, type Harness, startHarness, traceOf } from '../support/harness.js';

const maxBodyBytes = 64 * 1024;

/** Nine levels of ten: 10⁹ "lol"s if anything ever expanded it. */
const laughs = `<!DOCTYPE lolz [<!ENTITY lol0 "lol">${Array.from(
  { length: 9 },
  (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i};`.repeat(10)}">`,
).join('')}]>`;

/** Ways to smuggle the declaration into a WeChat-shaped document, each refused 400 xml_forbidden. */
function smuggled(head: string): ReadonlyArray<readonly [string, string]> {
  const tail = '<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>7</MsgId></xml>';
  return [
    ['hidden by a comment that opens a CDATA', `<xml>${head}<!--<![CDATA[-->${laughs}<!--]]>-->${tail}`],
    ['after a processing instruction', `<?xml version="1.0"?><?pi "?>"?>${laughs}<xml>${head}${tail}`],
    ['after a nested CDATA', `<xml>${head}<A><![CDATA[<![CDATA[x]]>${laughs}]]></A>${tail}`],
    ['inside the root', `<xml>${head}${laughs}${tail}`],
    ['inside a child element', `<xml>${head}<Extra>${laughs}</Extra>${tail}`],
    ['after the root', `<xml>${head}${tail}${laughs}`],
  ];
}

function headOf(to: string, from: string): string {
  return `<ToUserName>${cdata(to)}</ToUserName><FromUserName>${cdata(from)}</FromUserName><CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime>`;
}

describe('ingress webhook: hostile bodies, downgrades and what is logged (real Redis + RabbitMQ)', function () {
  this.timeout(60_000);
  let h: Harness;
  const logLines: string[] = [];

  before(async () => {
    h = await startHarness({ settings: { maxBodyBytes }, logLines });
  });
  after(async () => {
    await h?.close();
  });

  const user = () => uniqueName('oUser');

  describe('XML smuggling', () => {
    for (const [name, build] of smuggled('')
      .map(([n]) => n)
      .entries()) {
      it(`refuses a billion-laughs declaration ${build} — plaintext and inside the ciphertext (400 xml_forbidden), executing nothing`, async () => {
        const from = user();
        const plain = h.accounts.plain;
        const safe = h.accounts.safe;
        const [, plainBody] = smuggled(headOf(plain.originalId, from))[name] ?? [];
        const [, safeBody] = smuggled(headOf(safe.originalId, from))[name] ?? [];
        for (const post of [
          plainPost(h.url, plain, plainBody ?? ''),
          encryptedPost(h.url, safe, seal(safe, safeBody ?? '')),
        ]) {
          const answer = await send(post);
          assert.deepEqual([answer.status, answer.code], [400, 'xml_forbidden']);
        }
        await assertUntouched(h, from);
      });
    }

    it('never parses the envelope of an encrypted body: a bomb next to a valid <Encrypt> is not even read', async () => {
      const safe = h.accounts.safe;
      const from = user();
      const encrypt = seal(safe, textXml({ to: safe.originalId, from, content: 'hello' }));
      const post = encryptedPost(h.url, safe, encrypt);
      const hostile = post.body.replace('<Encrypt>', `<!--<![CDATA[-->${laughs}<!--]]>--><C>&lol9;</C><Encrypt>`);
      const answer = await send({ url: post.url, body: hostile });
      assert.equal(answer.status, 200, answer.body);
      // The same envelope with a forged msg_signature is refused before anything else happens.
      const forged = encryptedPost(h.url, safe, encrypt, { msgSignature: 'f'.repeat(40) });
      const refused = await send({ url: forged.url, body: hostile });
      assert.deepEqual([refused.status, refused.code], [401, 'signature_invalid']);
    });

    it('finds <Encrypt> in a compatible-mode body by a linear walk that refuses a hidden declaration (never the parser)', async () => {
      const compat = h.accounts.compat;
      const from = user();
      const xml = textXml({ to: compat.originalId, from, content: '<Encrypt>x</Encrypt>' });
      const encrypt = seal(compat, xml);
      const post = encryptedPost(h.url, compat, encrypt, { msgSignature: 'f'.repeat(40) });
      // Two <Encrypt> (one in the user's text) and a 300 MB entity behind the comment bypass.
      const bomb = `<!DOCTYPE x [<!ENTITY a "${'x'.repeat(30_000)}">]>`;
      const body = xml.replace(
        '</xml>',
        `<!--<![CDATA[-->${bomb}<!--]]>--><C>${'&a;'.repeat(5_000)}</C><Encrypt>${cdata(encrypt)}</Encrypt></xml>`,
      );
      const answer = await send({ url: post.url, body });
      assert.deepEqual([answer.status, answer.code], [400, 'xml_forbidden']);
      await assertUntouched(h, from);
    });

    it('refuses 4,200 levels of nesting and a tag with 5,000 attributes (400 xml_too_complex)', async () => {
      const plain = h.accounts.plain;
      const from = user();
      const head = headOf(plain.originalId, from);
      const deep = `<xml>${head}<MsgType>text</MsgType>${'<a>'.repeat(4_200)}${'</a>'.repeat(4_200)}</xml>`;
      const wide = `<xml>${head}<MsgType>text</MsgType><A ${'b="1" '.repeat(5_000)}/></xml>`;
      for (const body of [deep, wide]) {
        const answer = await send(plainPost(h.url, plain, body));
        assert.deepEqual([answer.status, answer.code], [400, 'xml_too_complex']);
      }
      await assertUntouched(h, from);
    });
  });

  describe('compatible mode', () => {
    it('refuses a forged plaintext message sent with a captured signed URL (400 plaintext_refused), logged as a downgrade', async () => {
      const compat = h.accounts.compat;
      const victim = user();
      const xml = textXml({ to: compat.originalId, from: victim, content: 'transfer everything' });
      // Exactly what compatible mode posts, minus encrypt_type and msg_signature.
      const body = xml.replace('</xml>', `<Encrypt>${cdata(seal(compat, xml))}</Encrypt></xml>`);
      const stamp = freshStamp();
      const url = callbackUrl(h.url, compat.id, {
        signature: urlSignature(compat.token, stamp.timestamp, stamp.nonce),
        ...stamp,
        openid: victim,
      });
      const answer = await send({ url, body });
      assert.deepEqual([answer.status, answer.code], [400, 'plaintext_refused']);
      await assertUntouched(h, victim);
      const line = logLines.find((l) => l.includes('encryption downgrade refused') && l.includes(stamp.timestamp));
      assert.ok(line !== undefined, 'the downgrade is logged');
      assert.equal(JSON.parse(line).level, 40, 'at warn');
    });
  });

  describe('logs and metrics', () => {
    it('logs a refused request without the signature, nonce or openid (a hash of it instead)', async () => {
      const plain = h.accounts.plain;
      const openid = user();
      const stamp = freshStamp();
      const signature = urlSignature(plain.token, stamp.timestamp, stamp.nonce);
      const url = callbackUrl(h.url, plain.id, {
        signature,
        ...stamp,
        openid,
        encrypt_type: 'aes',
        msg_signature: msgSignature(plain.token, stamp.timestamp, stamp.nonce, 'x'),
      });
      const answer = await send({ url, body: '<xml><Encrypt>x</Encrypt></xml>' });
      assert.equal(answer.status, 400);
      const line = logLines.find((l) => l.includes('webhook request refused') && l.includes(stamp.timestamp));
      assert.ok(line !== undefined);
      for (const secret of [signature, stamp.nonce, openid, plain.appId]) {
        assert.ok(!line.includes(secret), `the log line holds ${secret}: ${line}`);
      }
      assert.match(line, /"openidHash":"[\w-]{12}"/);
    });

    it('does not echo the configured AppID to a client (appid_mismatch)', async () => {
      const safe = h.accounts.safe;
      const from = user();
      const post = encryptedPost(
        h.url,
        safe,
        seal(safe, textXml({ to: safe.originalId, from, content: 'x' }), { appId: 'wxother' }),
      );
      const answer = await send(post);
      assert.deepEqual([answer.status, answer.code], [400, 'appid_mismatch']);
      assert.ok(!answer.body.includes(safe.appId), answer.body);
    });

    it('counts 30 made-up event names under one msg_type label', async () => {
      const plain = h.accounts.plain;
      const from = user();
      const names = Array.from({ length: 30 }, (_, i) => `madeup_${i}_${uniqueName('e')}`);
      for (const name of names) {
        const body = `<xml>${headOf(plain.originalId, from)}<MsgType>event</MsgType><Event>${name}</Event></xml>`;
        assert.equal((await send(plainPost(h.url, plain, body))).status, 200);
      }
      const metrics = await (await fetch(`${h.url}/metrics`)).text();
      assert.ok(!names.some((name) => metrics.includes(name)), 'no raw event name becomes a label');
      assert.match(metrics, /mpstack_requests_total\{[^}]*msg_type="event:other"/);
    });
  });

  describe('a captured signed URL replayed with hostile bodies', () => {
    /**
     * 64 KB bodies built to be as expensive as possible for the old guard and parser: one
     * 30 KB entity referenced 10,000 times behind the comment bypass (a 300 MB string once
     * expanded), or CDATA openers that the old CDATA-stripping regex scanned quadratically.
     */
    function hostileBody(to: string, from: string, variant: number): string {
      const head = `<xml>${headOf(to, from)}<MsgType>text</MsgType>`;
      if (variant % 2 === 0) {
        const declaration = `<!DOCTYPE x [<!ENTITY a "${'x'.repeat(30_000)}">]>`;
        return `${head}<!--<![CDATA[-->${declaration}<!--]]>--><Content>${'&a;'.repeat(10_000)}</Content></xml>`;
      }
      const padding = '<![CDATA[<!DOCTYPE '.repeat(Math.floor((maxBodyBytes - head.length - 64) / 19));
      return `${head}<Content>${padding}</Content></xml>`;
    }

    it('keeps legitimate requests answering while 60 hostile replays arrive, at a bounded CPU cost', async () => {
      const plain = h.accounts.plain;
      const safe = h.accounts.safe;
      const attacker = user();
      const captured = plainPost(h.url, plain, '');
      const capturedSafe = encryptedPost(
        h.url,
        safe,
        seal(safe, textXml({ to: safe.originalId, from: attacker, content: 'x' })),
      );
      const hostile: CallbackPost[] = Array.from({ length: 60 }, (_, i) => ({
        url: i % 4 < 2 ? captured.url : capturedSafe.url,
        body: hostileBody(plain.originalId, attacker, i),
      }));
      // CPU time, not the event loop's wall-clock delay: on shared cores a busy neighbour
      // stretches wall-clock time, while the work a hostile body costs this process does not.
      const cpuBefore = process.cpuUsage();
      const flood = (async () => {
        const statuses: number[] = [];
        for (let i = 0; i < hostile.length; i += 4) {
          const answers = await Promise.all(hostile.slice(i, i + 4).map((post) => send(post)));
          statuses.push(...answers.map((a) => a.status));
        }
        return statuses;
      })();
      const legitimate = (async () => {
        const latencies: number[] = [];
        for (let i = 0; i < 20; i++) {
          const started = performance.now();
          const answer = await send(
            plainPost(h.url, plain, textXml({ to: plain.originalId, from: user(), content: `hi ${i}` })),
          );
          assert.equal(answer.status, 200, answer.body);
          latencies.push(performance.now() - started);
        }
        return latencies;
      })();
      const [statuses, latencies] = await Promise.all([flood, legitimate]);
      const cpu = process.cpuUsage(cpuBefore);
      const cpuMs = (cpu.user + cpu.system) / 1000;
      assert.ok(
        statuses.every((status) => status === 400 || status === 401),
        `hostile answers: ${[...new Set(statuses)].join(', ')}`,
      );
      // One such body used to cost ~0.9 s of CPU (entity expansion) or ~0.1 s (the quadratic
      // CDATA regex): 60 of them ≥ 6 s. Now the whole flood, the 20 legitimate requests and
      // the test's own work stay far below that.
      assert.ok(cpuMs < 3_000, `the flood cost ${cpuMs.toFixed(0)} ms of CPU`);
      assert.ok(Math.max(...latencies) < 5_000, `a legitimate request took ${Math.max(...latencies).toFixed(0)} ms`);
      assert.deepEqual(traceOf(h, attacker), { executed: [], forwarded: [] });
    });
  });
});
