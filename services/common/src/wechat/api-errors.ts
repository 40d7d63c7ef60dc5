import { AppError, ErrorCode } from '../errors/app-error.js';
import { WECHAT_ERRCODES } from './errcodes.generated.js';

/**
 * What a caller does about an errcode — the platform reactions of the team's protocol notes
 * (`PROTOCOL.md`, "Error codes that matter"):
 * - `token`: the access_token is invalid, superseded or expired (40001, 40014, 42001): the
 *   token manager marks it stale (only if still the one that failed) and waits for the writer;
 * - `retryable`: system busy (−1) or the minute frequency limit (45011): retried with backoff;
 * - `quota`: a daily quota is used up (45009, 45028 mass sends): stop until tomorrow;
 * - `window`: the customer-service window is closed (45015) or its budget used (45047);
 * - `recipient`: this recipient cannot receive (40003 invalid openid, 43004 not following,
 *   43101 refused): mark the recipient, go on with the others;
 * - `credentials`: the AppID / AppSecret / IP whitelist is wrong (40013, 40125, 40164, 40243,
 *   41002, 41004, 48017): an operator must fix the account's configuration;
 * - `permission`: the account may not call this API (48001, 48004, 50001, 50002);
 * - `request`: anything else — the request itself is wrong; sending it again will not help.
 */
export type WeChatErrorKind =
  | 'token'
  | 'retryable'
  | 'quota'
  | 'window'
  | 'recipient'
  | 'credentials'
  | 'permission'
  | 'request';

const kindByCode: ReadonlyMap<number, WeChatErrorKind> = new Map<number, WeChatErrorKind>([
  [40001, 'token'],
  [40014, 'token'],
  [42001, 'token'],
  [-1, 'retryable'],
  [45011, 'retryable'],
  [45009, 'quota'],
  [45028, 'quota'],
  [45015, 'window'],
  [45047, 'window'],
  [40003, 'recipient'],
  [43004, 'recipient'],
  [43101, 'recipient'],
  [40013, 'credentials'],
  [40125, 'credentials'],
  [40164, 'credentials'],
  [40243, 'credentials'],
  [41002, 'credentials'],
  [41004, 'credentials'],
  [48017, 'credentials'],
  [48001, 'permission'],
  [48004, 'permission'],
  [50001, 'permission'],
  [50002, 'permission'],
]);

/** The errcodes that mean "this access_token is no longer good": refresh, never stampede. */
export const TOKEN_ERRCODES: ReadonlySet<number> = new Set([40001, 40014, 42001]);
/** The only errcodes a call is retried on (with capped backoff and jitter). */
export const RETRYABLE_ERRCODES: ReadonlySet<number> = new Set([-1, 45011]);

/** The meaning of an errcode from the generated table; undefined for a code no source lists. */
export function errcodeMeaning(errcode: number): string | undefined {
  return WECHAT_ERRCODES.get(errcode);
}

export function errcodeKind(errcode: number): WeChatErrorKind {
  return kindByCode.get(errcode) ?? 'request';
}

/**
 * WeChat answered `{errcode != 0, errmsg}`. Carries the API's name, the errcode, WeChat's
 * errmsg (with its ` rid:` suffix — quote it to WeChat support) and the errcode's meaning.
 * Never retried by the client except for `retryable` (−1, 45011), and a `token` error only
 * after the token was refreshed once.
 */
export class WeChatApiError extends AppError {
  readonly errcode: number;
  readonly errmsg: string;
  readonly api: string;
  readonly kind: WeChatErrorKind;
  /** The errcode's meaning from the table (`errcodes.generated.ts`), or a note that none is known. */
  readonly meaning: string;
  /**
   * The whole answer, when the caller needs more than the errcode: 45065 (a mass send's
   * clientmsgid already used) carries the first send's `msg_id`.
   */
  readonly body: Readonly<Record<string, unknown>> | undefined;

  constructor(api: string, errcode: number, errmsg: string, body?: Readonly<Record<string, unknown>>) {
    const meaning = errcodeMeaning(errcode) ?? 'errcode not in the known tables';
    super(ErrorCode.wechatError, `WeChat ${api} answered errcode ${errcode} (${meaning}): ${errmsg}`, {
      detail: { api, errcode, kind: errcodeKind(errcode) },
    });
    this.name = 'WeChatApiError';
    this.api = api;
    this.errcode = errcode;
    this.errmsg = errmsg;
    this.kind = errcodeKind(errcode);
    this.meaning = meaning;
    this.body = body;
  }
}

/** Why a call was refused here instead of being sent (WeChat would have refused it). */
export type LocalRefusalReason =
  /** The API's daily quota (`limit`) is used up today (WeChat: 45009). */
  | 'quota_reached'
  /** No customer-service window is open for this follower (WeChat: 45015). */
  | 'window_closed'
  /** The open windows' message budget is used up (WeChat: 45047). */
  | 'window_exhausted';

const avoidedErrcode: Readonly<Record<LocalRefusalReason, number>> = {
  quota_reached: 45009,
  window_closed: 45015,
  window_exhausted: 45047,
};

/** A call not attempted because WeChat would refuse it; `errcode` is what WeChat would have answered. */
export class WeChatLocalRefusal extends AppError {
  readonly reason: LocalRefusalReason;
  readonly errcode: number;
  readonly api: string;

  constructor(api: string, reason: LocalRefusalReason, explanation: string) {
    const errcode = avoidedErrcode[reason];
    super(ErrorCode.wechatLimit, `WeChat ${api} not attempted (${reason}, would get ${errcode}): ${explanation}`, {
      detail: { api, reason, errcode },
    });
    this.name = 'WeChatLocalRefusal';
    this.reason = reason;
    this.errcode = errcode;
    this.api = api;
  }
}

/** Every host failed (network error or 5xx) or the token could not be had in time: retry later. */
export class WeChatUnavailableError extends AppError {
  readonly api: string;

  constructor(api: string, message: string, cause?: unknown) {
    super(ErrorCode.unavailable, `WeChat ${api} unavailable: ${message}`, {
      ...(cause === undefined ? {} : { cause }),
      detail: { api },
    });
    this.name = 'WeChatUnavailableError';
    this.api = api;
  }
}
