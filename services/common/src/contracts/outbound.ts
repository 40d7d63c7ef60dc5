import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { JobFinishEvent } from '../wechat/message-types.js';
import { checkContract, decodeJson } from './decode.js';

/**
 * The outbound pipeline's queues (the business service, docs/architecture.md §4).
 *
 * - `mpstack.outbound.sends`: one message per single template send accepted by the API
 *   (`{ sendId }`); the row is in `template_sends` before the message is published.
 * - `mpstack.outbound.kefu`: one message per customer-service send accepted by the API
 *   (`{ sendId, send }` of `kefu_sends`, a {@link KefuJobMessage}); the row exists before the message.
 * - `mpstack.outbound.push`: work tickets of push jobs — one per chunk of recipients
 *   (`{ pushId, fromSeq, toSeq }`). The recipients' state is in `push_recipients`; a ticket
 *   delivered twice, or re-published by the sweeper, sends nothing twice (rows are claimed).
 * - `mpstack.receipts`: the delivery receipts WeChat pushes to the webhook
 *   (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`), handed over by the ingress.
 */
export const outboundSendsQueue = 'mpstack.outbound.sends';
export const outboundKefuQueue = 'mpstack.outbound.kefu';
export const outboundPushQueue = 'mpstack.outbound.push';
export const outboundDeadLetterQueue = 'mpstack.outbound.dead';
export const receiptsQueue = 'mpstack.receipts';
export const receiptsDeadLetterQueue = 'mpstack.receipts.dead';

/** Every outbound queue as `QueuePort.declare` takes them (publishers and consumers declare alike). */
export const outboundDeclarations = [
  { name: outboundSendsQueue, deadLetterQueue: outboundDeadLetterQueue },
  { name: outboundPushQueue, deadLetterQueue: outboundDeadLetterQueue },
  { name: outboundKefuQueue, deadLetterQueue: outboundDeadLetterQueue },
] as const;
export const receiptsDeclaration = { name: receiptsQueue, deadLetterQueue: receiptsDeadLetterQueue } as const;

/** A single template send (`mpstack.outbound.sends`) or customer-service send (`mpstack.outbound.kefu`) to execute. */
export interface SendJobMessage {
  readonly sendId: number;
}

/** A chunk of a push job's recipients (sequence numbers, both ends included). */
export interface PushTicket {
  readonly pushId: number;
  readonly fromSeq: number;
  readonly toSeq: number;
}

const sendJobSchema = z.object({ sendId: z.number().int().positive() });
const pushTicketSchema = z
  .object({
    pushId: z.number().int().positive(),
    fromSeq: z.number().int().nonnegative(),
    toSeq: z.number().int().nonnegative(),
  })
  .refine((t) => t.toSeq >= t.fromSeq, { message: 'toSeq before fromSeq' });

export function encodeSendJob(message: SendJobMessage): Buffer {
  return Buffer.from(JSON.stringify(message));
}

export function decodeSendJob(body: Buffer | string): SendJobMessage {
  return decodeJson('send job', sendJobSchema, body);
}

/**
 * A customer-service send to execute (`mpstack.outbound.kefu`): its id and, when the API
 * publishes it, the send as stored (account, follower, WeChat's body without `touser`) — the
 * worker then claims the row with one statement and reads nothing. The sweeper's re-publish
 * carries the id alone (the worker reads the row), as did jobs before the send was carried; a
 * worker of that time reads `{ sendId }` of this job (the rest is not checked).
 */
export interface KefuJobMessage extends SendJobMessage {
  readonly send?: KefuJobSend | undefined;
}

export interface KefuJobSend {
  readonly account: string;
  readonly openId: string;
  /** `{ msgtype, <msgtype>: {…} }`, as `kefu_sends.message` holds it (checked when the send was accepted). */
  readonly message: { readonly msgtype: string; readonly [object: string]: unknown };
}

const kefuJobSchema = sendJobSchema.extend({
  send: z
    .object({
      account: z.string().min(1).max(64),
      openId: z.string().min(1).max(64),
      message: z.object({ msgtype: z.string().min(1) }).passthrough(),
    })
    .optional(),
});

export function encodeKefuJob(job: KefuJobMessage): Buffer {
  return Buffer.from(JSON.stringify(job));
}

export function decodeKefuJob(body: Buffer | string): KefuJobMessage {
  return decodeJson('customer-service job', kefuJobSchema, body);
}

export function encodePushTicket(ticket: PushTicket): Buffer {
  return Buffer.from(JSON.stringify(ticket));
}

export function decodePushTicket(body: Buffer | string): PushTicket {
  return decodeJson('push ticket', pushTicketSchema, body);
}

/**
 * A delivery receipt as the business service consumes it. `id` is the ingress's
 * de-duplication key of the event (WeChat re-pushes an event it got no answer to; every copy
 * carries the same id). `msgId` is WeChat's `MsgID`: the `msgid` a template send returned,
 * or the `msg_id` of a mass send. A template receipt's `openId` is the follower
 * (`FromUserName`); a mass receipt's is `mphelper` and it carries the counts.
 */
export interface JobReceipt {
  readonly id: string;
  readonly account: string;
  readonly kind: 'template' | 'mass';
  readonly msgId: string;
  readonly openId: string;
  /** `success`, `failed:user block`, `failed: system failed`, … (template); `send success`, `err(N)`, … (mass). */
  readonly status: string;
  /** `CreateTime` of the event, ms since the epoch. */
  readonly at: number;
  readonly receivedAt: number;
  readonly counts?:
    | {
        readonly total: number;
        readonly filter: number;
        readonly sent: number;
        readonly error: number;
      }
    | undefined;
}

/**
 * The longest receipt status the contract takes (WeChat's are short: `success`, `failed:user
 * block`, `err(10001)` …); every column a status is written to holds as many (migration 0019), so
 * a status is stored whole or, longer, refused by the consumer with the field named.
 */
export const jobReceiptStatusMaxLength = 128;

const countSchema = z.number().int().nonnegative();
const jobReceiptSchema = z.object({
  id: z.string().min(1).max(255),
  account: z.string().min(1).max(64),
  kind: z.enum(['template', 'mass']),
  msgId: z.string().regex(/^\d{1,20}$/, 'MsgID is not a number'),
  openId: z.string().max(64),
  status: z.string().max(jobReceiptStatusMaxLength),
  at: z.number().int().nonnegative(),
  receivedAt: z.number().int().nonnegative(),
  counts: z.object({ total: countSchema, filter: countSchema, sent: countSchema, error: countSchema }).optional(),
});

/** The receipt of a job-finish event the ingress received (no validation: the event is parsed). */
export function receiptOf(id: string, account: string, event: JobFinishEvent, receivedAt: number): JobReceipt {
  // A template receipt (one per send) is one literal: spreading a base into it cost a clone.
  if (event.event === 'TEMPLATESENDJOBFINISH') {
    return {
      id,
      account,
      msgId: event.msgId,
      openId: event.fromUserName,
      status: event.status,
      at: event.createTime * 1000,
      receivedAt,
      kind: 'template',
    };
  }
  const base = {
    id,
    account,
    msgId: event.msgId,
    openId: event.fromUserName,
    status: event.status,
    at: event.createTime * 1000,
    receivedAt,
  };
  const count = (name: string) => Number.parseInt(event.fields[name] ?? '0', 10) || 0;
  return {
    ...base,
    kind: 'mass',
    counts: {
      total: count('TotalCount'),
      filter: count('FilterCount'),
      sent: count('SentCount'),
      error: count('ErrorCount'),
    },
  };
}

export function encodeReceipt(receipt: JobReceipt): string {
  return JSON.stringify(receipt);
}

/** Parses a receipt body; throws a `message_invalid` AppError naming the field. */
export function decodeReceipt(body: Buffer | string): JobReceipt {
  return decodeJson('job receipt', jobReceiptSchema, body);
}

/**
 * A group of receipts in one message: a JSON array of encoded receipts (see
 * {@link encodeReceipt}). The ingress gathers the receipts arriving within a few milliseconds
 * into one confirmed publish — one queue message per push's receipt cost the broker more CPU
 * than anything else on the outbound path.
 */
export function encodeReceiptGroup(encoded: readonly string[]): string {
  return `[${encoded.join(',')}]`;
}

/** An entry of a receipt group that is not a receipt: its place in the group and why. */
export interface RejectedReceipt {
  readonly index: number;
  readonly reason: string;
}

/**
 * Parses a receipt message: a group (a JSON array, {@link encodeReceiptGroup}) or the single
 * receipt older ingress replicas publish (a JSON object) — both are accepted during a rolling
 * upgrade. Each entry of a group is checked on its own: the valid ones are returned with the
 * rejected ones' reasons, so one bad entry never holds back the others. Throws a
 * `message_invalid` AppError when the body is neither (not JSON, or a single body that is not
 * a receipt).
 */
export function decodeReceipts(body: Buffer | string): {
  readonly receipts: JobReceipt[];
  readonly rejected: RejectedReceipt[];
} {
  let raw: unknown;
  try {
    raw = JSON.parse(typeof body === 'string' ? body : body.toString('utf8'));
  } catch (error) {
    throw new AppError(ErrorCode.messageInvalid, 'job receipt: not JSON', { cause: error });
  }
  if (!Array.isArray(raw)) return { receipts: [checkContract('job receipt', jobReceiptSchema, raw)], rejected: [] };
  const receipts: JobReceipt[] = [];
  const rejected: RejectedReceipt[] = [];
  raw.forEach((item: unknown, index) => {
    const plain = plainReceiptOf(item);
    if (plain !== undefined) {
      receipts.push(plain);
      return;
    }
    const result = jobReceiptSchema.safeParse(item);
    if (result.success) {
      receipts.push(result.data);
      return;
    }
    const issue = result.error.issues[0];
    const where = issue === undefined || issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
    rejected.push({ index, reason: `${issue?.message ?? 'invalid'}${where}` });
  });
  return { receipts, rejected };
}

const msgIdPattern = /^\d{1,20}$/;

/**
 * A receipt without counts (every template receipt) that {@link jobReceiptSchema} accepts, checked
 * by hand: the same rules, the same fields out (the unknown ones dropped). Undefined for anything
 * else — a mass receipt's counts, a field out of its rules — which the schema then parses (and
 * explains). A push's receipts are a group entry per send, and the schema's parse was most of
 * their decoding cost in the business process.
 */
function plainReceiptOf(item: unknown): JobReceipt | undefined {
  if (typeof item !== 'object' || item === null || Array.isArray(item)) return undefined;
  const r = item as Record<string, unknown>;
  const { id, account, kind, msgId, openId, status, at, receivedAt } = r;
  if (r['counts'] !== undefined || 'counts' in r) return undefined;
  if (typeof id !== 'string' || id.length < 1 || id.length > 255) return undefined;
  if (typeof account !== 'string' || account.length < 1 || account.length > 64) return undefined;
  if (kind !== 'template' && kind !== 'mass') return undefined;
  if (typeof msgId !== 'string' || !msgIdPattern.test(msgId)) return undefined;
  if (typeof openId !== 'string' || openId.length > 64) return undefined;
  if (typeof status !== 'string' || status.length > jobReceiptStatusMaxLength) return undefined;
  if (!isCount(at) || !isCount(receivedAt)) return undefined;
  return { id, account, kind, msgId, openId, status, at, receivedAt };
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * The business service's announcement of its scheduled and running pushes
 * (`GET /api/scheduled-pushes`), read by the operator — which raises the ingress and business
 * replica floor before the surge of replies (`status.scheduledPushes` of the WeChatPlatform) —
 * and by `mpstack dev --scale auto`. A push leaves the list when it completes, is cancelled
 * or paused.
 */
export const scheduledPushesPath = '/api/scheduled-pushes';

export interface ScheduledPushAnnouncement {
  readonly push: number;
  readonly account: string;
  /** RFC 3339: the scheduled start, or when a running push started. */
  readonly start: string;
  /** Messages the push sends (its recipients). */
  readonly expectedMessages: number;
  /** Over how long, at the configured template rate (a running push: elapsed + what is left). */
  readonly durationSeconds: number;
}

const scheduledPushesSchema = z.object({
  pushes: z
    .array(
      z.object({
        push: z.number().int().positive(),
        account: z.string().min(1),
        start: z.iso.datetime({ offset: true }),
        expectedMessages: z.number().int().nonnegative(),
        durationSeconds: z.number().int().positive(),
      }),
    )
    .max(1000),
});

/** Parses the announcement; throws a `message_invalid` AppError naming the field. */
export function decodeScheduledPushes(body: Buffer | string): { pushes: ScheduledPushAnnouncement[] } {
  return decodeJson('scheduled pushes', scheduledPushesSchema, body);
}
