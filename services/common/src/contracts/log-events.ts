import { z } from 'zod';
import { decodeJson } from './decode.js';

/** Every service publishes its log events here; the log service consumes them. */
export const logEventsQueue = 'mpstack.log-events';

/** One line of the message log: what happened to one webhook request. */
export interface MessageLogEvent {
  readonly type: 'message';
  /** ms since the epoch. */
  readonly at: number;
  readonly account: string;
  readonly openId: string;
  readonly msgType: string;
  readonly event: string | undefined;
  readonly msgId: string | undefined;
  readonly outcome: string;
  readonly decidedBy: string | undefined;
  readonly latencyMs: number;
}

const messageLogEventSchema = z.object({
  type: z.literal('message'),
  at: z.number(),
  account: z.string(),
  openId: z.string(),
  msgType: z.string(),
  event: z.string().optional(),
  msgId: z.string().optional(),
  outcome: z.string(),
  decidedBy: z.string().optional(),
  latencyMs: z.number().nonnegative(),
});

/**
 * One event as JSON. Publishers keep events encoded until their batch is sent (an object
 * kept for a flush interval would be promoted by the collector, with the message it came from).
 */
export function encodeLogEvent(event: MessageLogEvent): string {
  return JSON.stringify(event);
}

/** A batch body: a JSON array of events encoded by {@link encodeLogEvent}, oldest first. */
export function encodeLogEventBatch(encodedEvents: readonly string[]): Buffer {
  return Buffer.from(`[${encodedEvents.join(',')}]`);
}

/** Parses a batch body; throws a `message_invalid` AppError naming the first bad event. */
export function decodeLogEventBatch(body: Buffer | string): MessageLogEvent[] {
  return decodeJson('log event batch', z.array(messageLogEventSchema), body).map((event) => ({
    ...event,
    event: event.event,
    msgId: event.msgId,
    decidedBy: event.decidedBy,
  }));
}
