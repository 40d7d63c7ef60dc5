import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { cdata, decodeAesKey, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { uniqueName } from '@mpstack/testkit';
import { hello, randomAesKey, type TestAccount } from '../support/accounts.js';
import {
  callbackUrl,
  encryptedPost,
  freshStamp,
  openReply,
  plainPost,
  seal,
  send,
  textXml,
} from '../support/callback.js';
import { assertUntouched, type Harness, startHarness, traceOf } from '../support/harness.js';

/** WeChat's layout (random ‖ length ‖ xml ‖ AppID) encrypted with padding bytes that are not PKCS#7. */
function sealWithBadPadding(account: TestAccount, xml: string): string {
  const body = Buffer.from(xml, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  const plain = Buffer.concat([randomBytes(16), length, body, Buffer.from(account.appId)]);
  let pad = 32 - (plain.length % 32);
  if (pad < 2) pad += 32;
  const padding = Buffer.alloc(pad, pad);
  padding[0] = pad ^ 0xff; // the last byte claims `pad` bytes of value `pad`; the first one lies
  const { key, iv } = decodeAesKey(account.encodingAesKey ?? '');
  const cipher = createCipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
  return Buffer.concat([cipher.update(Buffer.concat([plain, padding])), cipher.final()]).toString('base64');
}

describe('ingress webhook: safe and compatible mode decryption (real Redis + RabbitMQ)', function () {
  this.timeout(30_000);
  let h: Harness;
  let safe: TestAccount;

  before(async () => {
    h = await startHarness();
    safe = h.accounts.safe;
  });
  after(async () => {
    await h?.close();
  });

  const user = () => uniqueName('oUser');
  const text = (from: string, content: string) => textXml({ to: safe.originalId, from, content });

  it('decrypts with the current key and encrypts the keyword reply with it', async () => {
    const from = user();
    const answer = await send(encryptedPost(h.url, safe, seal(safe, text(from, hello.keyword))));
    assert.equal(answer.status, 200);
    assert.equal(openReply(safe, answer.body, safe.encodingAesKey ?? '').Content, hello.reply);
  });

  it('falls back to the previous key and encrypts the reply with the previous key, not the current one', async () => {
    const previous = safe.previousEncodingAesKey ?? '';
    const from = user();
    const answer = await send(encryptedPost(h.url, safe, seal(safe, text(from, hello.keyword), { key: previous })));
    assert.equal(answer.status, 200);
    assert.equal(openReply(safe, answer.body, previous).Content, hello.reply);
    assert.throws(() => openReply(safe, answer.body, safe.encodingAesKey ?? ''), { name: 'WxCryptError' });
  });

  it('refuses a message encrypted with a key the account does not have (400 decrypt_failed, -40007/-40008)', async () => {
    const from = user();
    const answer = await send(encryptedPost(h.url, safe, seal(safe, text(from, 'x'), { key: randomAesKey() })));
    assert.deepEqual([answer.status, answer.code], [400, 'decrypt_failed']);
    assert.ok(answer.wxCode === -40007 || answer.wxCode === -40008, `wxCode ${answer.wxCode}`);
    await assertUntouched(h, from);
  });

  it('refuses a truncated ciphertext (400 decrypt_failed, -40008 or -40010), executing nothing', async () => {
    const from = user();
    const whole = seal(safe, text(from, 'x'));
    for (const [cut, wxCode] of [
      [whole.slice(0, -4), -40008],
      [whole.slice(0, -1), -40010],
    ] as const) {
      const answer = await send(encryptedPost(h.url, safe, cut));
      assert.deepEqual([answer.status, answer.code, answer.wxCode], [400, 'decrypt_failed', wxCode]);
    }
    await assertUntouched(h, from);
  });

  it('refuses an Encrypt value that is not base64 (400 decrypt_failed, -40010)', async () => {
    const answer = await send(encryptedPost(h.url, safe, 'this is *not* base64!'));
    assert.deepEqual([answer.status, answer.code, answer.wxCode], [400, 'decrypt_failed', -40010]);
  });

  it('refuses a ciphertext whose PKCS#7 padding is wrong (400 decrypt_failed, -40007), executing nothing', async () => {
    const from = user();
    const answer = await send(encryptedPost(h.url, safe, sealWithBadPadding(safe, text(from, 'x'))));
    assert.deepEqual([answer.status, answer.code, answer.wxCode], [400, 'decrypt_failed', -40007]);
    await assertUntouched(h, from);
  });

  it('refuses a message encrypted for another AppID (400 appid_mismatch, -40005), executing nothing', async () => {
    const from = user();
    const answer = await send(encryptedPost(h.url, safe, seal(safe, text(from, 'x'), { appId: 'wxsomeoneelse0001' })));
    assert.deepEqual([answer.status, answer.code, answer.wxCode], [400, 'appid_mismatch', -40005]);
    await assertUntouched(h, from);
  });

  it('refuses a wrong msg_signature (401 signature_invalid, -40001) before decrypting', async () => {
    const from = user();
    const post = encryptedPost(h.url, safe, seal(safe, text(from, 'x')), { msgSignature: 'f'.repeat(40) });
    const answer = await send(post);
    assert.deepEqual([answer.status, answer.code, answer.wxCode], [401, 'signature_invalid', -40001]);
    await assertUntouched(h, from);
  });

  for (const mode of ['safe', 'compat'] as const) {
    it(`refuses a plaintext message (no encrypt_type=aes) to a ${mode}-mode account (400 plaintext_refused), executing nothing`, async () => {
      const account = h.accounts[mode];
      const from = user();
      const answer = await send(plainPost(h.url, account, text(from, hello.keyword)));
      assert.deepEqual([answer.status, answer.code], [400, 'plaintext_refused']);
      await assertUntouched(h, from);
    });
  }

  it('in compatible mode reads the encrypted copy and answers encrypted', async () => {
    const compat = h.accounts.compat;
    const from = user();
    const xml = textXml({ to: compat.originalId, from, content: hello.keyword });
    const encrypt = seal(compat, xml);
    const stamp = freshStamp();
    const url = callbackUrl(h.url, compat.id, {
      signature: urlSignature(compat.token, stamp.timestamp, stamp.nonce),
      ...stamp,
      encrypt_type: 'aes',
      msg_signature: msgSignature(compat.token, stamp.timestamp, stamp.nonce, encrypt),
    });
    const body = xml.replace('</xml>', `<Encrypt>${cdata(encrypt)}</Encrypt></xml>`);
    const answer = await send({ url, body });
    assert.equal(answer.status, 200);
    assert.equal(openReply(compat, answer.body, compat.encodingAesKey ?? '').Content, hello.reply);
    await h.drain(from);
    assert.equal(traceOf(h, from).executed.length, 1);
  });

  it('in compatible mode a user text holding `<Encrypt>` and `<!DOCTYPE html>` is read, not refused', async () => {
    const compat = h.accounts.compat;
    const from = user();
    const content = '怎么写 <!DOCTYPE html>? 还有 <Encrypt>abcd</Encrypt> 😀';
    const xml = textXml({ to: compat.originalId, from, content });
    const encrypt = seal(compat, xml);
    const stamp = freshStamp();
    const url = callbackUrl(h.url, compat.id, {
      signature: urlSignature(compat.token, stamp.timestamp, stamp.nonce),
      ...stamp,
      encrypt_type: 'aes',
      msg_signature: msgSignature(compat.token, stamp.timestamp, stamp.nonce, encrypt),
    });
    const body = xml.replace('</xml>', `<Encrypt>${cdata(encrypt)}</Encrypt></xml>`);
    const answer = await send({ url, body });
    assert.equal(answer.status, 200, JSON.stringify(answer));
    await h.drain(from);
    const [executed] = traceOf(h, from).executed;
    assert.equal(executed?.kind === 'text' && executed.content, content);
  });
});
