import assert from 'node:assert/strict';
import { decodeAesKey, encryptMessage, WxCryptCode } from '../../../src/wechat/crypto.js';
import {
  buildEncryptedReply,
  encryptReply,
  locateEncrypt,
  openEncrypted,
  openEncryptValue,
} from '../../../src/wechat/envelope.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { buildReply } from '../../../src/wechat/replies.js';
import { msgSignature } from '../../../src/wechat/signature.js';
import { parseXml } from '../../../src/wechat/xml.js';
import { appId, current, nonce, openWith, plain, previous, timestamp, token, wxCode } from './crypto-support.js';

describe('wechat/envelope (keys and replies)', () => {
  describe('decodeAesKey', () => {
    it('rejects an EncodingAESKey that is not 43 base64 characters with -40004', () => {
      assert.throws(() => decodeAesKey('short'), wxCode(WxCryptCode.illegalAesKey));
      assert.throws(() => decodeAesKey(`${'a'.repeat(42)}!`), wxCode(WxCryptCode.illegalAesKey));
    });

    it('reports -40004 when no key is configured at all', () => {
      assert.throws(() => openWith(encryptMessage(current, appId, plain), []), wxCode(WxCryptCode.illegalAesKey));
    });
  });

  describe('locateEncrypt', () => {
    it('returns the Encrypt value', () => {
      assert.equal(locateEncrypt('<xml><Encrypt><![CDATA[abc=]]></Encrypt></xml>'), 'abc=');
    });

    it('throws -40002 when Encrypt is absent or blank', () => {
      assert.throws(() => locateEncrypt('<xml><ToUserName>gh</ToUserName></xml>'), wxCode(WxCryptCode.parseXml));
      assert.throws(() => locateEncrypt('<xml><Encrypt>  </Encrypt></xml>'), wxCode(WxCryptCode.parseXml));
    });
  });

  describe('buildEncryptedReply / encryptReply', () => {
    it('signs Encrypt with token, timestamp and nonce in the official envelope layout', () => {
      const xml = buildEncryptedReply({ encrypt: 'QUJD', token, timestamp, nonce });
      const signature = msgSignature(token, timestamp, nonce, 'QUJD');
      assert.equal(
        xml,
        `<xml><Encrypt><![CDATA[QUJD]]></Encrypt><MsgSignature><![CDATA[${signature}]]></MsgSignature>` +
          `<TimeStamp>${timestamp}</TimeStamp><Nonce><![CDATA[${nonce}]]></Nonce></xml>`,
      );
    });

    it('refuses a timestamp that is not digits (it is written unescaped) with -40011', () => {
      assert.throws(
        () => buildEncryptedReply({ encrypt: 'QUJD', token, timestamp: '1<x/>', nonce }),
        wxCode(WxCryptCode.generateXml),
      );
    });

    it('produces an envelope that openEncrypted accepts with the same key', () => {
      const envelope = encryptReply({ xml: plain, aesKey: previous, appId, token, timestamp, nonce });
      const fields = parseXml(envelope);
      const opened = openEncrypted({
        body: envelope,
        token,
        timestamp,
        nonce,
        msgSignature: fields['MsgSignature'] ?? '',
        keys: [current, previous],
        appId,
      });
      assert.deepEqual([opened.xml, opened.keyIndex], [plain, 1]);
    });

    it('round-trips emoji and 4-byte UTF-8 through reply building, encryption, decryption and parsing', () => {
      const content = '😀𠮷 and ]]> too';
      const xml = buildReply(
        { type: 'text', content },
        { toUser: 'oUser', fromUser: 'gh_1', createTime: 1409735668, inReplyTo: 'message' },
      );
      const envelope = encryptReply({ xml, aesKey: current, appId, token, timestamp, nonce });
      const opened = openValue(readEncrypt(envelope), parseXml(envelope)['MsgSignature'] ?? '');
      assert.equal(opened.xml, xml);
      assert.equal(parseXml(opened.xml)['Content'], content);
      const msg = parseMessageXml(opened.xml);
      assert.ok(msg.kind === 'text');
      assert.equal(msg.content, content);
    });
  });
});

function readEncrypt(envelope: string): string {
  return locateEncrypt(envelope);
}

function openValue(encrypt: string, signature: string) {
  return openEncryptValue({ encrypt, token, timestamp, nonce, msgSignature: signature, keys: [current], appId });
}
