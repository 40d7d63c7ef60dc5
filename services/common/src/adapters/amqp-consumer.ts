import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import type { Consumer, DeliveryHandler, HandlerOutcome } from '../ports/queue.js';
import { AckBatcher } from './amqp-acks.js';
import { toDelivery } from './amqp-topology.js';
import { abortableDelay, InFlight, type RetryBackoff, retryDelayMs, runHandler, settle } from './queue-support.js';

/** What a consumer needs from the queue that owns it. */
export interface AmqpConsumerContext {
  readonly queue: string;
  readonly handler: DeliveryHandler;
  readonly prefetch: number;
  readonly retryBackoff: RetryBackoff;
  readonly deliveryLimit: number;
  /** Publishes (confirmed) to the queue's dead-letter queue; false when it has none. */
  readonly deadLetter: (message: ConsumeMessage, reason: string) => Promise<boolean>;
  /** A channel closed under a live connection: the owner reconnects everything. */
  readonly onChannelLost: (error: unknown) => void;
  readonly onCancelled: (consumer: AmqpConsumer) => void;
}

/**
 * One consumer on its own channel (so its prefetch is its own). Survives reconnects: the
 * owning {@link AmqpQueue} calls {@link attach} with each new connection. Outcomes of
 * deliveries from a channel that died are dropped — the broker redelivers those messages,
 * which is why every handler must be idempotent.
 */
export class AmqpConsumer implements Consumer {
  readonly #context: AmqpConsumerContext;
  readonly #inFlight = new InFlight();
  readonly #stop = new AbortController();
  #channel: Channel | undefined;
  /** The acks of {@link #channel} (delivery tags are per channel). */
  #acks: AckBatcher | undefined;
  #consumerTag: string | undefined;
  #cancelled: Promise<void> | undefined;

  constructor(context: AmqpConsumerContext) {
    this.#context = context;
  }

  get isCancelled(): boolean {
    return this.#cancelled !== undefined;
  }

  /** Opens a channel on `connection` with the prefetch and starts consuming (manual acks). */
  async attach(connection: ChannelModel): Promise<void> {
    if (this.isCancelled) return;
    const channel = await connection.createChannel();
    channel.on('error', () => undefined); // reported through 'close'
    channel.on('close', () => {
      if (this.#channel === channel && !this.isCancelled)
        this.#context.onChannelLost(new Error('consumer channel closed'));
    });
    this.#channel = channel;
    const acks = new AckBatcher(channel);
    this.#acks = acks;
    await channel.prefetch(this.#context.prefetch);
    const reply = await channel.consume(this.#context.queue, (message) => this.#onMessage(channel, acks, message), {
      noAck: false,
    });
    this.#consumerTag = reply.consumerTag;
  }

  /** The connection is gone; so is the channel. */
  detach(): void {
    this.#channel = undefined;
    this.#acks = undefined;
    this.#consumerTag = undefined;
  }

  /** Stops intake (basic.cancel), waits for in-flight handlers, then closes the channel. */
  cancel(): Promise<void> {
    this.#cancelled ??= this.#cancel();
    return this.#cancelled;
  }

  async #cancel(): Promise<void> {
    const channel = this.#channel;
    const tag = this.#consumerTag;
    this.#stop.abort();
    // A channel already gone delivers nothing more; one closed with its connection is fine.
    if (channel !== undefined && tag !== undefined) await settle(channel.cancel(tag));
    await this.#inFlight.drained();
    this.#acks?.flush(); // the last handlers' acks reach the broker before the channel closes
    this.detach();
    await settle(channel?.close());
    this.#context.onCancelled(this);
  }

  #onMessage(channel: Channel, acks: AckBatcher, message: ConsumeMessage | null): void {
    // null = the broker cancelled us (queue deleted); the channel 'close' path recovers.
    if (message === null) return;
    acks.delivered(message);
    void this.#inFlight.track(this.#handle(channel, acks, message));
  }

  async #handle(channel: Channel, acks: AckBatcher, message: ConsumeMessage): Promise<void> {
    const delivery = toDelivery(message);
    let outcome: HandlerOutcome = await runHandler(() => this.#context.handler(delivery));
    if (outcome.action === 'retry' && delivery.deliveryCount + 1 >= this.#context.deliveryLimit) {
      outcome = { action: 'dead-letter', reason: 'delivery_limit' };
    }
    if (outcome.action === 'retry') {
      await abortableDelay(retryDelayMs(delivery.deliveryCount, this.#context.retryBackoff), this.#stop.signal);
    }
    await this.#settle(channel, acks, message, outcome);
  }

  /** An ack goes with the turn's other acks ({@link AckBatcher}); a requeue or dead-letter at once. */
  async #settle(channel: Channel, acks: AckBatcher, message: ConsumeMessage, outcome: HandlerOutcome): Promise<void> {
    if (outcome.action === 'ack') {
      acks.ack(message);
      return;
    }
    acks.settled(message);
    try {
      if (outcome.action === 'retry') channel.nack(message, false, true);
      else if (await this.#context.deadLetter(message, outcome.reason)) channel.ack(message);
      else channel.nack(message, false, false); // no dead-letter queue: the broker drops it
    } catch {
      // Channel gone or the dead-letter publish failed: requeue if we still can; otherwise
      // the broker redelivers the unacked message after the reconnect.
      try {
        channel.nack(message, false, true);
      } catch {
        // channel closed
      }
    }
  }
}
