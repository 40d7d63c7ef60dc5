import {
  decodeLogEvents,
  logEventsDeadLetterQueue,
  logEventsDeclaration,
  logEventsQueue,
  type QueuedLogEvent,
} from '@mpstack/common/contracts';
import { sqlFailure } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, Delivery, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { WriteResult } from './log-store.js';

/** What the consumer writes to: in production {@link LogStore} behind `withFileSink` (which takes the access events to the file alone). */
export interface EventWriter {
  write(events: readonly QueuedLogEvent[]): Promise<WriteResult>;
}

export interface LogConsumerOptions {
  readonly queue: QueuePort;
  readonly writer: EventWriter;
  readonly logger: Logger;
  readonly meter: Telemetry['meter'];
  /** Events per write (a flush starts as soon as this many wait). */
  readonly batchEvents: number;
  /** Longest an event waits for its batch to fill (ms). */
  readonly flushMs: number;
  /**
   * Batches written at once, each its own transaction (default 1). MariaDB runs a connection's
   * statements on one thread: concurrent writes keep every core busy and overlap the round
   * trips with the next batch's preparation.
   */
  readonly writers?: number;
  /** Deliveries held before their ack: bounds memory to prefetch × a producer's batch. */
  readonly prefetch: number;
  /** Delay before retrying a failed write: doubles from `initialMs` up to `maxMs`. */
  readonly retry?: { readonly initialMs: number; readonly maxMs: number };
}

interface Waiting {
  readonly events: readonly QueuedLogEvent[];
  readonly settle: (outcome: HandlerOutcome) => void;
}

/**
 * Consumes `mpstack.log-events`: each delivery (a producer's batch) is decoded event by event
 * — a bad event is dead-lettered with its reason and counted, the others go on — and waits,
 * unacknowledged, until a write holding its events has committed; deliveries arriving
 * together are written together. While the database fails the write is retried with backoff
 * and the deliveries stay unacknowledged (the rest wait in the queue: nothing is lost, the
 * producer's publishing is not slowed). On close the waiting deliveries are handed back to
 * the queue. Killed mid-batch, the broker redelivers; the store writes each event once.
 */
export class LogConsumer {
  private waiting: Waiting[] = [];
  private waitingEvents = 0;
  private timer: NodeJS.Timeout | undefined;
  /** The timer fired: write what waits even if it is less than a batch. */
  private flushDue = false;
  private readonly writes = new Set<Promise<void>>();
  private consumer: Consumer | undefined;
  private closing = false;
  private lastWriteError: string | undefined;
  private readonly deadLettered;
  private readonly written;
  private readonly duplicates;
  private readonly writeFailures;

  constructor(private readonly options: LogConsumerOptions) {
    const { meter } = options;
    this.deadLettered = meter.createCounter('mpstack_log_events_dead_lettered_total', {
      description: 'Log events that did not match the contract, sent to the dead-letter queue',
    });
    this.written = meter.createCounter('mpstack_log_events_written_total', { description: 'Log events stored' });
    this.duplicates = meter.createCounter('mpstack_log_events_duplicate_total', {
      description: 'Log events received again and stored once',
    });
    this.writeFailures = meter.createCounter('mpstack_log_write_failures_total', {
      description: 'Failed batch writes (retried)',
    });
  }

  /** The database's last write failure while it lasts (readiness detail). */
  get writeError(): string | undefined {
    return this.lastWriteError;
  }

  async start(): Promise<void> {
    await this.options.queue.declare([logEventsDeclaration]);
    this.consumer = await this.options.queue.consume(logEventsQueue, (delivery) => this.handle(delivery), {
      prefetch: this.options.prefetch,
    });
  }

  /** Stops intake, hands back what waits, waits for the write in progress. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    const cancelled = this.consumer?.cancel();
    // Waiting deliveries that no write took yet go back to the queue.
    for (const waiting of this.waiting.splice(0)) waiting.settle({ action: 'retry' });
    this.waitingEvents = 0;
    await Promise.all([...this.writes]);
    await cancelled;
  }

  private async handle(delivery: Delivery): Promise<HandlerOutcome> {
    let decoded: ReturnType<typeof decodeLogEvents>;
    try {
      decoded = decodeLogEvents(delivery.body);
    } catch (error) {
      this.deadLettered.add(1, { reason: 'batch_invalid' });
      this.options.logger.warn({ err: error }, 'log event batch dead-lettered');
      return { action: 'dead-letter', reason: error instanceof Error ? error.message : String(error) };
    }
    for (const bad of decoded.rejected) {
      // Confirmed before the batch is acknowledged; a failed publish redoes the delivery (writes are idempotent).
      await this.options.queue.publish(logEventsDeadLetterQueue, Buffer.from(JSON.stringify(bad.raw) ?? 'null'), {
        contentType: 'application/json',
        headers: { 'x-death-reason': bad.reason, 'x-death-queue': logEventsQueue, 'x-batch-index': String(bad.index) },
      });
      this.deadLettered.add(1, { reason: 'event_invalid' });
      this.options.logger.warn({ reason: bad.reason, index: bad.index }, 'log event dead-lettered');
    }
    if (decoded.events.length === 0) return { action: 'ack' };
    if (this.closing) return { action: 'retry' };
    return new Promise<HandlerOutcome>((settle) => {
      this.waiting.push({ events: decoded.events, settle });
      this.waitingEvents += decoded.events.length;
      this.pump();
    });
  }

  /**
   * Starts writes while writers are free and a full batch waits (or the flush timer fired);
   * otherwise makes sure what waits is written within `flushMs`.
   */
  private pump(): void {
    if (this.closing) return;
    const writers = this.options.writers ?? 1;
    while (
      this.writes.size < writers &&
      this.waiting.length > 0 &&
      (this.flushDue || this.waitingEvents >= this.options.batchEvents)
    ) {
      const write = this.writeBatch(this.take()).finally(() => {
        this.writes.delete(write);
        this.pump();
      });
      this.writes.add(write);
    }
    if (this.waiting.length === 0) {
      this.flushDue = false;
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
    } else if (this.timer === undefined && !this.flushDue) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.flushDue = true;
        this.pump();
      }, this.options.flushMs);
    }
  }

  /** The waiting deliveries of one batch: whole deliveries, at most `batchEvents` unless one alone is larger. */
  private take(): Waiting[] {
    const taken: Waiting[] = [];
    let count = 0;
    while (
      this.waiting.length > 0 &&
      (count === 0 || count + (this.waiting[0]?.events.length ?? 0) <= this.options.batchEvents)
    ) {
      const next = this.waiting.shift() as Waiting;
      taken.push(next);
      count += next.events.length;
    }
    this.waitingEvents -= count;
    return taken;
  }

  private async writeBatch(taken: readonly Waiting[]): Promise<void> {
    const outcome = await this.writeWithRetry(taken.flatMap((w) => w.events));
    for (const waiting of taken) waiting.settle(outcome);
  }

  /** The write, again and again while the database fails; `retry` (back to the queue) once closing. */
  private async writeWithRetry(events: readonly QueuedLogEvent[]): Promise<HandlerOutcome> {
    const { initialMs, maxMs } = this.options.retry ?? { initialMs: 200, maxMs: 5000 };
    for (let attempt = 0; ; attempt += 1) {
      try {
        const result = await this.options.writer.write(events);
        this.written.add(result.written);
        if (result.duplicates > 0) this.duplicates.add(result.duplicates);
        if (this.lastWriteError !== undefined) this.options.logger.info('log writes succeed again');
        this.lastWriteError = undefined;
        return { action: 'ack' };
      } catch (error) {
        this.writeFailures.add(1);
        // Never `err`: a database error carries the whole statement with its values (~100 KB a batch).
        const failure = sqlFailure(error);
        if (this.lastWriteError === undefined) {
          this.options.logger.warn(
            { failure, events: events.length },
            'log write failed; the events wait, unacknowledged',
          );
        }
        this.lastWriteError = failure.message;
        if (this.closing) return { action: 'retry' };
        await new Promise((resolve) => setTimeout(resolve, Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 20))));
        if (this.closing) return { action: 'retry' };
      }
    }
  }
}
