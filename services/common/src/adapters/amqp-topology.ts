/**
 * RabbitMQ topology and message conversion for {@link AmqpQueue}: quorum queues, the
 * dead-letter exchange, and the mapping from amqplib messages to port deliveries.
 */
import type { Channel, ConsumeMessage } from 'amqplib';
import type { Delivery, QueueDeclaration } from '../ports/queue.js';
import { DEATH_QUEUE_HEADER, DEATH_REASON_HEADER, toHeaders } from './queue-support.js';

/** Direct exchange every queue dead-letters to, routed by the dead-letter queue's name. */
export const DEAD_LETTER_EXCHANGE = 'mpstack.dlx';

/**
 * Declares the queues as durable quorum queues (replicated, and on this machine faster than
 * classic queues). `x-delivery-limit` makes the broker dead-letter a message that keeps
 * coming back — including when a handler crashes the process, which no adapter code sees.
 * Idempotent, but RabbitMQ refuses (406) to redeclare a queue with other arguments.
 */
export async function assertTopology(
  channel: Channel,
  queues: Iterable<QueueDeclaration>,
  deliveryLimit: number,
): Promise<void> {
  await channel.assertExchange(DEAD_LETTER_EXCHANGE, 'direct', { durable: true });
  for (const queue of queues) {
    const dlq = queue.deadLetterQueue;
    if (dlq !== undefined) {
      await channel.assertQueue(dlq, { durable: true, arguments: { 'x-queue-type': 'quorum' } });
      await channel.bindQueue(dlq, DEAD_LETTER_EXCHANGE, dlq);
    }
    const deadLettering =
      dlq === undefined ? {} : { 'x-dead-letter-exchange': DEAD_LETTER_EXCHANGE, 'x-dead-letter-routing-key': dlq };
    await channel.assertQueue(queue.name, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-delivery-limit': deliveryLimit, ...deadLettering },
    });
  }
}

/**
 * Port view of an amqplib message. Quorum queues count deliveries in `x-delivery-count`
 * (absent on the first one). A message the broker dead-lettered on its own (delivery limit,
 * rejection) carries its reason only in the `x-death` table; it is copied to
 * `x-death-reason` so consumers of a dead-letter queue read one header either way.
 */
export function toDelivery(message: ConsumeMessage): Delivery {
  const raw = message.properties.headers ?? {};
  const headers = { ...toHeaders(raw) };
  const death = firstDeath(raw['x-death']);
  if (headers[DEATH_REASON_HEADER] === undefined && death !== undefined) {
    headers[DEATH_REASON_HEADER] = death.reason;
    headers[DEATH_QUEUE_HEADER] = death.queue;
  }
  const count = Number(raw['x-delivery-count'] ?? 0);
  return {
    body: message.content,
    messageId: typeof message.properties.messageId === 'string' ? message.properties.messageId : undefined,
    headers,
    redelivered: message.fields.redelivered || count > 0,
    deliveryCount: Number.isFinite(count) ? count : 0,
  };
}

function firstDeath(value: unknown): { readonly reason: string; readonly queue: string } | undefined {
  if (!Array.isArray(value)) return undefined;
  const first: unknown = value[0];
  if (typeof first !== 'object' || first === null) return undefined;
  const { reason, queue } = first as Record<string, unknown>;
  return { reason: String(reason ?? 'unknown'), queue: String(queue ?? '') };
}
