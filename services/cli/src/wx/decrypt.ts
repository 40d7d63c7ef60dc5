import {
  type AesKey,
  decodeAesKey,
  decryptMessage,
  locateEncrypt,
  msgSignature,
  openEncrypted,
  openEncryptValue,
  signaturesEqual,
  urlSignature,
  WxCryptCode,
  WxCryptError,
} from '@mpstack/common/wechat';
import { diagnoseCiphertext } from './ciphertext.js';
import { reportFailure } from './crypt-errors.js';
import { type CommandResult, ExitCode, failed, missingOptions, succeeded } from './io.js';

export interface DecryptOptions {
  readonly token?: string | undefined;
  readonly aesKey?: string | undefined;
  readonly previousAesKey?: string | undefined;
  readonly appid?: string | undefined;
  readonly timestamp?: string | undefined;
  readonly nonce?: string | undefined;
  readonly msgSignature?: string | undefined;
  /** The URL `signature`: with no msg_signature (plaintext verification), checked instead of it. */
  readonly signature?: string | undefined;
}

interface Checked {
  readonly token: string;
  readonly appId: string;
  readonly timestamp: string;
  readonly nonce: string;
  /** undefined: only the URL signature was given (and checked); the body itself is not signed. */
  readonly msgSignature: string | undefined;
  readonly keys: readonly AesKey[];
}

function decodeKeys(current: string, previous: string | undefined): readonly AesKey[] {
  const keys = [decodeAesKey(current)];
  if (previous === undefined || previous === '') return keys;
  try {
    return [...keys, decodeAesKey(previous)];
  } catch (error) {
    if (error instanceof WxCryptError) throw new WxCryptError(error.wxCode, `--previous-aes-key: ${error.message}`);
    throw error;
  }
}

/** The Encrypt value to sign: the body itself when bare, else its <Encrypt> (undefined if unreadable). */
function encryptValueOf(body: string): string | undefined {
  if (!body.startsWith('<')) return body;
  try {
    return locateEncrypt(body);
  } catch {
    return undefined;
  }
}

/** For -40001, show both signatures: the usual cause is a Token mismatch or a re-encoded body. */
function signatureLines(checked: Checked, body: string, urlSignatureGiven: string | undefined): readonly string[] {
  if (checked.msgSignature === undefined) {
    return [
      `  computed signature: ${urlSignature(checked.token, checked.timestamp, checked.nonce)}`,
      `  received signature: ${urlSignatureGiven ?? ''}`,
    ];
  }
  const encrypt = encryptValueOf(body);
  if (encrypt === undefined) return [];
  const computed = msgSignature(checked.token, checked.timestamp, checked.nonce, encrypt);
  return [`  computed msg_signature: ${computed}`, `  received msg_signature: ${checked.msgSignature}`];
}

function open(checked: Checked, body: string): CommandResult {
  if (checked.msgSignature === undefined) {
    // Plaintext verification: the URL signature was checked (by the caller); the ciphertext is unsigned.
    const encrypt = body.startsWith('<') ? locateEncrypt(body) : body;
    const decrypted = decryptMessage(checked.keys, checked.appId, encrypt);
    const key = decrypted.keyIndex === 0 ? '' : ` with --previous-aes-key (key index ${decrypted.keyIndex})`;
    return succeeded(
      `${decrypted.message}\n`,
      `decrypted${key}; no --msg-signature: only the URL signature was checked, and it does not cover the body (WeChat adds msg_signature to the URL when the account encrypts; pass it to verify the ciphertext)\n`,
    );
  }
  const opened = body.startsWith('<')
    ? openEncrypted({ ...checked, msgSignature: checked.msgSignature, body })
    : openEncryptValue({ ...checked, msgSignature: checked.msgSignature, encrypt: body });
  const note = opened.keyIndex === 0 ? '' : `decrypted with --previous-aes-key (key index ${opened.keyIndex})\n`;
  return succeeded(`${opened.xml}\n`, note);
}

/** Codes a damaged ciphertext produces; for them the shape of the value says more than the code. */
const ciphertextCodes: ReadonlySet<number> = new Set([
  WxCryptCode.decryptAes,
  WxCryptCode.illegalBuffer,
  WxCryptCode.decodeBase64,
]);

function failure(error: unknown, checked: Checked | undefined, body: string, signature: string | undefined) {
  if (!(error instanceof WxCryptError) || checked === undefined) return reportFailure('decrypt', error);
  if (error.wxCode === WxCryptCode.validateSignature) {
    return reportFailure('decrypt', error, signatureLines(checked, body, signature));
  }
  const encrypt = encryptValueOf(body);
  const cause =
    ciphertextCodes.has(error.wxCode) && encrypt !== undefined
      ? diagnoseCiphertext(encrypt, checked.keys, checked.appId)
      : undefined;
  return reportFailure('decrypt', error, [], cause);
}

/**
 * `mpstack wx decrypt`: verifies and decrypts a callback body (the POST XML with <Encrypt>,
 * or a bare Encrypt value) through the same `openEncrypted` the ingress uses, and on failure
 * says which check failed, its WXBizMsgCrypt code and the likely cause. Without
 * `--msg-signature`, `--signature` (plaintext verification) is checked instead and the
 * output says the body itself was not verified.
 */
export function runDecrypt(options: DecryptOptions, rawBody: string): CommandResult {
  const usage = missingOptions({
    '--token': options.token,
    '--aes-key': options.aesKey,
    '--appid': options.appid,
    '--timestamp': options.timestamp,
    '--nonce': options.nonce,
    '--msg-signature (or --signature, the URL signature, when there is none)':
      options.msgSignature ?? options.signature,
  });
  if (usage !== undefined) return usage;
  const body = rawBody.trim();
  if (body === '') return failed(ExitCode.usage, 'no body: pipe the POST body on stdin or pass --file');
  let checked: Checked | undefined;
  try {
    checked = {
      token: options.token ?? '',
      appId: options.appid ?? '',
      timestamp: options.timestamp ?? '',
      nonce: options.nonce ?? '',
      msgSignature: options.msgSignature,
      keys: decodeKeys(options.aesKey ?? '', options.previousAesKey),
    };
    if (checked.msgSignature === undefined) {
      const expected = urlSignature(checked.token, checked.timestamp, checked.nonce);
      if (!signaturesEqual(expected, options.signature ?? '')) {
        throw new WxCryptError(WxCryptCode.validateSignature, 'signature does not match token, timestamp and nonce');
      }
    }
    return open(checked, body);
  } catch (error) {
    return failure(error, checked, body, options.signature);
  }
}
