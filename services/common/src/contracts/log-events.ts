import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import { decodeJson } from './decode.js';

/** Every service publishes its log events here; the log service consumes them. */
export const logEventsQueue = 'mpstack.log-events';
/**
 * Where the log service puts a batch that is not a JSON array and each single event of a
 * batch that does not match its contract (with the reason in `x-death-reason`).
 */
export const logEventsDeadLetterQueue = 'mpstack.log-events.dead';
/** The declaration every publisher and the consumer use (RabbitMQ refuses differing arguments). */
export const logEventsDeclaration = { name: logEventsQueue, deadLetterQueue: logEventsDeadLetterQueue } as const;

/** Longest `content` a message event carries (characters); the producer truncates. */
export const LOG_CONTENT_MAX = 2048;

/** One line of the message log: what happened to one webhook request. */
export interface MessageLogEvent {
  readonly type: 'message';
  /**
   * Unique per event, set by the producer: a batch delivered twice (a consumer died before
   * its ack) is written once. Events of producers that predate the field get an id derived
   * from their content by the consumer.
   */
  readonly id?: string;
  /** ms since the epoch. */
  readonly at: number;
  readonly account: string;
  readonly openId: string;
  readonly msgType: string;
  readonly event: string | undefined;
  /** The event's EventKey (menu key, `qrscene_…` of a QR scan), for follower sources. */
  readonly eventKey?: string | undefined;
  readonly msgId: string | undefined;
  /** A text message's text, at most {@link LOG_CONTENT_MAX} characters (search, top keywords). */
  readonly content?: string | undefined;
  readonly outcome: string;
  readonly decidedBy: string | undefined;
  readonly latencyMs: number;
}

/** One outbound WeChat API call (published by the services that call WeChat). */
export interface InterfaceLogEvent {
  readonly type: 'interface';
  readonly id?: string | undefined;
  readonly at: number;
  readonly account: string;
  /** The API path, e.g. `/cgi-bin/message/custom/send`. */
  readonly api: string;
  /** WeChat's errcode (0 = ok); -1 for a transport failure. */
  readonly errcode: number;
  readonly errmsg?: string | undefined;
  readonly latencyMs: number;
}

/** The outbound API families whose sends the dashboard counts (`@mpstack/common/wechat-api` families). */
export const SEND_FAMILIES = ['template', 'kefu', 'mass'] as const;
export type SendFamily = (typeof SEND_FAMILIES)[number];

/** Why a send was not attempted: WeChat would have refused it (`LocalRefusalReason` of the API client). */
export const SEND_REFUSALS = ['quota_reached', 'window_closed', 'window_exhausted'] as const;
export type SendRefusal = (typeof SEND_REFUSALS)[number];

/**
 * One outbound send attempt (a template message, a customer-service message, a mass send or
 * preview) as the sending service saw it: `sent` (WeChat took it), `failed` with WeChat's
 * errcode (−1: no answer — transport failure, 5xx, timeout: WeChat may or may not have it), or
 * `refused` here before any call, with the reason and the errcode it avoided. Never carries the
 * recipient, the content or a token: the dashboard counts, the send's own row tells the rest.
 */
export type SendLogEvent = {
  readonly type: 'send';
  /** Set by the producer (LogSink.nextId): a redelivered batch is counted once. */
  readonly id: string;
  /** ms since the epoch: when the attempt ended. */
  readonly at: number;
  readonly account: string;
  readonly family: SendFamily;
} & (
  | { readonly outcome: 'sent' }
  | { readonly outcome: 'failed'; readonly errcode: number }
  | { readonly outcome: 'refused'; readonly reason: SendRefusal; readonly errcode: number }
);

/** The outcomes of delivery receipts, as the dashboard shows them. */
export const RECEIPT_OUTCOMES = ['success', 'userBlock', 'systemFailed'] as const;
export type ReceiptOutcome = (typeof RECEIPT_OUTCOMES)[number];

/**
 * One delivery receipt joined by the sending service: a `TEMPLATESENDJOBFINISH` (one recipient:
 * exactly one of the counts is 1 — `success`, `failed:user block`, `failed: system failed`) or a
 * `MASSSENDJOBFINISH` (the job's `SentCount` as `success` and `ErrorCount` as `systemFailed`;
 * WeChat does not tell a mass send's blocked followers apart). `id` and `at` come from the
 * receipt (its MsgID, its CreateTime), so WeChat pushing the same receipt again is counted once.
 */
export interface ReceiptLogEvent {
  readonly type: 'receipt';
  readonly id: string;
  /** The receipt's CreateTime (ms since the epoch). */
  readonly at: number;
  readonly account: string;
  readonly family: 'template' | 'mass';
  readonly success: number;
  readonly userBlock: number;
  readonly systemFailed: number;
}

/** What the log service stores: message rows, interface rows, and sends and receipts (their rollups). */
export type LogEvent = MessageLogEvent | InterfaceLogEvent | SendLogEvent | ReceiptLogEvent;

/**
 * One HTTP request a service answered (the admin API, the business API): who called what and
 * how it went — never a header, a cookie, a query string or a body. The log service appends it
 * to the access JSON-lines file (not to the database).
 */
export interface AccessLogEvent {
  readonly type: 'access';
  /** Set by the producer (LogSink.nextId). */
  readonly id: string;
  /** ms since the epoch: when the answer was sent. */
  readonly at: number;
  /** The service that answered, e.g. `admin`. */
  readonly service: string;
  readonly method: string;
  /** The matched route's pattern (`/admin/api/rules/:ruleId`), never the raw URL; `(none)` when no route matched. */
  readonly route: string;
  readonly status: number;
  readonly latencyMs: number;
  /** The signed-in user's id, when there was one. */
  readonly userId?: string | undefined;
  /** The client's address as the service trusts it (X-Forwarded-For only from a trusted proxy). */
  readonly ip?: string | undefined;
}

/** What producers publish on {@link logEventsQueue}: the stored events and the access events. */
export type QueuedLogEvent = LogEvent | AccessLogEvent;

const id = z.string().min(1).max(64);
const at = z.number().int().nonnegative();
const account = z.string().min(1).max(64);

const messageLogEventSchema = z.object({
  type: z.literal('message'),
  id: id.optional(),
  at,
  account,
  openId: z.string().max(64),
  msgType: z.string().min(1).max(32),
  event: z.string().max(64).optional(),
  eventKey: z.string().max(255).optional(),
  msgId: z.string().max(64).optional(),
  content: z.string().max(LOG_CONTENT_MAX).optional(),
  outcome: z.string().min(1).max(48),
  decidedBy: z.string().max(64).optional(),
  latencyMs: z.number().nonnegative(),
});

const interfaceLogEventSchema = z.object({
  type: z.literal('interface'),
  id: id.optional(),
  at,
  account,
  api: z.string().min(1).max(255),
  errcode: z.number().int(),
  errmsg: z.string().max(512).optional(),
  latencyMs: z.number().nonnegative(),
});

const sendBase = {
  type: z.literal('send'),
  id,
  at,
  account,
  family: z.enum(SEND_FAMILIES),
};
const errcode = z.number().int().min(-1).max(9_999_999);
/** A send's fields by outcome: an errcode only with a failure or a refusal, a reason only with a refusal. */
const sendLogEventSchema = z.discriminatedUnion('outcome', [
  z.object({ ...sendBase, outcome: z.literal('sent') }).strict(),
  z.object({ ...sendBase, outcome: z.literal('failed'), errcode }).strict(),
  z.object({ ...sendBase, outcome: z.literal('refused'), reason: z.enum(SEND_REFUSALS), errcode }).strict(),
]);

const receiptCount = z.number().int().nonnegative().max(100_000_000);
const receiptLogEventSchema = z
  .object({
    type: z.literal('receipt'),
    id,
    at,
    account,
    family: z.enum(['template', 'mass']),
    success: receiptCount,
    userBlock: receiptCount,
    systemFailed: receiptCount,
  })
  .strict();

const accessLogEventSchema = z.object({
  type: z.literal('access'),
  id,
  at,
  service: z.string().min(1).max(32),
  method: z.string().min(1).max(16),
  route: z.string().min(1).max(255),
  status: z.number().int().min(100).max(599),
  latencyMs: z.number().nonnegative(),
  userId: z.string().max(64).optional(),
  ip: z.string().max(64).optional(),
});

const logEventSchema = z.discriminatedUnion('type', [
  messageLogEventSchema,
  interfaceLogEventSchema,
  sendLogEventSchema,
  receiptLogEventSchema,
  accessLogEventSchema,
]);

/**
 * One event as JSON. Publishers keep events encoded until their batch is sent (an object
 * kept for a flush interval would be promoted by the collector, with the message it came from).
 */
export function encodeLogEvent(event: QueuedLogEvent): string {
  return JSON.stringify(event);
}

/** A batch body: a JSON array of events encoded by {@link encodeLogEvent}, oldest first. */
export function encodeLogEventBatch(encodedEvents: readonly string[]): Buffer {
  return Buffer.from(`[${encodedEvents.join(',')}]`);
}

/** Parses a batch of message events; throws a `message_invalid` AppError naming the first bad event. */
export function decodeLogEventBatch(body: Buffer | string): MessageLogEvent[] {
  return decodeJson('log event batch', z.array(messageLogEventSchema), body).map(messageEvent);
}

/** An event of a batch that does not match the contract: its position, raw value and why. */
export interface RejectedLogEvent {
  readonly index: number;
  readonly raw: unknown;
  readonly reason: string;
}

/**
 * Parses a batch event by event (the log service's edge): the good events, and each bad one
 * with its reason, so one bad event does not hold back its batch. Throws `message_invalid`
 * only when the body is not a JSON array.
 */
export function decodeLogEvents(body: Buffer | string): {
  readonly events: QueuedLogEvent[];
  readonly rejected: RejectedLogEvent[];
} {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.messageInvalid, 'log event batch: not JSON', { cause: error });
  }
  if (!Array.isArray(raw)) throw new AppError(ErrorCode.messageInvalid, 'log event batch: not an array');
  const events: QueuedLogEvent[] = [];
  const rejected: RejectedLogEvent[] = [];
  raw.forEach((item: unknown, index) => {
    const result = logEventSchema.safeParse(item);
    if (result.success) {
      events.push(result.data.type === 'message' ? messageEvent(result.data) : result.data);
      return;
    }
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    rejected.push({ index, raw: item, reason: `${issue?.message ?? 'invalid'}${where}` });
  });
  return { events, rejected };
}

function messageEvent(event: z.output<typeof messageLogEventSchema>): MessageLogEvent {
  const { id: eventId, eventKey, content, ...rest } = event;
  return {
    ...rest,
    event: event.event,
    msgId: event.msgId,
    decidedBy: event.decidedBy,
    ...(eventId === undefined ? {} : { id: eventId }),
    ...(eventKey === undefined ? {} : { eventKey }),
    ...(content === undefined ? {} : { content }),
  };
}
