import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { decodeAesKey, encryptMessage, msgSignature, urlSignature } from '@mpstack/common/wechat';
import { benchAccount, benchKeyword } from './bench-account.js';

/** One signed + encrypted (safe mode) callback, as WeChat would POST it. */
export function signedRequest(path: string, msgId: string, openId: string, now: number): { url: string; body: string } {
  const key = decodeAesKey(benchAccount.encodingAesKey);
  const timestamp = String(now);
  const nonce = randomBytes(6).readUIntBE(0, 6).toString();
  const inner =
    `<xml><ToUserName><![CDATA[gh_bench00000001]]></ToUserName><FromUserName><![CDATA[${openId}]]></FromUserName>` +
    `<CreateTime>${now}</CreateTime><MsgType><![CDATA[text]]></MsgType><Content><![CDATA[${benchKeyword}]]></Content>` +
    `<MsgId>${msgId}</MsgId></xml>`;
  const encrypt = encryptMessage(key, benchAccount.appId, inner);
  const query = new URLSearchParams({
    signature: urlSignature(benchAccount.token, timestamp, nonce),
    timestamp,
    nonce,
    openid: openId,
    encrypt_type: 'aes',
    msg_signature: msgSignature(benchAccount.token, timestamp, nonce, encrypt),
  });
  const body = `<xml><ToUserName><![CDATA[gh_bench00000001]]></ToUserName><Encrypt><![CDATA[${encrypt}]]></Encrypt></xml>`;
  return { url: `${path}?${query}`, body };
}

/** Writes `count` distinct requests (unique MsgId and nonce) for wrk, one per line. */
export async function writeRequestFile(file: string, path: string, count: number, seed: string): Promise<void> {
  const out = createWriteStream(file);
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const { url, body } = signedRequest(path, `${seed}${String(i).padStart(9, '0')}`, `o_bench_user_${i % 5000}`, now);
    if (!out.write(`${url}\t${body}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
