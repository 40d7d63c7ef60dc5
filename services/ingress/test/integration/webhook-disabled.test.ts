import assert from 'node:assert/strict';
import { urlSignature } from '@mpstack/common/wechat';
import { uniqueName } from '@mpstack/testkit';
import { hello } from '../support/accounts.js';
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
import { assertUntouched, type Harness, startHarness } from '../support/harness.js';

describe('ingress webhook: an account disabled in the console (real Redis + RabbitMQ)', function () {
  this.timeout(30_000);
  let h: Harness;
  const logLines: string[] = [];

  before(async () => {
    h = await startHarness({ disabled: ['compat'], logLines });
  });
  after(async () => {
    await h?.close();
  });

  const text = (from: string, content: string) => textXml({ to: h.accounts.compat.originalId, from, content });
  const refusalLines = () =>
    logLines
      .map((line) => JSON.parse(line) as { msg: string; account?: string; refused?: number })
      .filter((line) => line.msg.startsWith('delivery to a disabled account refused'));

  it('answers a signed delivery "success" (no error shown, no retry) and does nothing else', async () => {
    const from = uniqueName('oUser');
    for (const content of [hello.keyword, 'second', 'third']) {
      // Encrypted as WeChat sends it; the refusal needs only the URL signature, nothing is decrypted.
      const answer = await send(encryptedPost(h.url, h.accounts.compat, seal(h.accounts.compat, text(from, content))));
      assert.deepEqual([answer.status, answer.body], [200, 'success'], 'no keyword reply, no error');
    }
    await assertUntouched(h, from);
    assert.deepEqual(
      refusalLines().map((line) => [line.account, line.refused]),
      [['compat', 1]],
      'one warn line for the first refusal, the next ones counted into the next line',
    );
  });

  it('refuses the URL verification (GET) with 403 account_disabled, logged', async () => {
    const stamp = freshStamp();
    const signature = urlSignature(h.accounts.compat.token, stamp.timestamp, stamp.nonce);
    const answer = await fetch(callbackUrl(h.url, 'compat', { signature, ...stamp, echostr: '12345' }));
    assert.equal(answer.status, 403);
    assert.equal(((await answer.json()) as { error: { code: string } }).error.code, 'account_disabled');
    assert.ok(logLines.some((line) => line.includes('URL verification refused: account disabled')));
  });

  it('still refuses an unsigned or forged delivery with 401, as for any account', async () => {
    const from = uniqueName('oUser');
    const unsigned = await send({ url: `${h.url}/wx/compat`, body: text(from, 'x') });
    assert.deepEqual([unsigned.status, unsigned.code], [401, 'signature_invalid']);
    const stamp = freshStamp();
    const forged = callbackUrl(h.url, 'compat', {
      signature: urlSignature('wrong', stamp.timestamp, stamp.nonce),
      ...stamp,
    });
    assert.equal((await send({ url: forged, body: text(from, 'x') })).status, 401);
    await assertUntouched(h, from);
  });

  it('leaves the other accounts served', async () => {
    const from = uniqueName('oUser');
    const xml = textXml({ to: h.accounts.safe.originalId, from, content: hello.keyword });
    assert.equal(
      (await send(plainPost(h.url, h.accounts.plain, textXml({ to: 'gh_plain', from, content: hello.keyword }))))
        .status,
      200,
    );
    const answer = await send(encryptedPost(h.url, h.accounts.safe, seal(h.accounts.safe, xml)));
    assert.equal(answer.status, 200);
    const key = h.accounts.safe.encodingAesKey ?? '';
    assert.equal(openReply(h.accounts.safe, answer.body, key)['Content'], hello.reply);
  });
});
