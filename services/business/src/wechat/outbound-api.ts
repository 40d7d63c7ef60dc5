/**
 * What the outbound pipeline needs from WeChat, as one seam: the real implementation is the
 * shared client of `@mpstack/common/wechat-api` (token, hosts, retries, buckets); the pipeline
 * never speaks HTTP to WeChat itself.
 */
export interface TemplateMessage {
  readonly touser: string;
  readonly template_id: string;
  readonly url?: string;
  readonly data: Readonly<Record<string, { readonly value: string }>>;
  /**
   * WeChat sends one message per openid + client_msg_id within 10 minutes and answers a repeat
   * with the first msgid (the template send doc): what makes a resend after a crash safe.
   */
  readonly client_msg_id: string;
}

export interface MassMessage {
  readonly filter: { readonly is_to_all: boolean; readonly tag_id?: number };
  readonly msgtype: string;
  readonly [body: string]: unknown;
  /** 24-hour de-duplication key (≤ 32 characters): a repeat gets 45065 with the first msg_id. */
  readonly clientmsgid: string;
}

/** A customer-service message (`message/custom/send`): `msgtype` and its object, as WeChat's body has them. */
export interface CustomMessage {
  readonly touser: string;
  readonly msgtype: string;
  readonly [body: string]: unknown;
}

export interface OutboundApi {
  /** The send's msgid; throws a {@link WeChatCallError} (or any error: treated as transient). */
  sendTemplate(account: string, message: TemplateMessage): Promise<string>;
  /**
   * `message/custom/send`: refused locally outside the follower's 48-hour window or past its
   * budget (`WeChatLocalRefusal`, 45015 / 45047). No idempotency key: a call whose answer was lost
   * fails with an error for which {@link isMaybeDelivered} is true, and must not be repeated.
   */
  sendCustom(account: string, message: CustomMessage): Promise<void>;
  /** `mass/sendall`: the job's msg_id (and msg_data_id for articles). */
  sendAll(account: string, message: MassMessage): Promise<{ readonly msgId: string; readonly msgDataId?: string }>;
  /** `mass/preview` to one follower. */
  preview(account: string, message: Readonly<Record<string, unknown>>): Promise<void>;
  /** `mass/delete` of a submitted mass send (its articles disappear; what was delivered stays). */
  deleteMass(account: string, msgId: string): Promise<void>;
}

/** A WeChat answer with an errcode (after the client's own retries and token handling). */
export interface WeChatCallError {
  readonly errcode: number;
  readonly message: string;
}

/** The errcode of a failed call, or undefined when WeChat's answer is unknown (network, 5xx, a bucket down). */
export function errcodeOf(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

/** What a failed template send means for its recipient and for the push. */
export type SendFailure =
  /** This recipient cannot get it (not a follower, invalid openid, refused): recorded, the push goes on. */
  | { readonly kind: 'recipient'; readonly errcode: number }
  /** Nothing more can be sent now (quota, template, credentials): the push pauses with the reason. */
  | { readonly kind: 'stop'; readonly errcode: number; readonly reason: string }
  /** WeChat may or may not have taken it (−1 after retries, 5xx, timeout, host down): in doubt. */
  | { readonly kind: 'unknown'; readonly reason: string };

const recipientCodes = new Set([40003, 43004, 43101, 47003, 43019, 40013]);
const stopReasons: Readonly<Record<number, string>> = {
  45009: 'the daily template quota is reached (45009); resume tomorrow or after clear_quota',
  40037: 'the template is not on the account (40037)',
  40001: 'the access token is refused (40001): the AppSecret may have been reset',
  40125: 'the AppSecret is invalid (40125)',
  40164: "this server's IP is not on the account's whitelist (40164)",
  48001: 'the account is not allowed to send template messages (48001)',
  42001: 'the access token expired and could not be renewed (42001)',
  40014: 'the access token is invalid (40014)',
};

export function classifyFailure(error: unknown): SendFailure {
  const errcode = errcodeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  if (errcode === undefined || errcode === -1 || errcode === 45011) return { kind: 'unknown', reason: message };
  if (recipientCodes.has(errcode)) return { kind: 'recipient', errcode };
  return { kind: 'stop', errcode, reason: stopReasons[errcode] ?? `WeChat refused the send: ${errcode} ${message}` };
}

/**
 * True when a failed call may have reached WeChat: the shared client's `unavailable` whose
 * cause is a connection lost after the request went out (or a timeout waiting for the answer)
 * on a call it does not repeat. False when nothing went out (no host accepted the connection, no
 * token, the coordination store down) — the call can be made again.
 */
export function isMaybeDelivered(error: unknown): boolean {
  const cause = (error as { cause?: unknown } | null)?.cause;
  return (cause as { isMaybeDelivered?: unknown } | null | undefined)?.isMaybeDelivered === true;
}
