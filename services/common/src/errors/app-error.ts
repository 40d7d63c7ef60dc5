/**
 * One error taxonomy for every service. Errors carry a code and know nothing about HTTP;
 * the HTTP layer maps codes to statuses in one table (`http/error-status.ts`) used by the
 * one error middleware of `createHttpApp` (`http/app-factory.ts`) and by the webhook.
 */
export const ErrorCode = {
  badRequest: 'bad_request',
  signatureInvalid: 'signature_invalid',
  timestampStale: 'timestamp_stale',
  nonceReplayed: 'nonce_replayed',
  decryptFailed: 'decrypt_failed',
  plaintextRefused: 'plaintext_refused',
  appIdMismatch: 'appid_mismatch',
  xmlInvalid: 'xml_invalid',
  xmlForbidden: 'xml_forbidden',
  xmlTooComplex: 'xml_too_complex',
  /** A message field holds a control character XML 1.0 does not allow (never sent by WeChat). */
  controlCharacter: 'control_character',
  bodyTooLarge: 'body_too_large',
  unsupportedMediaType: 'unsupported_media_type',
  accountUnknown: 'account_unknown',
  /** The account is switched off in the console (a URL verification for it is refused). */
  accountDisabled: 'account_disabled',
  notFound: 'not_found',
  conflict: 'conflict',
  unavailable: 'unavailable',
  configInvalid: 'config_invalid',
  replyInvalid: 'reply_invalid',
  /** A queue or pub/sub message that does not match its contract (`@mpstack/common/contracts`). */
  messageInvalid: 'message_invalid',
  /** WeChat's API answered a business errcode (`WeChatApiError` in `@mpstack/common/wechat`). */
  wechatError: 'wechat_error',
  /**
   * A WeChat call refused here before it was sent, because WeChat would refuse it (a daily
   * quota used up, no customer-service window open) — `WeChatLocalRefusal`.
   */
  wechatLimit: 'wechat_limit',
  internal: 'internal',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface AppErrorOptions {
  readonly cause?: unknown;
  /** Extra machine-readable detail safe to show a client (never secrets). */
  readonly detail?: Readonly<Record<string, string | number | boolean>>;
}

export class AppError extends Error {
  readonly detail: Readonly<Record<string, string | number | boolean>> | undefined;

  constructor(
    readonly code: ErrorCode,
    message: string,
    options: AppErrorOptions = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.detail = options.detail;
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
