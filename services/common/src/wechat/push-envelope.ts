import { type AesKey, decodeAesKey, encryptMessage } from './crypto.js';
import type { EncryptMode } from './encrypt-mode.js';
import { msgSignature, urlSignature } from './signature.js';
import { cdata, type XmlFields } from './xml.js';

/**
 * What WeChat pushes to an account's server, built as WeChat builds it: the one "act as
 * WeChat" driver of the repository (the simulator's sender delivers it; tests build on it).
 */

/** The account settings a push needs: exactly what is configured in the WeChat console. */
export interface PushAccount {
  readonly appId: string;
  readonly token: string;
  readonly encodingAesKey?: string;
  readonly mode: EncryptMode;
}

/** The query string and body of one callback delivery. */
export interface Envelope {
  /** The query's parameters (made from {@link Envelope.search} when read). */
  readonly query: URLSearchParams;
  /** The query string without `?`, as `query.toString()` writes it. */
  readonly search: string;
  readonly body: string;
}

export interface Stamp {
  readonly timestamp: string;
  readonly nonce: string;
  /** Ciphertext of the XML (compatible/safe mode only). */
  readonly encrypt?: string;
}

/** Encrypts the XML for the account, or undefined in plain mode. */
export function encryptFor(account: PushAccount, xml: string): string | undefined {
  if (account.mode === 'plain') return undefined;
  if (account.encodingAesKey === undefined) {
    throw new Error(`account ${account.appId} is in ${account.mode} mode but has no EncodingAESKey`);
  }
  return encryptMessage(pushKeyOf(account.encodingAesKey), account.appId, xml);
}

/**
 * Decoded keys by EncodingAESKey. The AES context is cached per decoded key (cbc.ts), so a
 * fresh decode per push would build a new OpenSSL context for every message; bounded, since
 * tests make keys by the hundred.
 */
const pushKeys = new Map<string, AesKey>();
const maxPushKeys = 256;

function pushKeyOf(encodingAesKey: string): AesKey {
  let key = pushKeys.get(encodingAesKey);
  if (key === undefined) {
    key = decodeAesKey(encodingAesKey);
    if (pushKeys.size >= maxPushKeys) pushKeys.clear();
    pushKeys.set(encodingAesKey, key);
  }
  return key;
}

/**
 * Builds what WeChat posts ("消息加解密说明"): the query always carries `signature`,
 * `timestamp`, `nonce` and `openid`; with encryption on it adds `encrypt_type=aes` and
 * `msg_signature` over the ciphertext. Safe mode sends only `ToUserName` + `Encrypt`;
 * compatible mode sends the plaintext fields with `Encrypt` added. The query string is
 * written directly (a simulator push makes one per receipt), the same as URLSearchParams'.
 */
export function buildEnvelope(account: PushAccount, xml: string, fields: XmlFields, stamp: Stamp): Envelope {
  let search =
    `signature=${urlSignature(account.token, stamp.timestamp, stamp.nonce)}` +
    `&timestamp=${formEncode(stamp.timestamp)}&nonce=${formEncode(stamp.nonce)}&openid=${formEncode(fields.FromUserName ?? '')}`;
  const envelope = (body: string): Envelope => ({
    search,
    body,
    get query() {
      return new URLSearchParams(search);
    },
  });
  if (account.mode === 'plain' || stamp.encrypt === undefined) return envelope(xml);
  search += `&encrypt_type=aes&msg_signature=${msgSignature(account.token, stamp.timestamp, stamp.nonce, stamp.encrypt)}`;
  const encryptElement = `<Encrypt>${cdata(stamp.encrypt)}</Encrypt>`;
  if (account.mode === 'safe') {
    return envelope(`<xml><ToUserName>${cdata(fields.ToUserName ?? '')}</ToUserName>${encryptElement}</xml>`);
  }
  const end = xml.lastIndexOf('</xml>');
  return envelope(`${xml.slice(0, end)}${encryptElement}\n${xml.slice(end)}`);
}

/** A value as URLSearchParams writes it (application/x-www-form-urlencoded). */
function formEncode(value: string): string {
  return /^[A-Za-z0-9*._-]*$/.test(value) ? value : new URLSearchParams({ v: value }).toString().slice(2);
}
