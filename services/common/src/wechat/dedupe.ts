import { hash } from 'node:crypto';
import type { WxMessage } from './message-types.js';

/** Namespace of every de-duplication key, so a shared Redis can be scanned or flushed by prefix. */
export const dedupeKeyPrefix = 'wx:dd:';

const safeAccount = /^[A-Za-z0-9_.-]{1,64}$/;
const decimalId = /^\d{1,20}$/;

/** 128 bits of sha1, base64url: 22 characters, no `:` or whitespace, enough to never collide. */
function digest(parts: readonly string[]): string {
  // A separator that cannot occur in XML text keeps ('ab','c') and ('a','bc') apart.
  return hash('sha1', parts.join('\u0000'), 'buffer').subarray(0, 16).toString('base64url');
}

function idOf(msg: WxMessage): string | undefined {
  if ('msgId' in msg && msg.msgId !== undefined && msg.msgId !== '') return msg.msgId;
  return undefined;
}

function eventKeyOf(msg: WxMessage): string {
  return msg.fields['EventKey'] ?? '';
}

function typeOf(msg: WxMessage): string {
  if (msg.kind === 'event') return msg.event;
  return msg.kind === 'unknown' ? msg.msgType : msg.kind;
}

/**
 * The key under which a delivery is remembered (docs/architecture.md §3) so that WeChat's retries
 * (5 s timeout, up to 3 deliveries) run once: account + `MsgId`, or `MsgID` for the job-finish
 * events, or — for events, which carry no id — FromUserName + CreateTime + Event + EventKey
 * (PROTOCOL.md "Callback contract").
 *
 * Keys are short and printable: a numeric id is kept readable, anything else (openids, event
 * keys of up to 128 bytes, odd account names) is hashed. User message ids and job ids live in
 * different id spaces, so they get different tags (`m` / `j`).
 */
export function dedupeKey(account: string, msg: WxMessage): string {
  const accountPart = safeAccount.test(account) ? account : `h${digest([account])}`;
  const id = idOf(msg);
  if (id !== undefined) {
    const tag = msg.kind === 'event' ? 'j' : 'm';
    return `${dedupeKeyPrefix}${accountPart}:${tag}${decimalId.test(id) ? id : digest([id])}`;
  }
  const tuple = [msg.fromUserName, String(msg.createTime), typeOf(msg), eventKeyOf(msg)];
  return `${dedupeKeyPrefix}${accountPart}:e${digest(tuple)}`;
}
