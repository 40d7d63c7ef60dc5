import { AppError, ErrorCode } from '@mpstack/common/errors';
import {
  locateEncrypt,
  openEncryptValue,
  parseMessage,
  parseMessageXml,
  parseXml,
  signaturesEqual,
  urlSignature,
  WxCryptCode,
  WxCryptError,
  type WxMessage,
} from '@mpstack/common/wechat';
import type { Account } from '../accounts/account.types.js';
import type { CallbackQuery } from './request.js';

/** A verified, decrypted and parsed callback. */
export interface OpenedMessage {
  readonly message: WxMessage;
  /** Index of the AES key that decrypted it (the reply uses the same key); undefined = plaintext. */
  readonly keyIndex: number | undefined;
}

/** Step 1 of the message path: `signature` and the timestamp window. */
export function verifyRequest(account: Account, query: CallbackQuery, nowSeconds: number, windowSeconds: number): void {
  if (query.signature === '' || query.timestamp === '' || query.nonce === '') {
    throw new AppError(ErrorCode.signatureInvalid, 'signature, timestamp and nonce are required');
  }
  if (!signaturesEqual(urlSignature(account.token, query.timestamp, query.nonce), query.signature)) {
    throw new AppError(ErrorCode.signatureInvalid, 'signature check failed (-40001): wrong Token?', {
      detail: { wxCode: WxCryptCode.validateSignature },
    });
  }
  const timestamp = Number(query.timestamp);
  if (!Number.isInteger(timestamp) || Math.abs(nowSeconds - timestamp) > windowSeconds) {
    throw new AppError(ErrorCode.timestampStale, `timestamp outside the ${windowSeconds} s window`);
  }
}

/**
 * Steps 2–3: decrypt (safe / compatible mode) and parse into a typed message. An encrypted
 * body is never parsed before `msg_signature` is verified: `<Encrypt>` is located by a
 * linear scan, checked, decrypted, and only the authenticated plaintext is parsed.
 */
export function openMessage(account: Account, query: CallbackQuery, body: string): OpenedMessage {
  if (query.encryptType !== 'aes') return openPlaintext(account, body);
  if (account.aesKeys.length === 0) {
    throw new AppError(ErrorCode.decryptFailed, 'encrypted message but no EncodingAESKey is configured');
  }
  try {
    const opened = openEncryptValue({
      encrypt: locateEncrypt(body),
      token: account.token,
      timestamp: query.timestamp,
      nonce: query.nonce,
      msgSignature: query.msgSignature ?? '',
      keys: account.aesKeys,
      appId: account.appId,
    });
    return { message: parseMessageXml(opened.xml), keyIndex: opened.keyIndex };
  } catch (error) {
    throw error instanceof WxCryptError ? cryptError(error) : error;
  }
}

/**
 * A body without `encrypt_type=aes` is signed by nothing (the URL signature covers only
 * token, timestamp and nonce), so only a plaintext-mode account accepts one. In safe mode
 * WeChat sends ciphertext only; in compatible mode it always sends `encrypt_type=aes`,
 * `msg_signature` and `<Encrypt>` next to the plaintext copy (official 消息加解密说明), so
 * a plaintext request to either is a downgrade — a forgery with a captured signed URL, or
 * an account switched on WeChat's side but not here — and is refused.
 */
function openPlaintext(account: Account, body: string): OpenedMessage {
  if (account.mode !== 'plain') {
    throw new AppError(
      ErrorCode.plaintextRefused,
      `account is in ${account.mode} mode: a message without encrypt_type=aes is refused`,
    );
  }
  return { message: parseMessage(parseXml(body)), keyIndex: undefined };
}

/** WXBizMsgCrypt failures become taxonomy errors that still name the official code. */
function cryptError(error: WxCryptError): AppError {
  const code =
    error.wxCode === WxCryptCode.validateSignature
      ? ErrorCode.signatureInvalid
      : error.wxCode === WxCryptCode.validateAppId
        ? ErrorCode.appIdMismatch
        : ErrorCode.decryptFailed;
  return new AppError(code, `${error.message} (${error.wxCode}): ${error.likelyCause}`, {
    cause: error,
    detail: { wxCode: error.wxCode },
  });
}
