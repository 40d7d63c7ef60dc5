import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { buildEnvelope, encryptFor, textMessage } from '@mpstack/common/wechat';
import { benchAccount, benchKeyword } from './bench-account.js';

/** One signed + encrypted (safe mode) callback, as WeChat would POST it (the push builders of common/wechat). */
export function signedRequest(path: string, msgId: string, openId: string, now: number): { url: string; body: string } {
  const account = { ...benchAccount, mode: 'safe' } as const;
  const to = 'gh_bench00000001';
  const xml = textMessage({ from: openId, to, createTime: now, content: benchKeyword, msgId });
  const stamp = { timestamp: String(now), nonce: randomBytes(6).readUIntBE(0, 6).toString() };
  const encrypt = encryptFor(account, xml) ?? '';
  const envelope = buildEnvelope(account, xml, { FromUserName: openId, ToUserName: to }, { ...stamp, encrypt });
  return { url: `${path}?${envelope.query}`, body: envelope.body };
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
