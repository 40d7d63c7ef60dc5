import { randomFillSync } from 'node:crypto';
import { cbc } from './cbc.js';

/** WXBizMsgCrypt return codes (PROTOCOL.md; the official samples' ierror tables). */
export const WxCryptCode = {
  validateSignature: -40001,
  parseXml: -40002,
  computeSignature: -40003,
  illegalAesKey: -40004,
  validateAppId: -40005,
  encryptAes: -40006,
  decryptAes: -40007,
  illegalBuffer: -40008,
  encodeBase64: -40009,
  decodeBase64: -40010,
  generateXml: -40011,
} as const;

export type WxCryptCode = (typeof WxCryptCode)[keyof typeof WxCryptCode];

const likelyCause: Readonly<Record<WxCryptCode, string>> = {
  [-40001]: 'the Token configured here differs from the one in the WeChat console, or the body was altered',
  [-40002]: 'the body is not the XML WeChat sends (no <Encrypt> element, or an empty one)',
  [-40003]: 'the signature could not be computed',
  [-40004]: 'the EncodingAESKey is not 43 base64 characters',
  [-40005]: 'the message was encrypted for another AppID (wrong account, or AppID typo)',
  [-40006]: 'encryption failed',
  [-40007]:
    'the EncodingAESKey does not match the console (it was regenerated?) — the padding check failed after decryption',
  [-40008]: 'the decrypted buffer is malformed: wrong EncodingAESKey, or a truncated ciphertext',
  [-40009]: 'base64 encoding failed',
  [-40010]: 'the Encrypt value is not valid base64 or was truncated',
  [-40011]: 'the reply XML could not be built',
};

/** A WXBizMsgCrypt failure: the official code plus the likely cause for a human. */
export class WxCryptError extends Error {
  readonly likelyCause: string;

  constructor(
    readonly wxCode: WxCryptCode,
    message: string,
  ) {
    super(message);
    this.name = 'WxCryptError';
    this.likelyCause = likelyCause[wxCode];
  }
}

/** A decoded EncodingAESKey: the 32-byte AES-256 key whose first 16 bytes are the IV. */
export interface AesKey {
  readonly key: Buffer;
  readonly iv: Buffer;
}

const aesKeyPattern = /^[A-Za-z0-9+/]{43}$/;
const blockSize = 32;

/** Decodes a 43-character EncodingAESKey (base64 of 32 bytes without its trailing `=`). */
export function decodeAesKey(encodingAesKey: string): AesKey {
  if (!aesKeyPattern.test(encodingAesKey)) {
    throw new WxCryptError(WxCryptCode.illegalAesKey, 'EncodingAESKey must be exactly 43 base64 characters');
  }
  const key = Buffer.from(`${encodingAesKey}=`, 'base64');
  if (key.length !== 32) {
    throw new WxCryptError(WxCryptCode.illegalAesKey, 'EncodingAESKey does not decode to 32 bytes');
  }
  return { key, iv: key.subarray(0, 16) };
}

const randomPool = Buffer.alloc(4096);
let randomOffset = randomPool.length;

/**
 * 16 fresh random bytes for the plaintext prefix. Drawn from a pool refilled 256 prefixes
 * at a time: one `randomBytes(16)` call costs more than the AES of a whole reply.
 */
function randomPrefix(): Buffer {
  if (randomOffset + 16 > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  const prefix = randomPool.subarray(randomOffset, randomOffset + 16);
  randomOffset += 16;
  return prefix;
}

function pkcs7Unpad(data: Buffer): Buffer {
  const pad = data[data.length - 1] ?? 0;
  if (pad < 1 || pad > blockSize || pad > data.length) {
    throw new WxCryptError(WxCryptCode.decryptAes, `bad PKCS#7 padding byte ${pad}`);
  }
  for (let i = data.length - pad; i < data.length; i++) {
    if (data[i] !== pad) throw new WxCryptError(WxCryptCode.decryptAes, 'bad PKCS#7 padding');
  }
  return data.subarray(0, data.length - pad);
}

/**
 * Encrypts a message the way WeChat does: 16 random bytes ‖ 4-byte big-endian length ‖
 * message ‖ AppID, PKCS#7-padded to 32 bytes, AES-256-CBC, base64.
 * `random` (16 bytes) makes the output deterministic for tests and the CLI.
 */
export function encryptMessage(aesKey: AesKey, appId: string, message: string, random?: Buffer): string {
  const rand = random ?? randomPrefix();
  if (rand.length !== 16) throw new WxCryptError(WxCryptCode.encryptAes, 'random prefix must be 16 bytes');
  // One buffer for random ‖ length ‖ message ‖ AppID ‖ padding: this runs once per reply.
  const messageLength = Buffer.byteLength(message, 'utf8');
  const unpadded = 20 + messageLength + Buffer.byteLength(appId, 'utf8');
  const pad = blockSize - (unpadded % blockSize);
  const plain = Buffer.allocUnsafe(unpadded + pad);
  rand.copy(plain, 0);
  plain.writeUInt32BE(messageLength, 16);
  plain.write(message, 20, 'utf8');
  plain.write(appId, 20 + messageLength, 'utf8');
  plain.fill(pad, unpadded);
  return cbc('encrypt', aesKey.key, aesKey.iv, plain).toString('base64');
}

/**
 * Base64-decodes the ciphertext. Node's decoder skips characters outside the alphabet
 * instead of failing, so a foreign character shows up as a shorter result than the length
 * implies (one length check instead of a regex over the whole value); URL-safe `-`/`_`,
 * which Node would accept, are refused explicitly.
 */
function decodeCiphertext(encrypt: string): Buffer {
  const padding = encrypt.endsWith('==') ? 2 : encrypt.endsWith('=') ? 1 : 0;
  const data = Buffer.from(encrypt, 'base64');
  if (
    encrypt.length === 0 ||
    encrypt.length % 4 !== 0 ||
    data.length !== (encrypt.length / 4) * 3 - padding ||
    encrypt.includes('-') ||
    encrypt.includes('_')
  ) {
    throw new WxCryptError(WxCryptCode.decodeBase64, 'Encrypt is not valid base64 (truncated or altered?)');
  }
  if (data.length === 0 || data.length % 16 !== 0) {
    throw new WxCryptError(WxCryptCode.illegalBuffer, `ciphertext length ${data.length} is not a multiple of 16`);
  }
  return data;
}

/** Decrypts with one key; throws a {@link WxCryptError} naming the failed check. */
export function decryptWithKey(aesKey: AesKey, appId: string, encrypt: string): string {
  const data = decodeCiphertext(encrypt);
  const plain = pkcs7Unpad(cbc('decrypt', aesKey.key, aesKey.iv, data));
  if (plain.length < 20) throw new WxCryptError(WxCryptCode.illegalBuffer, 'decrypted buffer is too short');
  const length = plain.readUInt32BE(16);
  if (20 + length > plain.length) {
    throw new WxCryptError(WxCryptCode.illegalBuffer, 'message length field exceeds the decrypted buffer');
  }
  const receivedAppId = plain.subarray(20 + length).toString('utf8');
  if (receivedAppId !== appId) {
    // Names only what the sender put in (it encrypted it), never the configured AppID:
    // this message reaches HTTP clients through the ingress's error body.
    throw new WxCryptError(
      WxCryptCode.validateAppId,
      `AppID check failed: the message was encrypted for ${JSON.stringify(receivedAppId)}`,
    );
  }
  return plain.subarray(20, 20 + length).toString('utf8');
}

export interface Decrypted {
  readonly message: string;
  /** Index into the key list of the key that worked: 0 = current, 1 = previous. */
  readonly keyIndex: number;
}

/**
 * Decrypts with the account's current key and falls back to the previous one (official
 * FAQ: keep both while the console's key change propagates). The reply must be encrypted
 * with the key that worked. When every key fails, the current key's error is thrown.
 */
export function decryptMessage(keys: readonly AesKey[], appId: string, encrypt: string): Decrypted {
  let firstError: unknown;
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key === undefined) continue;
    try {
      return { message: decryptWithKey(key, appId, encrypt), keyIndex: i };
    } catch (error) {
      if (error instanceof WxCryptError && error.wxCode === WxCryptCode.decodeBase64) throw error;
      firstError ??= error;
    }
  }
  throw firstError ?? new WxCryptError(WxCryptCode.illegalAesKey, 'no EncodingAESKey configured');
}
