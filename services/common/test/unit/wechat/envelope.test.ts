import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { AppError, ErrorCode } from '../../../src/errors/app-error.js';
import { type AesKey, decodeAesKey, encryptMessage, WxCryptCode, WxCryptError } from '../../../src/wechat/crypto.js';
import { extractEncrypt, openEncrypted } from '../../../src/wechat/envelope.js';
import { msgSignature } from '../../../src/wechat/signature.js';
import {
  appId,
  current,
  nonce,
  openWith,
  plain,
  previous,
  sealed,
  timestamp,
  token,
  wxCode,
} from './crypto-support.js';

/** AES-256-CBC without padding: lets a test put any bytes, even invalid padding, under the cipher. */
function rawEncrypt(key: AesKey, plaintext: Buffer): string {
  const cipher = createCipheriv('aes-256-cbc', key.key, key.iv);
  cipher.setAutoPadding(false);
  return Buffer.concat([cipher.update(plaintext), cipher.final()]).toString('base64');
}

describe('wechat/envelope', () => {
  describe('openEncrypted', () => {
    it('opens a body sealed with the current key (keyIndex 0) and returns the outer fields', () => {
      const opened = openWith(encryptMessage(current, appId, plain));
      assert.equal(opened.xml, plain);
      assert.equal(opened.keyIndex, 0);
      assert.equal(opened.outer['ToUserName'], 'gh_1');
    });

    it('falls back to the previous key and reports keyIndex 1', () => {
      const opened = openWith(encryptMessage(previous, appId, plain), [current, previous]);
      assert.equal(opened.xml, plain);
      assert.equal(opened.keyIndex, 1);
    });

    it('rejects a wrong msg_signature with -40001 before decrypting', () => {
      // 'QUJD' is 3 bytes: decrypting it would fail with -40008, so -40001 proves the order.
      const { body } = sealed('QUJD');
      const signature = msgSignature('another-token', timestamp, nonce, 'QUJD');
      assert.throws(
        () => openEncrypted({ body, token, timestamp, nonce, msgSignature: signature, keys: [current], appId }),
        wxCode(WxCryptCode.validateSignature),
      );
    });

    it('rejects a missing (empty) msg_signature with -40001', () => {
      const { body } = sealed(encryptMessage(current, appId, plain));
      assert.throws(
        () => openEncrypted({ body, token, timestamp, nonce, msgSignature: '', keys: [current], appId }),
        wxCode(WxCryptCode.validateSignature),
      );
    });

    it('accepts an upper-case hex msg_signature', () => {
      const { body, signature } = sealed(encryptMessage(current, appId, plain));
      const opened = openEncrypted({
        body,
        token,
        timestamp,
        nonce,
        msgSignature: signature.toUpperCase(),
        keys: [current],
        appId,
      });
      assert.equal(opened.xml, plain);
    });

    it('rejects a timestamp that differs from the signed one with -40001', () => {
      const { body, signature } = sealed(encryptMessage(current, appId, plain));
      assert.throws(
        () =>
          openEncrypted({
            body,
            token,
            timestamp: '1409735670',
            nonce,
            msgSignature: signature,
            keys: [current],
            appId,
          }),
        wxCode(WxCryptCode.validateSignature),
      );
    });

    it('reports a wrong AES key as a padding (-40007) or buffer (-40008) failure', () => {
      assert.throws(
        () => openWith(encryptMessage(previous, appId, plain), [current]),
        (error: unknown) =>
          error instanceof WxCryptError &&
          ([WxCryptCode.decryptAes, WxCryptCode.illegalBuffer] as number[]).includes(error.wxCode),
      );
    });

    it('throws the current key error when every key fails', () => {
      const other = decodeAesKey('kWxPEV2UEDyxWpmPdKC3F4dgPDmOvfKX1HGnEUDS1aR');
      assert.throws(() => openWith(encryptMessage(other, appId, plain), [current, previous]), WxCryptError);
    });

    it('rejects a ciphertext truncated off the block size with -40008', () => {
      const encrypt = encryptMessage(current, appId, plain);
      assert.throws(() => openWith(encrypt.slice(0, -8)), wxCode(WxCryptCode.illegalBuffer));
    });

    it('rejects an Encrypt value that is not base64 with -40010', () => {
      assert.throws(() => openWith('not base64 at all!!'), wxCode(WxCryptCode.decodeBase64));
      assert.throws(
        () => openWith(encryptMessage(current, appId, plain).slice(0, -1)),
        wxCode(WxCryptCode.decodeBase64),
      );
    });

    it('rejects a zero PKCS#7 padding byte with -40007', () => {
      const block = Buffer.alloc(32, 0x41);
      block[31] = 0;
      assert.throws(() => openWith(rawEncrypt(current, block)), wxCode(WxCryptCode.decryptAes));
    });

    it('rejects inconsistent PKCS#7 padding bytes with -40007', () => {
      const block = Buffer.alloc(32, 0x41);
      block.fill(4, 28);
      block[29] = 3;
      assert.throws(() => openWith(rawEncrypt(current, block)), wxCode(WxCryptCode.decryptAes));
    });

    it('rejects a padding byte larger than the 32-byte block with -40007', () => {
      const block = Buffer.alloc(64, 33);
      assert.throws(() => openWith(rawEncrypt(current, block)), wxCode(WxCryptCode.decryptAes));
    });

    it('rejects a length field pointing past the buffer with -40008', () => {
      const inner = Buffer.alloc(32, 0x41);
      inner.writeUInt32BE(1000, 16);
      inner.fill(8, 24);
      assert.throws(() => openWith(rawEncrypt(current, inner)), wxCode(WxCryptCode.illegalBuffer));
    });

    it('rejects a message sealed for another AppID with -40005', () => {
      assert.throws(
        () => openWith(encryptMessage(current, 'wx0000000000000000', plain)),
        wxCode(WxCryptCode.validateAppId),
      );
    });

    it('rejects a body without <Encrypt> with -40002', () => {
      assert.throws(
        () => openEncrypted({ body: plain, token, timestamp, nonce, msgSignature: 'x', keys: [current], appId }),
        wxCode(WxCryptCode.parseXml),
      );
    });

    it('reports a body that is not XML as -40002', () => {
      assert.throws(
        () => openEncrypted({ body: 'hello', token, timestamp, nonce, msgSignature: 'x', keys: [current], appId }),
        wxCode(WxCryptCode.parseXml),
      );
    });

    it('refuses a DOCTYPE body as xml_forbidden before reading Encrypt', () => {
      const body = '<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><xml><Encrypt>&e;</Encrypt></xml>';
      assert.throws(
        () => openEncrypted({ body, token, timestamp, nonce, msgSignature: 'x', keys: [current], appId }),
        (error: unknown) => error instanceof AppError && error.code === ErrorCode.xmlForbidden,
      );
    });
  });
});

describe('wechat/extractEncrypt (the envelope fast path)', () => {
  const value = 'QUJDRA==';
  const envelope = (inner: string) => `<xml><ToUserName><![CDATA[gh_x]]></ToUserName>${inner}</xml>`;

  it('reads the one <Encrypt> of a safe-mode envelope', () => {
    assert.equal(extractEncrypt(envelope(`<Encrypt><![CDATA[${value}]]></Encrypt>`)), value);
  });

  it('leaves a compatible-mode body whose user text holds another <Encrypt> to the parser', () => {
    const body = envelope(
      `<Content><![CDATA[<Encrypt>abcd</Encrypt>]]></Content><Encrypt><![CDATA[${value}]]></Encrypt>`,
    );
    assert.equal(extractEncrypt(body), undefined);
  });

  it('is not put off by DOCTYPE text inside CDATA, and declines a real declaration', () => {
    const mention = `<Content><![CDATA[<!DOCTYPE html>]]></Content><Encrypt><![CDATA[${value}]]></Encrypt>`;
    assert.equal(extractEncrypt(envelope(mention)), value);
    assert.equal(extractEncrypt(`<!DOCTYPE x>${envelope(`<Encrypt>${value}</Encrypt>`)}`), undefined);
  });
});
