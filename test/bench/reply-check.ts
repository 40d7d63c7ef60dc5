import { decodeAesKey, decryptMessage, parseXml } from '@mpstack/common/wechat';
import { benchAccount, benchReplyText } from './bench-account.js';
import { type BenchMessages, signedRequest } from './request-file.js';

/**
 * Before measuring, one request must come back as the expected encrypted text reply: a
 * server that answers fast but wrong is not measured.
 */
export async function checkReply(url: string, messages: BenchMessages = 'text'): Promise<void> {
  const path = new URL(url).pathname;
  const now = Math.floor(Date.now() / 1000);
  const { url: target, body } = signedRequest(path, `${Date.now()}`, 'o_bench_check', now, messages);
  const response = await fetch(new URL(target, url), { method: 'POST', body, headers: { 'content-type': 'text/xml' } });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`reply check: HTTP ${response.status}: ${text}`);
  if (messages === 'receipts') {
    if (text !== 'success') throw new Error(`reply check: a receipt answered ${JSON.stringify(text)}, not success`);
    return;
  }
  const encrypt = parseXml(text).Encrypt;
  if (encrypt === undefined) throw new Error(`reply check: not an encrypted reply: ${text}`);
  const inner = parseXml(
    decryptMessage([decodeAesKey(benchAccount.encodingAesKey)], benchAccount.appId, encrypt).message,
  );
  if (inner.Content !== benchReplyText || inner.MsgType !== 'text') {
    throw new Error(`reply check: unexpected reply ${JSON.stringify(inner)}`);
  }
}
