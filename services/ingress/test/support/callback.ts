import { randomBytes, randomInt } from 'node:crypto';
import {
  cdata,
  decodeAesKey,
  decryptWithKey,
  encryptMessage,
  msgSignature,
  parseXml,
  signaturesEqual,
  urlSignature,
  type XmlFields,
} from '@mpstack/common/wechat';
import type { TestAccount } from './accounts.js';

/** The `timestamp` and `nonce` WeChat signs a delivery with. */
export interface Stamp {
  readonly timestamp: string;
  readonly nonce: string;
}

export function freshStamp(nowMs = Date.now()): Stamp {
  return { timestamp: String(Math.floor(nowMs / 1000)), nonce: String(randomInt(1e9, 1e10)) };
}

/** A 64-bit MsgId as decimal text, unique per call. */
export function msgId(): string {
  return (randomBytes(8).readBigUInt64BE() >> 1n).toString();
}

export interface TextOptions {
  readonly to: string;
  readonly from: string;
  readonly content: string;
  readonly id?: string;
}

export function textXml(options: TextOptions): string {
  return (
    `<xml><ToUserName>${cdata(options.to)}</ToUserName><FromUserName>${cdata(options.from)}</FromUserName>` +
    `<CreateTime>${Math.floor(Date.now() / 1000)}</CreateTime><MsgType><![CDATA[text]]></MsgType>` +
    `<Content>${cdata(options.content)}</Content><MsgId>${options.id ?? msgId()}</MsgId></xml>`
  );
}

/** A POST as WeChat would send it: full URL (query signed) and body. */
export interface CallbackPost {
  readonly url: string;
  readonly body: string;
}

export function callbackUrl(base: string, accountId: string, query: Readonly<Record<string, string>>): string {
  return `${base}/wx/${encodeURIComponent(accountId)}?${new URLSearchParams(query).toString()}`;
}

/** Plaintext mode: `signature` over token, timestamp, nonce. */
export function plainPost(base: string, account: TestAccount, xml: string, stamp = freshStamp()): CallbackPost {
  const signature = urlSignature(account.token, stamp.timestamp, stamp.nonce);
  return { url: callbackUrl(base, account.id, { signature, ...stamp, openid: 'o' }), body: xml };
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
  const query = {
    signature: urlSignature(account.token, stamp.timestamp, stamp.nonce),
    ...stamp,
    openid: 'o',
    encrypt_type: 'aes',
    msg_signature: options.msgSignature ?? msgSignature(account.token, stamp.timestamp, stamp.nonce, encrypt),
  };
  const body = `<xml><ToUserName>${cdata(account.originalId)}</ToUserName><Encrypt>${cdata(encrypt)}</Encrypt></xml>`;
  return { url: callbackUrl(base, account.id, query), body };
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
