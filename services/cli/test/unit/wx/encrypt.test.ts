import assert from 'node:assert/strict';
import { parseXml } from '@mpstack/common/wechat';
import { runDecrypt } from '../../../src/wx/decrypt.js';
import { parseRandom, runEncrypt } from '../../../src/wx/encrypt.js';
import { loadVector, str } from './fixtures.js';

describe('mpstack wx encrypt', () => {
  const wxjava = loadVector('public-vectors.json', 'wxjava-aes-encrypt-text');
  const base = { token: str(wxjava, 'token'), aesKey: str(wxjava, 'encoding_aes_key'), appid: str(wxjava, 'appid') };

  it('reproduces the WxJava ciphertext with --random given as 16 ASCII characters', () => {
    const result = runEncrypt({ ...base, random: str(wxjava, 'random_ascii') }, `${str(wxjava, 'plaintext')}\n`);
    assert.deepEqual(result, { exitCode: 0, stdout: `${str(wxjava, 'encrypt')}\n`, stderr: '' });
  });

  it('accepts --random as 32 hex digits', () => {
    const hex = Buffer.from(str(wxjava, 'random_ascii'), 'ascii').toString('hex');
    const result = runEncrypt({ ...base, random: hex }, str(wxjava, 'plaintext'));
    assert.equal(result.stdout, `${str(wxjava, 'encrypt')}\n`);
  });

  it('re-encrypts the official vector plaintext to its exact Encrypt with the derived random', () => {
    const mp = loadVector('official-vectors.json', 'tencent-official-mp-sample-decrypt');
    const result = runEncrypt(
      {
        token: str(mp, 'token'),
        aesKey: str(mp, 'encoding_aes_key'),
        appid: str(mp, 'appid'),
        random: str(mp, 'verification.random_prefix_hex_derived'),
      },
      str(mp, 'verification.decrypted_msg_derived'),
    );
    assert.equal(result.stdout, `${str(mp, 'encrypt')}\n`);
  });

  it('prints the whole reply envelope matching wechatpy with --timestamp and --nonce', () => {
    const v = loadVector('public-vectors.json', 'wechatpy-work-encrypt-reply');
    const result = runEncrypt(
      {
        token: str(v, 'token'),
        aesKey: str(v, 'encoding_aes_key'),
        appid: str(v, 'appid'),
        random: str(v, 'random_ascii'),
        timestamp: str(v, 'timestamp'),
        nonce: str(v, 'nonce'),
      },
      str(v, 'plaintext'),
    );
    assert.equal(result.exitCode, 0);
    assert.deepEqual(parseXml(result.stdout), {
      Encrypt: str(v, 'encrypt'),
      MsgSignature: str(v, 'msg_signature'),
      TimeStamp: str(v, 'timestamp'),
      Nonce: str(v, 'nonce'),
    });
  });

  it('round-trips emoji through wx encrypt and wx decrypt', () => {
    const plaintext = '<xml><Content><![CDATA[😀𠮷]]></Content></xml>';
    const envelope = runEncrypt({ ...base, timestamp: '1700000000', nonce: 'n1' }, plaintext).stdout;
    const signature = parseXml(envelope)['MsgSignature'];
    const result = runDecrypt({ ...base, timestamp: '1700000000', nonce: 'n1', msgSignature: signature }, envelope);
    assert.deepEqual([result.exitCode, result.stdout], [0, `${plaintext}\n`]);
  });

  it('exits 2 for a --random of the wrong size', () => {
    const result = runEncrypt({ ...base, random: 'abc' }, 'x');
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /16 ASCII characters or 32 hex digits/);
    assert.equal(parseRandom('g'.repeat(32)), undefined);
  });

  it('exits 2 when --timestamp comes without --nonce', () => {
    const result = runEncrypt({ ...base, timestamp: '1' }, 'x');
    assert.equal(result.exitCode, 2);
    assert.match(result.stderr, /--timestamp and --nonce/);
  });

  it('exits 2 without a plaintext or required options', () => {
    assert.equal(runEncrypt(base, '\n').exitCode, 2);
    assert.match(runEncrypt({ token: 't' }, 'x').stderr, /--aes-key, --appid/);
  });

  it('exits 1 naming -40004 for an illegal EncodingAESKey', () => {
    const result = runEncrypt({ ...base, aesKey: 'x'.repeat(44) }, 'x');
    assert.equal(result.exitCode, 1);
    assert.match(result.stderr, /-40004 IllegalAesKey/);
  });
});
