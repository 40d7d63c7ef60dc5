import {
  type AesKey,
  decodeAesKey,
  locateEncrypt,
  msgSignature,
  openEncrypted,
  openEncryptValue,
  WxCryptCode,
  WxCryptError,
} from '@mpstack/common';
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
}

interface Checked {
  readonly token: string;
  readonly appId: string;
  readonly timestamp: string;
  readonly nonce: string;
  readonly msgSignature: string;
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
function signatureLines(checked: Checked, body: string): readonly string[] {
  const encrypt = encryptValueOf(body);
  if (encrypt === undefined) return [];
  const computed = msgSignature(checked.token, checked.timestamp, checked.nonce, encrypt);
  return [`  computed msg_signature: ${computed}`, `  received msg_signature: ${checked.msgSignature}`];
}

function open(checked: Checked, body: string): CommandResult {
  const opened = body.startsWith('<')
    ? openEncrypted({ ...checked, body })
    : openEncryptValue({ ...checked, encrypt: body });
  const note = opened.keyIndex === 0 ? '' : `decrypted with --previous-aes-key (key index ${opened.keyIndex})\n`;
  return succeeded(`${opened.xml}\n`, note);
}

/**
 * `mpstack wx decrypt`: verifies and decrypts a callback body (the POST XML with <Encrypt>,
 * or a bare Encrypt value) through the same `openEncrypted` the ingress uses, and on failure
 * says which check failed, its WXBizMsgCrypt code and the likely cause.
 */
export function runDecrypt(options: DecryptOptions, rawBody: string): CommandResult {
  const usage = missingOptions({
    '--token': options.token,
    '--aes-key': options.aesKey,
    '--appid': options.appid,
    '--timestamp': options.timestamp,
    '--nonce': options.nonce,
    '--msg-signature': options.msgSignature,
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
      msgSignature: options.msgSignature ?? '',
      keys: decodeKeys(options.aesKey ?? '', options.previousAesKey),
    };
    return open(checked, body);
  } catch (error) {
    const isSignature = error instanceof WxCryptError && error.wxCode === WxCryptCode.validateSignature;
    const extra = isSignature && checked !== undefined ? signatureLines(checked, body) : [];
    return reportFailure('decrypt', error, extra);
  }
}
