import assert from 'node:assert/strict';
import { decodeAesKey, encryptMessage, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { type DecryptOptions, runDecrypt } from '../../../src/wx/decrypt.js';
import { loadVector, str } from './fixtures.js';

const mp = loadVector('official-vectors.json', 'tencent-official-mp-sample-decrypt');
const options: DecryptOptions = {
  token: str(mp, 'token'),
  aesKey: str(mp, 'encoding_aes_key'),
  appid: str(mp, 'appid'),
  timestamp: str(mp, 'timestamp'),
  nonce: str(mp, 'nonce'),
  msgSignature: str(mp, 'msg_signature'),
};
const otherKey = 'jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C';

describe('mpstack wx decrypt', () => {
  it('prints the plaintext of the official vector POST body', () => {
    const result = runDecrypt(options, str(mp, 'post_body'));
    assert.deepEqual(result, { exitCode: 0, stdout: `${str(mp, 'verification.decrypted_msg_derived')}\n`, stderr: '' });
  });

  it('accepts a bare base64 Encrypt value with surrounding newlines', () => {
    const result = runDecrypt(options, `\n${str(mp, 'encrypt')}\n`);
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `${str(mp, 'verification.decrypted_msg_derived')}\n`);
  });

  it('decrypts the official WeCom sample too (corp id in the AppID slot)', () => {
    const v = loadVector('official-vectors.json', 'tencent-official-wecom-sample-decrypt');
    const result = runDecrypt(
      {
        token: str(v, 'token'),
        aesKey: str(v, 'encoding_aes_key'),
        appid: str(v, 'appid'),
        timestamp: str(v, 'timestamp'),
        nonce: str(v, 'nonce'),
        msgSignature: str(v, 'msg_signature'),
      },
      str(v, 'post_body'),
    );
    assert.equal(result.stdout, `${str(v, 'verification.decrypted_msg_derived')}\n`);
  });

  it('exits 1 on a wrong signature naming -40001 and printing computed vs received', () => {
    const result = runDecrypt({ ...options, msgSignature: '0'.repeat(40) }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /signature check \(msg_signature\) failed/);
    assert.match(result.stderr, /-40001 ValidateSignatureError/);
    assert.match(result.stderr, /Token/);
    assert.match(result.stderr, new RegExp(`computed msg_signature: ${str(mp, 'msg_signature')}`));
    assert.match(result.stderr, /received msg_signature: 0{40}/);
  });

  it('exits 1 with -40001 when the token is wrong', () => {
    const result = runDecrypt({ ...options, token: 'wrong' }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40001/);
    assert.match(result.stderr, /received msg_signature: 5d197aaf/);
  });

  it('exits 1 with -40005 and the likely cause when the AppID is wrong', () => {
    const result = runDecrypt({ ...options, appid: 'wx0000000000000000' }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /AppID check failed/);
    assert.match(result.stderr, /-40005 ValidateAppidError/);
    assert.match(result.stderr, /another AppID/);
  });

  it('exits 1 with a padding (-40007) or buffer (-40008) error when the EncodingAESKey is wrong', () => {
    const result = runDecrypt({ ...options, aesKey: otherKey }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-4000[78] (DecryptAESError|IllegalBuffer)/);
  });

  it('falls back to --previous-aes-key and says so on stderr', () => {
    const result = runDecrypt(
      { ...options, aesKey: otherKey, previousAesKey: str(mp, 'encoding_aes_key') },
      str(mp, 'post_body'),
    );
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `${str(mp, 'verification.decrypted_msg_derived')}\n`);
    assert.match(result.stderr, /previous-aes-key \(key index 1\)/);
  });

  it('exits 1 with -40004 for an EncodingAESKey that is not 43 characters', () => {
    const result = runDecrypt({ ...options, aesKey: 'tooshort' }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40004 IllegalAesKey/);
  });

  it('names --previous-aes-key when that key is the malformed one', () => {
    const result = runDecrypt({ ...options, previousAesKey: 'bad' }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /--previous-aes-key/);
  });

  it('exits 1 with -40002 for an XML body without <Encrypt>', () => {
    const result = runDecrypt(options, '<xml><ToUserName>gh</ToUserName></xml>');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40002 ParseXmlError/);
  });

  it('exits 1 with -40010 for a correctly signed bare value that is not base64', () => {
    const signature = msgSignature(str(mp, 'token'), str(mp, 'timestamp'), str(mp, 'nonce'), 'not*base64');
    const result = runDecrypt({ ...options, msgSignature: signature }, 'not*base64');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40010 DecodeBase64Error/);
  });

  it('exits 1 with -40008 for a truncated ciphertext', () => {
    const key = decodeAesKey(str(mp, 'encoding_aes_key'));
    const encrypt = encryptMessage(key, str(mp, 'appid'), '<xml/>').slice(0, -8);
    const signature = msgSignature(str(mp, 'token'), str(mp, 'timestamp'), str(mp, 'nonce'), encrypt);
    const result = runDecrypt({ ...options, msgSignature: signature }, encrypt);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40008 IllegalBuffer/);
    assert.match(
      result.stderr,
      /likely cause: .*not a whole number of 16-byte AES blocks.*truncated — the EncodingAESKey is not the cause/,
    );
  });

  /** A bare Encrypt value signed as WeChat would sign it, so decryption is what fails. */
  const signed = (encrypt: string) => ({
    ...options,
    msgSignature: msgSignature(str(mp, 'token'), str(mp, 'timestamp'), str(mp, 'nonce'), encrypt),
  });
  const plaintext = () => str(mp, 'verification.decrypted_msg_derived');

  it('a ciphertext cut at a block boundary (-40007) is called truncated, not a wrong EncodingAESKey', () => {
    const key = decodeAesKey(str(mp, 'encoding_aes_key'));
    const whole = Buffer.from(encryptMessage(key, str(mp, 'appid'), plaintext()), 'base64');
    const encrypt = whole.subarray(0, whole.length - 32).toString('base64');
    const result = runDecrypt(signed(encrypt), encrypt);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40007 DecryptAESError/);
    assert.match(
      result.stderr,
      new RegExp(`likely cause: the EncodingAESKey is right .* has only ${whole.length - 32} bytes: it was truncated`),
    );
    assert.doesNotMatch(result.stderr, /regenerated/);
  });

  it('the same whole ciphertext under another key still blames the EncodingAESKey', () => {
    const key = decodeAesKey(otherKey);
    const encrypt = encryptMessage(key, str(mp, 'appid'), plaintext(), Buffer.alloc(16, 7));
    const result = runDecrypt(signed(encrypt), encrypt);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-4000[78]/);
    assert.match(
      result.stderr,
      /likely cause: the start of the ciphertext does not decrypt to XML with the EncodingAESKey: the key differs/,
    );
  });

  it('a base64 "+" turned into a space is named, with its position', () => {
    const encrypt = str(mp, 'encrypt');
    const plus = encrypt.indexOf('+');
    assert.ok(plus >= 0, 'the vector has a "+"');
    const spaced = `${encrypt.slice(0, plus)} ${encrypt.slice(plus + 1)}`;
    const result = runDecrypt(signed(spaced), spaced);
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40010 DecodeBase64Error/);
    assert.match(
      result.stderr,
      new RegExp(`has " " at position ${plus}, which is not base64 \\(a "\\+" turned into a space`),
    );
  });

  it('an empty <Encrypt> is reported as empty, not as missing', () => {
    const result = runDecrypt(
      signed(''),
      '<xml><ToUserName><![CDATA[gh]]></ToUserName><Encrypt><![CDATA[]]></Encrypt></xml>',
    );
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40002 ParseXmlError/);
    assert.match(result.stderr, /the <Encrypt> element is empty/);
    assert.doesNotMatch(result.stderr, /has no <Encrypt>/);
  });

  it('without msg_signature, --signature (plaintext verification) is checked and the body decrypted, with a note', () => {
    const { msgSignature: _unused, ...withoutMsgSignature } = options;
    const signature = urlSignature(str(mp, 'token'), str(mp, 'timestamp'), str(mp, 'nonce'));
    const result = runDecrypt({ ...withoutMsgSignature, signature }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 0);
    assert.equal(result.stdout, `${plaintext()}\n`);
    assert.match(result.stderr, /only the URL signature was checked, and it does not cover the body/);
    const wrong = runDecrypt({ ...withoutMsgSignature, signature: '0'.repeat(40) }, str(mp, 'post_body'));
    assert.equal(wrong.exitCode, 1);
    assert.match(wrong.stderr, /-40001 ValidateSignatureError/);
    assert.match(wrong.stderr, new RegExp(`computed signature: ${signature}\n  received signature: 0{40}`));
  });

  it('exits 1 naming xml_forbidden for a DOCTYPE body', () => {
    const result = runDecrypt(options, '<!DOCTYPE x [<!ENTITY e "e">]><xml><Encrypt>&e;</Encrypt></xml>');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /xml_forbidden/);
  });

  it('exits 2 and lists the missing options', () => {
    const result = runDecrypt({ token: 't' }, str(mp, 'post_body'));
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--aes-key, --appid, --timestamp, --nonce, --msg-signature \(or --signature/);
  });

  it('exits 2 on an empty body', () => {
    assert.equal(runDecrypt(options, ' \n').exitCode, 2);
  });
});
