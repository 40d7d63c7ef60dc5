import { AppError, ErrorCode } from '../errors/app-error.js';
import type {
  ConsumeOptions,
  Consumer,
  Delivery,
  DeliveryHandler,
  HandlerOutcome,
  Headers,
  PublishOptions,
  QueueDeclaration,
  QueuePort,
} from '../ports/queue.js';
import {
  abortableDelay,
  DEATH_QUEUE_HEADER,
  DEATH_REASON_HEADER,
  DEFAULT_DELIVERY_LIMIT,
  DEFAULT_RETRY_BACKOFF,
  InFlight,
  type RetryBackoff,
  retryDelayMs,
  runHandler,
} from './queue-support.js';

export interface MemoryQueueOptions {
  readonly retryBackoff?: RetryBackoff;
  readonly deliveryLimit?: number;
}

interface StoredMessage {
  readonly body: Buffer;
  readonly messageId: string | undefined;
  readonly headers: Headers;
  readonly deliveryCount: number;
}

interface LocalQueue {
  readonly ready: StoredMessage[];
  readonly consumers: MemoryConsumer[];
  readonly deadLetterQueue: string | undefined;
  unacked: number;
  next: number;
}

/**
 * In-process queue, the embedded default: the same ack / retry (redelivered,
 * deliveryCount + 1) / dead-letter semantics and prefetch as {@link AmqpQueue}, without
 * durability (messages live as long as the process).
 */
export class MemoryQueue implements QueuePort {
  readonly #queues = new Map<string, LocalQueue>();
  readonly #backoff: RetryBackoff;
  readonly #deliveryLimit: number;
  #closed: Promise<void> | undefined;

  constructor(options: MemoryQueueOptions = {}) {
    this.#backoff = options.retryBackoff ?? DEFAULT_RETRY_BACKOFF;
    this.#deliveryLimit = options.deliveryLimit ?? DEFAULT_DELIVERY_LIMIT;
  }

  async declare(queues: readonly QueueDeclaration[]): Promise<void> {
    for (const queue of queues) {
      if (queue.deadLetterQueue !== undefined) this.#ensure(queue.deadLetterQueue, undefined);
      this.#ensure(queue.name, queue.deadLetterQueue);
    }
  }

  async publish(queue: string, body: Buffer, options: PublishOptions = {}): Promise<void> {
    this.#assertOpen();
    const target = this.#get(queue);
    target.ready.push({
      body: Buffer.from(body),
      messageId: options.messageId,
      headers: { ...options.headers },
      deliveryCount: 0,
    });
    this.#dispatch(target);
  }

  async consume(queue: string, handler: DeliveryHandler, options: ConsumeOptions): Promise<Consumer> {
    this.#assertOpen();
    const target = this.#get(queue);
    const consumer = new MemoryConsumer(handler, options.prefetch, (message, outcome) =>
      this.#settle(queue, message, outcome),
    );
    target.consumers.push(consumer);
    consumer.onCancel = () => {
      const index = target.consumers.indexOf(consumer);
      if (index >= 0) target.consumers.splice(index, 1);
    };
    queueMicrotask(() => this.#dispatch(target));
    return consumer;
  }

  async depth(queue: string): Promise<number> {
    const target = this.#get(queue);
    return target.ready.length + target.unacked;
  }

  isConnected(): boolean {
    return this.#closed === undefined;
  }

  /** Cancels every consumer and waits for their in-flight handlers; runs once. */
  close(): Promise<void> {
    this.#closed ??= Promise.allSettled(
      [...this.#queues.values()].flatMap((q) => q.consumers.map((c) => c.cancel())),
    ).then(() => undefined);
    return this.#closed;
  }

  #settle(queue: string, message: StoredMessage, outcome: HandlerOutcome): void {
    const target = this.#get(queue);
    target.unacked -= 1;
    if (outcome.action === 'retry') {
      const again = { ...message, deliveryCount: message.deliveryCount + 1 };
      if (again.deliveryCount >= this.#deliveryLimit) this.#deadLetter(target, queue, message, 'delivery_limit');
      else target.ready.unshift(again);
    } else if (outcome.action === 'dead-letter') {
      this.#deadLetter(target, queue, message, outcome.reason);
    }
    this.#dispatch(target);
  }

  #deadLetter(source: LocalQueue, queue: string, message: StoredMessage, reason: string): void {
    if (source.deadLetterQueue === undefined) return; // like RabbitMQ without a DLX binding: dropped
    const target = this.#get(source.deadLetterQueue);
    const headers = { ...message.headers, [DEATH_REASON_HEADER]: reason, [DEATH_QUEUE_HEADER]: queue };
    target.ready.push({ ...message, headers, deliveryCount: 0 });
    this.#dispatch(target);
  }

  /** Hands ready messages to consumers with free prefetch slots, round robin. */
  #dispatch(queue: LocalQueue): void {
    while (queue.ready.length > 0) {
      const consumer = this.#nextFree(queue);
      if (consumer === undefined) return;
      const message = queue.ready.shift();
      if (message === undefined) return;
      queue.unacked += 1;
      consumer.deliver(message, this.#backoff);
    }
  }

  #nextFree(queue: LocalQueue): MemoryConsumer | undefined {
    for (let i = 0; i < queue.consumers.length; i += 1) {
      const candidate = queue.consumers[(queue.next + i) % queue.consumers.length];
      if (candidate?.hasCapacity()) {
        queue.next = (queue.next + i + 1) % queue.consumers.length;
        return candidate;
      }
    }
    return undefined;
  }

  #ensure(name: string, deadLetterQueue: string | undefined): void {
    if (!this.#queues.has(name))
      this.#queues.set(name, { ready: [], consumers: [], deadLetterQueue, unacked: 0, next: 0 });
  }

  #get(name: string): LocalQueue {
    const queue = this.#queues.get(name);
    if (queue === undefined) throw new AppError(ErrorCode.notFound, `queue ${name} is not declared`);
    return queue;
  }

  #assertOpen(): void {
    if (this.#closed !== undefined) throw new AppError(ErrorCode.unavailable, 'queue is closed');
  }
}

type Settle = (message: StoredMessage, outcome: HandlerOutcome) => void;

/** One consumer: runs up to `prefetch` handlers at once, settles each outcome. */
class MemoryConsumer implements Consumer {
  onCancel: () => void = () => undefined;
  readonly #inFlight = new InFlight();
  readonly #stop = new AbortController();
  /** Deliveries not yet settled: what prefetch limits (the handler may be done already). */
  #unsettled = 0;
  #cancelled: Promise<void> | undefined;

  constructor(
    private readonly handler: DeliveryHandler,
    private readonly prefetch: number,
    private readonly settle: Settle,
  ) {}

  hasCapacity(): boolean {
    return this.#cancelled === undefined && (this.prefetch <= 0 || this.#unsettled < this.prefetch);
  }

  deliver(message: StoredMessage, backoff: RetryBackoff): void {
    this.#unsettled += 1;
    void this.#inFlight.track(this.#run(message, backoff));
  }

  cancel(): Promise<void> {
    this.#cancelled ??= (async () => {
      this.onCancel();
      this.#stop.abort(); // cut retry pauses short: the message goes back to the queue now
      await this.#inFlight.drained();
    })();
    return this.#cancelled;
  }

  async #run(message: StoredMessage, backoff: RetryBackoff): Promise<void> {
    const delivery: Delivery = {
      body: message.body,
      messageId: message.messageId,
      headers: message.headers,
      redelivered: message.deliveryCount > 0,
      deliveryCount: message.deliveryCount,
    };
    const outcome = await runHandler(() => this.handler(delivery));
    if (outcome.action === 'retry')
      await abortableDelay(retryDelayMs(message.deliveryCount, backoff), this.#stop.signal);
    this.#unsettled -= 1;
    this.settle(message, outcome);
  }
}
