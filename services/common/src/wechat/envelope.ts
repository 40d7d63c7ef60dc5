import { AppError, ErrorCode } from '../errors/app-error.js';
import { type AesKey, decodeAesKey, decryptMessage, encryptMessage, WxCryptCode, WxCryptError } from './crypto.js';
import { msgSignature, signaturesEqual } from './signature.js';
import { cdata, parseXml, type XmlFields } from './xml.js';
import { walkMarkup } from './xml-guard.js';

export interface EncryptedReplyParts {
  /** base64 ciphertext, as produced by `encryptMessage`. */
  readonly encrypt: string;
  readonly token: string;
  /** Seconds since the epoch, decimal digits (it is signed as a string). */
  readonly timestamp: string;
  readonly nonce: string;
}

const digitsPattern = /^\d+$/;

/**
 * The safe-mode reply envelope: `<xml><Encrypt/><MsgSignature/><TimeStamp/><Nonce/></xml>`,
 * MsgSignature = sha1(sort(token, timestamp, nonce, Encrypt)) — the layout of the official
 * WXBizMsgCrypt `EncryptMsg` (official vectors, `reply_envelope`).
 */
export function buildEncryptedReply(parts: EncryptedReplyParts): string {
  if (!digitsPattern.test(parts.timestamp)) {
    throw new WxCryptError(WxCryptCode.generateXml, 'the reply timestamp must be decimal digits');
  }
  const signature = msgSignature(parts.token, parts.timestamp, parts.nonce, parts.encrypt);
  return (
    `<xml><Encrypt>${cdata(parts.encrypt)}</Encrypt><MsgSignature>${cdata(signature)}</MsgSignature>` +
    `<TimeStamp>${parts.timestamp}</TimeStamp><Nonce>${cdata(parts.nonce)}</Nonce></xml>`
  );
}

export interface EncryptReplyOptions {
  /** The plaintext reply XML (`buildReply`). */
  readonly xml: string;
  /** The key that decrypted the request (see `keyIndex`), or an EncodingAESKey string. */
  readonly aesKey: AesKey | string;
  readonly appId: string;
  readonly token: string;
  readonly timestamp: string;
  readonly nonce: string;
  /** 16 bytes; only tests and the CLI fix it, WeChat expects it random. */
  readonly random?: Buffer;
}

/** Encrypts a plaintext reply and wraps it in the signed envelope WeChat expects in safe mode. */
export function encryptReply(options: EncryptReplyOptions): string {
  const key = typeof options.aesKey === 'string' ? decodeAesKey(options.aesKey) : options.aesKey;
  const encrypt = encryptMessage(key, options.appId, options.xml, options.random);
  return buildEncryptedReply({ encrypt, token: options.token, timestamp: options.timestamp, nonce: options.nonce });
}

export interface OpenEncryptValueOptions {
  readonly encrypt: string;
  readonly token: string;
  readonly timestamp: string;
  readonly nonce: string;
  /** `msg_signature` from the query string. */
  readonly msgSignature: string;
  /** Current key first, then the previous one (official FAQ: keep both during a key change). */
  readonly keys: readonly AesKey[];
  readonly appId: string;
}

export interface OpenedValue {
  readonly xml: string;
  /** The key that worked: 0 = current, 1 = previous. Encrypt the reply with the same key. */
  readonly keyIndex: number;
}

/**
 * Verifies `msg_signature` over an Encrypt value in constant time (-40001), then decrypts it
 * with key fallback (crypto.ts codes: -40004/-40005/-40007/-40008/-40010). The signature is
 * checked first so an unauthenticated body never reaches the cipher.
 */
export function openEncryptValue(options: OpenEncryptValueOptions): OpenedValue {
  const expected = msgSignature(options.token, options.timestamp, options.nonce, options.encrypt);
  if (!signaturesEqual(expected, options.msgSignature)) {
    throw new WxCryptError(WxCryptCode.validateSignature, 'msg_signature does not match the body');
  }
  const { message, keyIndex } = decryptMessage(options.keys, options.appId, options.encrypt);
  return { xml: message, keyIndex };
}

export interface OpenEncryptedOptions extends Omit<OpenEncryptValueOptions, 'encrypt'> {
  /** The POST body: `<xml>` with an `<Encrypt>` child (safe mode) or plaintext + Encrypt (compatible). */
  readonly body: string;
}

export interface OpenedEnvelope extends OpenedValue {
  /** The outer body's fields, e.g. `ToUserName` — not authenticated: only `<Encrypt>` is signed. */
  readonly outer: XmlFields;
}

function parseOuter(body: string): XmlFields {
  try {
    return parseXml(body);
  } catch (error) {
    // Malformed XML is WXBizMsgCrypt's ParseXml error; refused input (DOCTYPE, size) stays an AppError.
    if (error instanceof AppError && error.code === ErrorCode.xmlInvalid) {
      throw new WxCryptError(WxCryptCode.parseXml, `the body is not WeChat XML: ${error.message}`);
    }
    throw error;
  }
}

/**
 * Opens an encrypted callback body: find `<Encrypt>` without parsing the body
 * ({@link locateEncrypt}, -40002), check `msg_signature` (-40001), decrypt with key
 * fallback, and only then parse the outer fields. The ingress uses the same first two
 * steps, so both report the same WXBizMsgCrypt codes. Throws {@link WxCryptError}, or
 * `AppError` (xml_forbidden / xml_too_complex / body_too_large) for a refused body.
 */
export function openEncrypted(options: OpenEncryptedOptions): OpenedEnvelope {
  const opened = openEncryptValue({ ...options, encrypt: locateEncrypt(options.body) });
  return { ...opened, outer: parseOuter(options.body) };
}

const encryptElement = /<Encrypt>\s*(?:<!\[CDATA\[([A-Za-z0-9+/=]*)\]\]>|([A-Za-z0-9+/=]*))\s*<\/Encrypt>/;

/**
 * The `<Encrypt>` value of a safe/compatible-mode push, read with one anchored scan: a body
 * that is `<xml>…</xml>` with exactly one `<Encrypt>` holding base64 (plain or in CDATA).
 * Returns undefined for anything else — notably a compatible-mode body whose user text
 * holds another `<Encrypt>` — which {@link locateEncrypt} then reads with the markup walk.
 * Where the one `<Encrypt>` stands does not matter: the value is authenticated by
 * `msg_signature` before anything else is done with it.
 */
export function extractEncrypt(body: string): string | undefined {
  const document = body.trim();
  if (!document.startsWith('<xml>') || !document.endsWith('</xml>')) return undefined;
  const first = document.indexOf('<Encrypt>');
  if (first === -1 || document.indexOf('<Encrypt>', first + 1) !== -1) return undefined;
  const match = encryptElement.exec(document);
  const value = match?.[1] ?? match?.[2];
  return value === undefined || value === '' ? undefined : value;
}

/**
 * The `<Encrypt>` value of an encrypted callback body, read before `msg_signature` is
 * checked and so without parsing the body: the anchored scan ({@link extractEncrypt}), else
 * one linear walk of the markup ({@link walkMarkup}) for the root's first `<Encrypt>` child
 * (its text, or the text of one CDATA section; msg_signature then says whether it is
 * WeChat's). No entity is expanded and
 * nothing is built, so a hostile body costs one pass over its bytes. Throws
 * {@link WxCryptError} -40002 when there is no such element; `AppError` xml_forbidden /
 * xml_too_complex for a body the walk refuses.
 */
export function locateEncrypt(body: string): string {
  const value = extractEncrypt(body) ?? encryptFromWalk(body);
  if (value === undefined) {
    throw new WxCryptError(WxCryptCode.parseXml, 'the body has no <Encrypt> element (plaintext mode, or not WeChat)');
  }
  if (value === '') {
    throw new WxCryptError(WxCryptCode.parseXml, 'the <Encrypt> element is empty (the ciphertext was lost on the way)');
  }
  return value;
}

function encryptFromWalk(body: string): string | undefined {
  let span: ReturnType<typeof walkMarkup>;
  try {
    span = walkMarkup(body, 'Encrypt');
  } catch (error) {
    if (error instanceof AppError && error.code === ErrorCode.xmlInvalid) {
      throw new WxCryptError(WxCryptCode.parseXml, `the body is not WeChat XML: ${error.message}`);
    }
    throw error;
  }
  if (span === undefined) return undefined;
  let value = body.slice(span.start, span.end).trim();
  if (value.startsWith('<![CDATA[') && value.endsWith(']]>')) value = value.slice(9, -3).trim();
  // '' (present but empty) is told apart from undefined (absent) by locateEncrypt.
  return value;
}
