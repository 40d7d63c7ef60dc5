import assert from 'node:assert/strict';
import { type AesKey, decodeAesKey, WxCryptError } from '../../../src/wechat/crypto.js';
import { openEncrypted } from '../../../src/wechat/envelope.js';
import { msgSignature } from '../../../src/wechat/signature.js';

export const token = 'spamtest';
export const appId = 'wx2c2769f8efd9abc2';
export const current = decodeAesKey('abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG');
export const previous = decodeAesKey('jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C');
export const timestamp = '1409735669';
export const nonce = '1320562132';
export const plain =
  '<xml><ToUserName><![CDATA[gh_1]]></ToUserName><FromUserName><![CDATA[oUser]]></FromUserName>' +
  '<CreateTime>1409735668</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[hi]]></Content>' +
  '<MsgId>6054768590064713728</MsgId></xml>';

export function sealed(encrypt: string): { body: string; signature: string } {
  return {
    body: `<xml><ToUserName><![CDATA[gh_1]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`,
    signature: msgSignature(token, timestamp, nonce, encrypt),
  };
}

export function openWith(encrypt: string, keys: readonly AesKey[] = [current], id = appId) {
  const { body, signature } = sealed(encrypt);
  return openEncrypted({ body, token, timestamp, nonce, msgSignature: signature, keys, appId: id });
}

export function wxCode(code: number): (error: unknown) => boolean {
  return (error) => {
    assert.ok(error instanceof WxCryptError, `expected WxCryptError, got ${String(error)}`);
    assert.equal(error.wxCode, code, error.message);
    assert.ok(error.likelyCause.length > 0);
    return true;
  };
}
