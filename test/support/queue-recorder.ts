import { AmqpQueue } from '@mpstack/common/adapters';
import {
  decodeInbound,
  decodeLogEventBatch,
  inboundQueueName,
  inboundQueues,
  logEventsDeclaration,
  logEventsQueue,
  type MessageLogEvent,
} from '@mpstack/common/contracts';
import type { WxMessage } from '@mpstack/common/wechat';

/** One delivery from a partition queue, as a worker would see it. */
export interface Received {
  readonly queue: string;
  readonly messageId: string | undefined;
  /** The contract's id and fence (see `InboundMessage`). */
  readonly id: string;
  readonly fence: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly account: string;
  readonly message: WxMessage;
}

/**
 * A worker stand-in connected straight to RabbitMQ (not through any test proxy): consumes
 * every inbound partition and the log-event queue, records each delivery, then acks it.
 */
export class QueueRecorder {
  readonly received: Received[] = [];
  readonly logEvents: MessageLogEvent[] = [];

  private constructor(private readonly queue: AmqpQueue) {}

  static async start(amqpUrl: string, partitions: number): Promise<QueueRecorder> {
    const queue = new AmqpQueue({ url: amqpUrl, connectionName: 'mpstack-e2e-recorder' });
    await queue.waitUntilConnected(5_000);
    const recorder = new QueueRecorder(queue);
    await queue.declare([...inboundQueues(partitions), logEventsDeclaration]);
    for (let partition = 0; partition < partitions; partition++) {
      const name = inboundQueueName(partition);
      await queue.consume(
        name,
        async (delivery) => {
          const { id, fence, account, message } = decodeInbound(delivery.body);
          recorder.received.push({
            queue: name,
            messageId: delivery.messageId,
            id,
            fence,
            headers: delivery.headers,
            account,
            message,
          });
          return { action: 'ack' };
        },
        { prefetch: 50 },
      );
    }
    await queue.consume(
      logEventsQueue,
      async (delivery) => {
        recorder.logEvents.push(...decodeLogEventBatch(delivery.body));
        return { action: 'ack' };
      },
      { prefetch: 10 },
    );
    return recorder;
  }

  from(openId: string): Received[] {
    return this.received.filter((r) => r.message.fromUserName === openId);
  }

  /** Ready messages left in a queue (0 once everything was acked). */
  depth(queue: string): Promise<number> {
    return this.queue.depth(queue);
  }

  close(): Promise<void> {
    return this.queue.close();
  }
}
