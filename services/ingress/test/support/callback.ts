import { randomInt } from 'node:crypto';
import {
  buildEnvelope,
  decodeAesKey,
  decryptWithKey,
  encryptMessage,
  msgSignature,
  type PushAccount,
  parseXml,
  randomMsgId,
  signaturesEqual,
  textMessage,
  type XmlFields,
} from '@mpstack/common/wechat';
import type { TestAccount } from './accounts.js';

/**
 * The ingress tests act as WeChat with the one WeChat driver of the repository — the push
 * builders of `@mpstack/common/wechat` (messages, envelope), which the simulator's sender
 * delivers too; this file adds only what a test needs to be a bad WeChat: a chosen stamp, a
 * foreign key or AppID, an overridden msg_signature.
 */

/** The `timestamp` and `nonce` WeChat signs a delivery with. */
export interface Stamp {
  readonly timestamp: string;
  readonly nonce: string;
}

export function freshStamp(nowMs = Date.now()): Stamp {
  return { timestamp: String(Math.floor(nowMs / 1000)), nonce: String(randomInt(1e9, 1e10)) };
}

/** A 64-bit MsgId as decimal text, unique per call. */
export const msgId = randomMsgId;

export interface TextOptions {
  readonly to: string;
  readonly from: string;
  readonly content: string;
  readonly id?: string;
}

export function textXml(options: TextOptions): string {
  return textMessage({ to: options.to, from: options.from, content: options.content, msgId: options.id ?? msgId() });
}

/** A POST as WeChat would send it: full URL (query signed) and body. */
export interface CallbackPost {
  readonly url: string;
  readonly body: string;
}

export function callbackUrl(base: string, accountId: string, query: Readonly<Record<string, string>>): string {
  return `${base}/wx/${encodeURIComponent(accountId)}?${new URLSearchParams(query).toString()}`;
}

function pushAccount(account: TestAccount, mode: PushAccount['mode']): PushAccount {
  return { appId: account.appId, token: account.token, mode };
}

/** Plaintext mode: `signature` over token, timestamp, nonce. */
export function plainPost(base: string, account: TestAccount, xml: string, stamp = freshStamp()): CallbackPost {
  const envelope = buildEnvelope(pushAccount(account, 'plain'), xml, { FromUserName: 'o' }, stamp);
  return { url: callbackUrl(base, account.id, Object.fromEntries(envelope.query)), body: envelope.body };
}

export interface SealOptions {
  /** EncodingAESKey to encrypt with; the account's current key by default. */
  readonly key?: string;
  readonly appId?: string;
}

/** Encrypts a message the way WeChat does (random ‖ length ‖ xml ‖ AppID, PKCS#7, AES-256-CBC). */
export function seal(account: TestAccount, xml: string, options: SealOptions = {}): string {
  const key = options.key ?? account.encodingAesKey;
  if (key === undefined) throw new Error(`account ${account.id} has no EncodingAESKey`);
  return encryptMessage(decodeAesKey(key), options.appId ?? account.appId, xml);
}

export interface EncryptedPostOptions {
  readonly stamp?: Stamp;
  /** Overrides the `msg_signature` (otherwise computed over `encrypt`). */
  readonly msgSignature?: string;
}

/** Safe-mode body (`ToUserName` + `Encrypt`) with `encrypt_type=aes` and `msg_signature`. */
export function encryptedPost(
  base: string,
  account: TestAccount,
  encrypt: string,
  options: EncryptedPostOptions = {},
): CallbackPost {
  const stamp = options.stamp ?? freshStamp();
  const fields = { FromUserName: 'o', ToUserName: account.originalId };
  const envelope = buildEnvelope(pushAccount(account, 'safe'), '', fields, { ...stamp, encrypt });
  const query = Object.fromEntries(envelope.query);
  if (options.msgSignature !== undefined) query.msg_signature = options.msgSignature;
  return { url: callbackUrl(base, account.id, query), body: envelope.body };
}

export interface Answer {
  readonly status: number;
  readonly body: string;
  /** `error.code` of a JSON error body. */
  readonly code: string | undefined;
  /** `error.detail.wxCode` (WXBizMsgCrypt code) of a JSON error body. */
  readonly wxCode: number | undefined;
}

export async function send(post: CallbackPost, init: RequestInit = {}): Promise<Answer> {
  const response = await fetch(post.url, {
    method: 'POST',
    headers: { 'content-type': 'text/xml; charset=utf-8' },
    body: post.body,
    ...init,
  });
  return toAnswer(response.status, await response.text());
}

export function toAnswer(status: number, body: string): Answer {
  let error: { code?: string; detail?: { wxCode?: number } } | undefined;
  try {
    error = (JSON.parse(body) as { error?: typeof error }).error;
  } catch {
    error = undefined;
  }
  return { status, body, code: error?.code, wxCode: error?.detail?.wxCode };
}

/**
 * Opens a safe-mode reply the way WeChat does: checks `MsgSignature` and decrypts with the
 * given key; throws if either fails (so a reply encrypted with another key is detected).
 */
export function openReply(account: TestAccount, body: string, key: string): XmlFields {
  const envelope = parseXml(body);
  const { Encrypt = '', MsgSignature = '', TimeStamp = '', Nonce = '' } = envelope;
  if (!signaturesEqual(msgSignature(account.token, TimeStamp, Nonce, Encrypt), MsgSignature)) {
    throw new Error('reply MsgSignature does not match');
  }
  return parseXml(decryptWithKey(decodeAesKey(key), account.appId, Encrypt));
}
