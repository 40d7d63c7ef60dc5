/**
 * Queue port: durable queues, publisher confirms, manual acks, a dead-letter exchange.
 * RabbitMQ (amqplib) in production, an in-process queue with the same ack / nack /
 * redelivery semantics as the embedded default.
 */

import { AppError, ErrorCode } from '../errors/app-error.js';

export type Headers = Readonly<Record<string, string>>;

/**
 * A publish whose confirm did not arrive in time (a stalled or blocked broker): the broker
 * may still take the message. `confirmation` settles with its late answer — true once it
 * confirmed, false on a nack or when the channel closed first (then it is not known, and a
 * copy may exist). A caller that keeps the message elsewhere meanwhile (the ingress's spool)
 * waits for it before forwarding that copy, so one stall does not queue a message twice.
 */
export class PublishInDoubtError extends AppError {
  constructor(
    message: string,
    readonly confirmation: Promise<boolean>,
  ) {
    super(ErrorCode.unavailable, message);
  }
}

export interface PublishOptions {
  /** Stable id used by consumers for idempotency (`messageId` in AMQP). */
  readonly messageId?: string;
  readonly headers?: Headers;
  readonly contentType?: string;
}

export interface Delivery {
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly headers: Headers;
  /** True when the message was delivered before and not acked. */
  readonly redelivered: boolean;
  /** Number of earlier deliveries known to the broker (0 on first delivery when unknown). */
  readonly deliveryCount: number;
}

/** What a handler decides; the consumer applies it after the handler returns. */
export type HandlerOutcome =
  | { readonly action: 'ack' }
  /** Transient failure: deliver again later. */
  | { readonly action: 'retry' }
  /** Poison message: route to the dead-letter exchange with the reason. */
  | { readonly action: 'dead-letter'; readonly reason: string };

export type DeliveryHandler = (delivery: Delivery) => Promise<HandlerOutcome>;

export interface ConsumeOptions {
  readonly prefetch: number;
}

export interface Consumer {
  /** Stops taking new deliveries and waits for in-flight handlers. */
  cancel(): Promise<void>;
}

export interface QueueDeclaration {
  readonly name: string;
  /** Dead-letter queue the broker routes rejected messages to (declared too). */
  readonly deadLetterQueue?: string;
}

export interface QueuePort {
  /** Declares durable queues (quorum queues on RabbitMQ); idempotent. */
  declare(queues: readonly QueueDeclaration[]): Promise<void>;
  /** Resolves once the broker confirmed the message (written durably); rejects otherwise. */
  publish(queue: string, body: Buffer, options?: PublishOptions): Promise<void>;
  consume(queue: string, handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer>;
  /**
   * Messages waiting in the queue, for tests and scaling: ready + unacknowledged in memory;
   * ready only on RabbitMQ (a passive declare does not count deliveries not yet acked).
   */
  depth(queue: string): Promise<number>;
  /** True while connected to the broker. */
  isConnected(): boolean;
  close(): Promise<void>;
}
