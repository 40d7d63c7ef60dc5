import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { buildEnvelope, encryptFor, templateSendJobFinishEvent, textMessage } from '@mpstack/common/wechat';
import { benchAccount, benchKeyword } from './bench-account.js';

/**
 * What the benchmark's callbacks are: followers' text messages matching the keyword rule
 * (answered with a text reply), or `TEMPLATESENDJOBFINISH` receipts (answered `success`,
 * forwarded to the outbound pipeline's receipt queue) with BENCH_MESSAGES=receipts.
 */
export type BenchMessages = 'text' | 'receipts';

export function benchMessagesOf(value: string | undefined): BenchMessages {
  if (value === undefined || value === '' || value === 'text') return 'text';
  if (value === 'receipts') return 'receipts';
  throw new Error(`BENCH_MESSAGES: text or receipts, not ${value}`);
}

/** One signed + encrypted (safe mode) callback, as WeChat would POST it (the push builders of common/wechat). */
export function signedRequest(
  path: string,
  msgId: string,
  openId: string,
  now: number,
  messages: BenchMessages = 'text',
): { url: string; body: string } {
  const account = { ...benchAccount, mode: 'safe' } as const;
  const to = 'gh_bench00000001';
  const xml =
    messages === 'receipts'
      ? templateSendJobFinishEvent({ from: openId, to, createTime: now, msgId, status: 'success' })
      : textMessage({ from: openId, to, createTime: now, content: benchKeyword, msgId });
  const stamp = { timestamp: String(now), nonce: randomBytes(6).readUIntBE(0, 6).toString() };
  const encrypt = encryptFor(account, xml) ?? '';
  const envelope = buildEnvelope(account, xml, { FromUserName: openId, ToUserName: to }, { ...stamp, encrypt });
  return { url: `${path}?${envelope.query}`, body: envelope.body };
}

/** Writes `count` distinct requests (unique MsgId and nonce) for wrk, one per line. */
export async function writeRequestFile(
  file: string,
  path: string,
  count: number,
  seed: string,
  messages: BenchMessages = 'text',
): Promise<void> {
  const out = createWriteStream(file);
  const now = Math.floor(Date.now() / 1000);
  for (let i = 0; i < count; i++) {
    const msgId = `${seed}${String(i).padStart(9, '0')}`;
    const { url, body } = signedRequest(path, msgId, `o_bench_user_${i % 5000}`, now, messages);
    if (!out.write(`${url}\t${body}\n`)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
}
