import {
  AppError,
  ErrorCode,
  extractEncrypt,
  openEncryptValue,
  parseMessage,
  parseMessageXml,
  parseXml,
  readEncryptField,
  signaturesEqual,
  urlSignature,
  WxCryptCode,
  WxCryptError,
  type WxMessage,
} from '@mpstack/common';
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

/** Steps 2–3: decrypt (safe / compatible mode) and parse into a typed message. */
export function openMessage(account: Account, query: CallbackQuery, body: string): OpenedMessage {
  const encrypted = query.encryptType === 'aes';
  if (!encrypted) {
    if (account.mode === 'safe') {
      throw new AppError(ErrorCode.decryptFailed, 'account is in safe mode: plaintext messages are refused');
    }
    return { message: parseMessage(parseXml(body)), keyIndex: undefined };
  }
  if (account.aesKeys.length === 0) {
    throw new AppError(ErrorCode.decryptFailed, 'encrypted message but no EncodingAESKey is configured');
  }
  try {
    const encrypt = extractEncrypt(body) ?? readEncryptField(parseXml(body));
    const opened = openEncryptValue({
      encrypt,
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
