import assert from 'node:assert/strict';
import { decodeAesKey, decryptWithKey, encryptMessage, WxCryptError } from '../../../src/wechat/crypto.js';
import { encryptReply, openEncrypted, openEncryptValue } from '../../../src/wechat/envelope.js';
import { parseMessageXml } from '../../../src/wechat/messages.js';
import { jssdkSignature, msgSignature } from '../../../src/wechat/signature.js';
import { parseXml } from '../../../src/wechat/xml.js';
import { loadVectors, req, type Vector } from './vectors.js';

function open(v: Vector, body: string) {
  return openEncrypted({
    body,
    token: req(v, 'token'),
    timestamp: req(v, 'timestamp'),
    nonce: req(v, 'nonce'),
    msgSignature: req(v, 'msg_signature'),
    keys: [decodeAesKey(req(v, 'encoding_aes_key'))],
    appId: req(v, 'appid'),
  });
}

function assertSourceFields(v: Vector, xml: string): void {
  const expected = v.expected?.plaintext_fields_from_source ?? {};
  const fields = parseXml(xml);
  for (const [name, value] of Object.entries(expected)) assert.equal(fields[name], value, `${v.id}: ${name}`);
}

function checkDecrypt(v: Vector): void {
  assert.equal(msgSignature(req(v, 'token'), req(v, 'timestamp'), req(v, 'nonce'), req(v, 'encrypt')), v.msg_signature);
  const opened = open(v, req(v, 'post_body'));
  assert.equal(opened.keyIndex, 0);
  const derived = v.verification?.decrypted_msg_derived ?? v.expected?.decrypted_msg_derived;
  assert.equal(opened.xml, derived);
  assertSourceFields(v, opened.xml);
  assert.equal(parseMessageXml(opened.xml).kind, 'text');
}

function checkVerifyUrl(v: Vector): void {
  const opened = openEncryptValue({
    encrypt: req(v, 'encrypt'),
    token: req(v, 'token'),
    timestamp: req(v, 'timestamp'),
    nonce: req(v, 'nonce'),
    msgSignature: req(v, 'msg_signature'),
    keys: [decodeAesKey(req(v, 'encoding_aes_key'))],
    appId: req(v, 'appid'),
  });
  assert.equal(opened.xml, v.verification?.decrypted_msg_derived ?? v.expected?.decrypted_msg_derived);
}

describe('wechat official vectors (test/fixtures/wechat/official-vectors.json)', () => {
  const vectors = loadVectors('official-vectors.json');

  for (const v of vectors.filter((x) => x.kind === 'decrypt')) {
    it(`${v.id}: verifies msg_signature, decrypts to the derived plaintext and parses it`, () => checkDecrypt(v));

    it(`${v.id}: re-encrypting with the derived random prefix reproduces the Encrypt value`, () => {
      const random = Buffer.from(req(v, 'verification').random_prefix_hex_derived ?? '', 'hex');
      const key = decodeAesKey(req(v, 'encoding_aes_key'));
      const derived = req(v, 'verification').decrypted_msg_derived ?? '';
      assert.equal(encryptMessage(key, req(v, 'appid'), derived, random), v.encrypt);
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'verify_url')) {
    it(`${v.id}: verifies the echostr signature and decrypts the echo`, () => checkVerifyUrl(v));
  }

  it('tencent-official-mp-sample-decrypt: the compatibility-mode outer fields match the decrypted ones', () => {
    const v = vectors.find((x) => x.id === 'tencent-official-mp-sample-decrypt');
    assert.ok(v);
    const opened = open(v, req(v, 'post_body'));
    const inner = parseXml(opened.xml);
    for (const name of ['ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId']) {
      assert.equal(opened.outer[name], inner[name], name);
    }
    const msg = parseMessageXml(opened.xml);
    assert.ok(msg.kind === 'text');
    assert.equal(msg.msgId, '6054768590064713728');
  });

  for (const v of vectors.filter((x) => x.kind === 'jssdk_signature')) {
    it(`${v.id}: computes the JS-SDK signature of the worked example`, () => {
      assert.equal(
        jssdkSignature(req(v, 'jsapi_ticket'), req(v, 'noncestr'), req(v, 'timestamp'), req(v, 'url')),
        v.signature,
      );
    });
  }
});

describe('wechat public SDK vectors (test/fixtures/wechat/public-vectors.json)', () => {
  const vectors = loadVectors('public-vectors.json');

  it('has a source (repo, path, commit) for every vector', () => {
    for (const v of vectors) {
      const source = (v as unknown as { source?: { repo?: string; path?: string; commit?: string } }).source;
      assert.ok(source?.repo && source.path && /^[0-9a-f]{40}$/.test(source.commit ?? ''), v.id);
    }
  });

  for (const v of vectors.filter((x) => x.kind === 'decrypt')) {
    it(`${v.id}: verifies msg_signature and decrypts the POST body to the fields the source asserts`, () =>
      checkDecrypt(v));
  }

  for (const v of vectors.filter((x) => x.kind === 'verify_url')) {
    it(`${v.id}: verifies the echostr signature and decrypts the echo`, () => checkVerifyUrl(v));
  }

  for (const v of vectors.filter((x) => x.kind === 'encrypt')) {
    it(`${v.id}: encrypting with the fixed random prefix reproduces the source ciphertext, and decrypts back`, () => {
      const key = decodeAesKey(req(v, 'encoding_aes_key'));
      const random = Buffer.from(req(v, 'random_ascii'), 'ascii');
      assert.equal(encryptMessage(key, req(v, 'appid'), req(v, 'plaintext'), random), v.encrypt);
      assert.equal(decryptWithKey(key, req(v, 'appid'), req(v, 'encrypt')), v.plaintext);
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'encrypt_reply')) {
    it(`${v.id}: builds the reply envelope with the source Encrypt and MsgSignature`, () => {
      const envelope = encryptReply({
        xml: req(v, 'plaintext'),
        aesKey: req(v, 'encoding_aes_key'),
        appId: req(v, 'appid'),
        token: req(v, 'token'),
        timestamp: req(v, 'timestamp'),
        nonce: req(v, 'nonce'),
        random: Buffer.from(req(v, 'random_ascii'), 'ascii'),
      });
      const fields = parseXml(envelope);
      assert.deepEqual(fields, {
        Encrypt: v.encrypt,
        MsgSignature: v.msg_signature,
        TimeStamp: v.timestamp,
        Nonce: v.nonce,
      });
    });
  }

  for (const v of vectors.filter((x) => x.kind === 'decrypt_error')) {
    it(`${v.id}: fails with WXBizMsgCrypt code ${v.expected_code}`, () => {
      assert.throws(
        () =>
          openEncryptValue({
            encrypt: req(v, 'encrypt'),
            token: req(v, 'token'),
            timestamp: req(v, 'timestamp'),
            nonce: req(v, 'nonce'),
            msgSignature: req(v, 'msg_signature'),
            keys: [decodeAesKey(req(v, 'encoding_aes_key'))],
            appId: req(v, 'appid'),
          }),
        (error: unknown) => error instanceof WxCryptError && error.wxCode === v.expected_code,
      );
    });
  }
});
