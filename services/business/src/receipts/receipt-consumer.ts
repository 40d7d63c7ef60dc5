import { setTimeout as sleep } from 'node:timers/promises';
import { decodeReceipt, type JobReceipt, receiptsQueue } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { ReceiptRepository } from './receipt.repository.js';

/**
 * Consumes `mpstack.receipts` (the ingress hands every TEMPLATESENDJOBFINISH /
 * MASSSENDJOBFINISH over): stores and joins each, acked after the write; a body that is not a
 * receipt is dead-lettered with the reason; a database failure retries it.
 */
export class ReceiptConsumer {
  private consumer: Consumer | undefined;
  private readonly received: ReturnType<Telemetry['meter']['createCounter']>;

  constructor(
    private readonly options: {
      readonly queue: QueuePort;
      readonly receipts: ReceiptRepository;
      readonly logger: Logger;
      readonly meter: Telemetry['meter'];
      readonly prefetch: number;
    },
  ) {
    this.received = options.meter.createCounter('mpstack_receipts_total', {
      description: 'Delivery receipts applied, by kind and status',
    });
  }

  async start(): Promise<void> {
    this.consumer = await this.options.queue.consume(receiptsQueue, (delivery) => this.handle(delivery.body), {
      prefetch: this.options.prefetch,
    });
  }

  async close(): Promise<void> {
    await this.consumer?.cancel();
  }

  private async handle(body: Buffer): Promise<HandlerOutcome> {
    let receipt: JobReceipt;
    try {
      receipt = decodeReceipt(body);
    } catch (error) {
      return { action: 'dead-letter', reason: (error as Error).message };
    }
    try {
      if (await this.options.receipts.apply(receipt)) {
        this.received.add(1, { kind: receipt.kind, status: receipt.status });
      }
      return { action: 'ack' };
    } catch (error) {
      this.options.logger.warn({ err: error, msgId: receipt.msgId }, 'receipt not stored; retried');
      await sleep(1000);
      return { action: 'retry' };
    }
  }
}
