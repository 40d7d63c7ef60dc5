import { type ErrorCode, isAppError } from '../errors/app-error.js';

/** The one table from error codes to HTTP statuses (docs/conventions.md §5). */
export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  bad_request: 400,
  signature_invalid: 401,
  timestamp_stale: 401,
  nonce_replayed: 401,
  decrypt_failed: 400,
  plaintext_refused: 400,
  appid_mismatch: 400,
  xml_invalid: 400,
  xml_forbidden: 400,
  xml_too_complex: 400,
  control_character: 400,
  body_too_large: 413,
  unsupported_media_type: 415,
  account_unknown: 404,
  account_disabled: 403,
  not_found: 404,
  conflict: 409,
  unavailable: 503,
  config_invalid: 500,
  reply_invalid: 500,
  message_invalid: 400,
  wechat_error: 502,
  wechat_limit: 429,
  internal: 500,
};

export interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly detail?: Readonly<Record<string, unknown>>;
  };
}

/**
 * Turns any thrown value into a status and a client-safe body: an AppError keeps its code
 * and message; anything else becomes `internal` without its message or stack.
 */
export function errorResponse(error: unknown): { status: number; body: ErrorBody } {
  if (isAppError(error)) {
    const base = { code: error.code, message: error.message };
    return {
      status: httpStatusOf[error.code],
      body: { error: error.detail === undefined ? base : { ...base, detail: error.detail } },
    };
  }
  return { status: 500, body: { error: { code: 'internal', message: 'internal error' } } };
}
