import { setTimeout as sleep } from 'node:timers/promises';
import { decodeReceipt, type JobReceipt, receiptsQueue } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { ReceiptRepository } from './receipt.repository.js';

/** Receipts written together at most (a batch's statements stay well within placeholder limits). */
const maxBatch = 500;

interface Waiting {
  readonly receipt: JobReceipt;
  readonly settle: (outcome: { fresh: boolean } | { error: unknown }) => void;
}

/**
 * Consumes `mpstack.receipts` (the ingress hands every TEMPLATESENDJOBFINISH /
 * MASSSENDJOBFINISH over): stores and joins each, acked after the write; a body that is not a
 * receipt is dead-lettered with the reason; a database failure retries it.
 *
 * The deliveries in hand (up to the prefetch) are written together: every receipt that arrives
 * while a batch is being written joins the next one, so at a low rate each is written at once
 * and under load a few statements carry hundreds ({@link ReceiptRepository.applyAll}). Each
 * delivery is still acked only after the batch holding it is committed.
 */
export class ReceiptConsumer {
  private consumer: Consumer | undefined;
  private readonly received: ReturnType<Telemetry['meter']['createCounter']>;
  private waiting: Waiting[] = [];
  private writing = false;

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
    const outcome = await new Promise<{ fresh: boolean } | { error: unknown }>((settle) => {
      this.waiting.push({ receipt, settle });
      if (!this.writing) setImmediate(() => void this.writeWaiting());
      this.writing = true;
    });
    if ('error' in outcome) {
      this.options.logger.warn({ err: outcome.error, msgId: receipt.msgId }, 'receipt not stored; retried');
      await sleep(1000);
      return { action: 'retry' };
    }
    if (outcome.fresh) this.received.add(1, { kind: receipt.kind, status: receipt.status });
    return { action: 'ack' };
  }

  /** Writes what waits, batch after batch, until nothing does. */
  private async writeWaiting(): Promise<void> {
    while (this.waiting.length > 0) {
      const batch = this.waiting.slice(0, maxBatch);
      this.waiting = this.waiting.slice(batch.length);
      try {
        const fresh = await this.options.receipts.applyAll(batch.map((w) => w.receipt));
        for (const [i, w] of batch.entries()) w.settle({ fresh: fresh[i] === true });
      } catch (error) {
        for (const w of batch) w.settle({ error });
      }
    }
    this.writing = false;
  }
}
