import { hash } from 'node:crypto';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors/app-error.js';
import type { WxMessage } from '../wechat/message-types.js';
import { parseMessage } from '../wechat/messages.js';
import { decodeJson } from './decode.js';

/**
 * The slow path: the ingress publishes every message its fast path forwards to one of
 * `partitions` durable queues (`MPSTACK_INBOUND_PARTITIONS`, the same on every replica and
 * every consumer); business workers consume them.
 */
export const inboundDeadLetterQueue = 'mpstack.inbound.dead';

export function inboundQueueName(partition: number): string {
  return `mpstack.inbound.p${partition}`;
}

/** Every partition queue with its dead-letter queue, in the shape `QueuePort.declare` takes. */
export function inboundQueues(partitions: number): { name: string; deadLetterQueue: string }[] {
  return Array.from({ length: partitions }, (_, i) => ({
    name: inboundQueueName(i),
    deadLetterQueue: inboundDeadLetterQueue,
  }));
}

/**
 * The partition of a user: a stable hash of the openid, so one user's messages are
 * consumed in order by one worker at a time while users spread evenly.
 */
export function partitionOf(openId: string, partitions: number): number {
  if (partitions <= 1) return 0;
  return hash('md5', openId, 'buffer').readUInt32BE(0) % partitions;
}

/**
 * One slow-path message. On the wire it is JSON `{ id, fence, account, receivedAt, message }`;
 * the AMQP `messageId` repeats `id` and the `account` header repeats the account.
 *
 * **Consumers de-duplicate on `id`** (keep the ids they executed at least as long as the
 * ingress's `MPSTACK_DEDUPE_TTL_SECONDS`, and ack a repeat without executing it). The
 * ingress publishes a message once in every case but two it cannot rule out — a holder
 * that lost its claim after publishing (a takeover), and a publish that timed out, was
 * spooled, and whose process died before the broker's late answer — and both repeats
 * carry the same `id` (docs/architecture.md, "Exactly once").
 */
export interface InboundMessage {
  /** The message's de-duplication key (account + MsgId, or the event's identity): the same for every copy. */
  readonly id: string;
  /** The claim fence of the delivery that published it (1 = the first holder; more after a takeover). */
  readonly fence: number;
  /** The mpstack account id (the `:account` of `/wx/:account`). */
  readonly account: string;
  /** When the ingress received it, ms since the epoch. */
  readonly receivedAt: number;
  readonly message: WxMessage;
}

const inboundWireSchema = z.object({
  id: z.string().min(1),
  fence: z.number().int().positive(),
  account: z.string().min(1),
  receivedAt: z.number().int().nonnegative(),
  // Only the raw fields are trusted: the typed message is rebuilt from them by the same
  // parser the ingress used, so a consumer's message is exactly the ingress's.
  message: z.looseObject({ fields: z.record(z.string(), z.string()) }),
});

/** The body of a slow-path message (no validation: the input is already typed). */
export function encodeInbound(inbound: InboundMessage): string {
  return JSON.stringify(inbound);
}

/** Parses a slow-path message body; throws a `message_invalid` AppError saying what is wrong. */
export function decodeInbound(body: Buffer | string): InboundMessage {
  const wire = decodeJson('inbound message', inboundWireSchema, body);
  try {
    const message = parseMessage(wire.message.fields);
    return { id: wire.id, fence: wire.fence, account: wire.account, receivedAt: wire.receivedAt, message };
  } catch (error) {
    throw new AppError(
      ErrorCode.messageInvalid,
      `inbound message: ${error instanceof Error ? error.message : 'message fields invalid'}`,
      { cause: error },
    );
  }
}

/**
 * The consumer's half of the exactly-once promise, for one consumer process: remembers the
 * `id`s it executed (for `ttlMs`, at most `capacity` of them, oldest forgotten first) so a
 * repeat copy is acked without being executed again. Consumers that commit their work to a
 * database should rather de-duplicate there, in the same transaction (a unique key on `id`),
 * which also holds across consumer processes and restarts.
 */
export class InboundDeduplicator {
  readonly #executed = new Map<string, number>();

  constructor(
    private readonly options: { readonly ttlMs: number; readonly capacity: number; readonly now?: () => number },
  ) {}

  /** True when a message with this id was executed here within the TTL. */
  isRepeat(inbound: Pick<InboundMessage, 'id'>): boolean {
    const at = this.#executed.get(inbound.id);
    return at !== undefined && this.#now() - at < this.options.ttlMs;
  }

  /** Records an executed message (after its work is done, so a failure lets a redelivery execute it). */
  executed(inbound: Pick<InboundMessage, 'id'>): void {
    this.#executed.delete(inbound.id);
    this.#executed.set(inbound.id, this.#now());
    for (const [id] of this.#executed) {
      if (this.#executed.size <= this.options.capacity) break;
      this.#executed.delete(id);
    }
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }
}
