import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeAesKey, decryptMessage, encryptMessage } from '../../../src/wechat/crypto.js';
import { encryptReply, openEncrypted } from '../../../src/wechat/envelope.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { buildReply } from '../../../src/wechat/replies.js';
import { msgSignature, urlSignature } from '../../../src/wechat/signature.js';
import { parseXml } from '../../../src/wechat/xml.js';

const base64Chars = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const encodingAesKey = fc
  .array(fc.constantFrom(...base64Chars), { minLength: 43, maxLength: 43 })
  .map((chars) => chars.join(''))
  // 43 chars + '=' decode to 32 bytes only when the last char's low 2 bits are zero (canonical base64).
  .filter((key) => Buffer.from(`${key}=`, 'base64').toString('base64') === `${key}=`);

/** Well-formed unicode (no lone surrogates), including astral characters. */
const unicodeText = fc.string({ unit: 'grapheme', maxLength: 200 });
/** Text XML 1.0 can carry (no control characters except tab and newline; CR is normalised away). */
// biome-ignore lint/suspicious/noControlCharactersInRegex: filtering control characters is the point
const forbiddenInXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF\r]/;
const xmlText = unicodeText.filter((s) => s.length > 0 && !forbiddenInXml.test(s));

describe('wechat properties (fast-check)', () => {
  it('decrypt(encrypt(x)) === x for arbitrary unicode messages, appids and keys', () => {
    fc.assert(
      fc.property(encodingAesKey, unicodeText, unicodeText, (aesKey, appId, message) => {
        const key = decodeAesKey(aesKey);
        const decrypted = decryptMessage([key], appId, encryptMessage(key, appId, message));
        assert.equal(decrypted.message, message);
        assert.equal(decrypted.keyIndex, 0);
      }),
      { numRuns: 200 },
    );
  });

  it('signatures do not depend on the order of their inputs', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), (a, b, c, d) => {
        assert.equal(urlSignature(a, b, c), urlSignature(c, a, b));
        assert.equal(urlSignature(a, b, c), urlSignature(b, c, a));
        assert.equal(msgSignature(a, b, c, d), msgSignature(d, c, b, a));
        assert.equal(msgSignature(a, b, c, d), msgSignature(b, d, a, c));
      }),
    );
  });

  it('a text reply survives build → encrypt → open → parse for any XML-safe content', () => {
    const key = decodeAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
    fc.assert(
      fc.property(xmlText, fc.nat({ max: 2_000_000_000 }), (content, createTime) => {
        const xml = buildReply(
          { type: 'text', content },
          { toUser: 'o', fromUser: 'gh', createTime, inReplyTo: 'event' },
        );
        const envelope = encryptReply({ xml, aesKey: key, appId: 'wx1', token: 't', timestamp: '1', nonce: 'n' });
        const signature = parseXml(envelope)['MsgSignature'] ?? '';
        const opened = openEncrypted({
          body: envelope,
          token: 't',
          timestamp: '1',
          nonce: 'n',
          msgSignature: signature,
          keys: [key],
          appId: 'wx1',
        });
        const msg = parseMessageXml(opened.xml);
        assert.ok(msg.kind === 'text');
        assert.equal(msg.content, content);
        assert.equal(msg.createTime, createTime);
      }),
      { numRuns: 200 },
    );
  });
});
