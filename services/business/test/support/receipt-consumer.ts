import { AmqpQueue } from '@mpstack/common/adapters';
import { receiptsDeadLetterQueue, receiptsDeclaration } from '@mpstack/common/contracts';
import { createLogger } from '@mpstack/common/logging';
import { createTelemetry } from '@mpstack/common/telemetry';
import { createVhost, deleteVhost, uniqueName } from '@mpstack/testkit';
import { ReceiptConsumer } from '../../src/receipts/receipt-consumer.js';

/** A message of `mpstack.receipts.dead`: its body and `x-death-reason`. */
export interface DeadReceipt {
  readonly body: string;
  readonly reason: string | undefined;
}

export interface ReceiptConsumerStand {
  readonly queue: AmqpQueue;
  close(): Promise<void>;
}

/**
 * A receipt consumer (prefetch 50, batches gathered for 20 ms) on a RabbitMQ vhost of its own
 * named after `name`, writing through `options.receipts`; every dead-lettered message is pushed
 * onto `dead`.
 */
export async function startReceiptConsumer(
  name: string,
  options: Pick<ConstructorParameters<typeof ReceiptConsumer>[0], 'receipts' | 'events'>,
  dead: DeadReceipt[],
): Promise<ReceiptConsumerStand> {
  const vhost = uniqueName(name);
  const url = await createVhost(vhost);
  const queue = new AmqpQueue({ url, connectionName: `${vhost}-business` });
  await queue.waitUntilConnected(5_000);
  await queue.declare([receiptsDeclaration]);
  const telemetry = createTelemetry({ service: 'business', traceSampleRatio: 0, registerGlobalTracer: false });
  const consumer = new ReceiptConsumer({
    ...options,
    queue,
    logger: createLogger({ service: 'business', level: 'silent' }),
    meter: telemetry.meter,
    prefetch: 50,
    gatherMs: 20,
  });
  await consumer.start();
  await queue.consume(
    receiptsDeadLetterQueue,
    async (delivery) => {
      dead.push({ body: delivery.body.toString(), reason: delivery.headers['x-death-reason'] });
      return { action: 'ack' };
    },
    { prefetch: 10 },
  );
  return {
    queue,
    async close() {
      await consumer.close();
      await queue.close();
      await deleteVhost(vhost).catch(() => undefined);
    },
  };
}
