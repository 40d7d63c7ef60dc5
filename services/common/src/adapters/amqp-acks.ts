import type { Channel, ConsumeMessage } from 'amqplib';

/**
 * One channel's acks, sent together at the end of the event-loop turn they were given in: the
 * deliveries acked in a turn that form a run from the oldest delivery still open go as a single
 * `basic.ack` with `multiple` (the broker acks every delivery up to that tag), the others one by
 * one. A receipt consumer acking the hundreds of deliveries of one written batch thus sends one
 * frame instead of hundreds, and the broker handles one ack.
 *
 * Only deliveries the handler finished are ever covered: a delivery still in its handler (or
 * settled otherwise — a requeue, a dead-letter) ends the run, so `multiple` never acks it.
 */
export class AckBatcher {
  readonly #channel: Channel;
  /** Deliveries handed to the handler and not settled yet, in delivery order (tags grow on a channel). */
  readonly #open = new Map<number, ConsumeMessage>();
  /** Tags acked in this turn, not sent yet. */
  readonly #acked = new Set<number>();
  #isScheduled = false;

  constructor(channel: Channel) {
    this.#channel = channel;
  }

  /** A delivery arrived: open until acked or settled otherwise. */
  delivered(message: ConsumeMessage): void {
    this.#open.set(message.fields.deliveryTag, message);
  }

  /** Acks `message` at the end of this turn, with the turn's other acks. */
  ack(message: ConsumeMessage): void {
    this.#acked.add(message.fields.deliveryTag);
    if (this.#isScheduled) return;
    this.#isScheduled = true;
    setImmediate(() => this.flush());
  }

  /** A delivery settled without this batcher (nack, dead-letter): no `multiple` ack may cover it. */
  settled(message: ConsumeMessage): void {
    this.#open.delete(message.fields.deliveryTag);
  }

  /**
   * Sends the acks given so far (also called before the channel closes). A channel gone
   * meanwhile loses them: the broker redelivers those messages, as for any unacked delivery.
   */
  flush(): void {
    this.#isScheduled = false;
    if (this.#acked.size === 0) return;
    let last: ConsumeMessage | undefined;
    for (const [tag, message] of this.#open) {
      if (!this.#acked.has(tag)) break;
      last = message;
      this.#open.delete(tag);
      this.#acked.delete(tag);
    }
    const rest = [...this.#acked].flatMap((tag) => {
      const message = this.#open.get(tag);
      this.#open.delete(tag);
      return message === undefined ? [] : [message];
    });
    this.#acked.clear();
    try {
      if (last !== undefined) this.#channel.ack(last, true);
      for (const message of rest) this.#channel.ack(message);
    } catch {
      // The channel closed: its unacked deliveries come back from the broker.
    }
  }
}
