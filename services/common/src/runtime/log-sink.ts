import { randomBytes } from 'node:crypto';
import type { Counter } from '@opentelemetry/api';
import { encodeLogEvent, logEventsDeclaration, logEventsQueue, type QueuedLogEvent } from '../contracts/log-events.js';
import type { Logger } from '../logging/logger.js';
import type { QueuePort } from '../ports/index.js';
import type { Telemetry } from '../telemetry/index.js';

export interface LogSinkOptions {
  readonly queue: QueuePort;
  readonly logger: Logger;
  readonly flushIntervalMs?: number;
  readonly maxBatch?: number;
  /** Events kept while the broker is down; the oldest are dropped beyond it. */
  readonly maxBuffered?: number;
  /** Counts the dropped events (`mpstack_log_events_dropped_total`) when given. */
  readonly meter?: Telemetry['meter'];
  /**
   * Declares the queue before the first publish (retried at each flush until it succeeds), for a
   * service that does not declare it at start-up: its start then needs no broker.
   */
  readonly declareQueue?: boolean;
}

/**
 * The log events a service publishes on `mpstack.log-events` (the ingress's message events,
 * the admin and business APIs' access events).
 *
 * Log events are fire-and-forget for the request (never on its latency) but batched into
 * one confirmed publish per interval: a publish per request would cap the ingress at the
 * broker's confirm round trips (about 7,500 req/s at 64 connections for one confirmed publish
 * per request, measured on the 2-core development machines).
 *
 * Each event is serialized when it is recorded and its UTF-8 bytes are appended to the batch
 * body it will be published in (a {@link LogBatch}): nothing of the event stays on the JS heap
 * for the flush interval — an event object, or its JSON string, would live long enough to be
 * copied by the young-generation collector and promoted (and strings sliced from the decrypted
 * message would keep that whole message alive) — and a flush publishes the bytes as they are,
 * without joining a thousand strings and encoding the result again (test/bench/log-sink-cpu.ts:
 * 9.3 µs of CPU per event with the strings kept and joined, 1.5 µs like this).
 */
export class LogSink {
  /** Batch bodies waiting, oldest first; only the last one takes new events. */
  private batches: LogBatch[] = [];
  private count = 0;
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  /** Events dropped since the last report (the broker was down longer than the buffer lasts). */
  private dropped = 0;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  /** Random per sink, so ids of replicas and restarts never meet; a counter makes each event's unique. */
  private readonly idPrefix = randomBytes(9).toString('base64url');
  private sequence = 0;
  private readonly droppedCounter: Counter | undefined;
  private declared: boolean;

  constructor(private readonly options: LogSinkOptions) {
    this.maxBatch = options.maxBatch ?? 1000;
    this.maxBuffered = options.maxBuffered ?? 50_000;
    this.declared = options.declareQueue !== true;
    this.droppedCounter = options.meter?.createCounter('mpstack_log_events_dropped_total', {
      description: 'Log events dropped because the broker was unreachable longer than the buffer lasted',
    });
  }

  /** Events held, not yet confirmed by the broker. */
  get buffered(): number {
    return this.count;
  }

  /**
   * A unique event id (the log service writes a redelivered batch once by it): a per-sink
   * random prefix and a counter — no hashing or UUID on the hot path.
   */
  nextId(): string {
    this.sequence += 1;
    return `${this.idPrefix}${this.sequence.toString(36)}`;
  }

  /** Takes an event for the next batch; synchronous, never throws, never waits for the broker. */
  record(event: QueuedLogEvent): void {
    const json = encodeLogEvent(event);
    let batch = this.batches.at(-1);
    if (batch === undefined || !batch.append(json)) {
      batch = new LogBatch(this.maxBatch, json.length);
      batch.append(json);
      this.batches.push(batch);
    }
    this.count += 1;
    if (this.count > this.maxBuffered) this.dropOldest(this.count - this.maxBuffered);
    if (batch.count >= this.maxBatch) void this.flush();
  }
  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushIntervalMs ?? 250);
    this.timer.unref();
  }

  flush(): Promise<void> {
    this.flushing ??= this.flushOnce().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Publishes the batches as JSON arrays of at most `maxBatch` events, oldest first. */
  private async flushOnce(): Promise<void> {
    while (this.count > 0 && this.options.queue.isConnected()) {
      const batch = this.batches[0] as LogBatch;
      // Sealed: events recorded while it is published go to the next batch.
      batch.seal();
      try {
        if (!this.declared) {
          await this.options.queue.declare([logEventsDeclaration]);
          this.declared = true;
        }
        await this.options.queue.publish(logEventsQueue, batch.body(), { contentType: 'application/json' });
      } catch (error) {
        this.options.logger.debug({ err: error }, 'log event batch not confirmed; kept for the next flush');
        return;
      }
      // Unless the overflow dropped it meanwhile (then its events are counted as dropped already).
      if (this.batches[0] === batch) {
        this.batches.shift();
        this.count -= batch.count;
      }
    }
    if (this.dropped > 0 && this.count === 0) {
      this.options.logger.warn({ dropped: this.dropped }, 'log events dropped while the broker was unreachable');
      this.dropped = 0;
    }
  }

  /** Drops the `over` oldest events (the broker was down longer than `maxBuffered` events last). */
  private dropOldest(over: number): void {
    this.dropped += over;
    this.droppedCounter?.add(over);
    let left = over;
    while (left > 0) {
      const oldest = this.batches[0] as LogBatch;
      const taken = oldest.dropFirst(left);
      left -= taken;
      this.count -= taken;
      if (oldest.count === 0) this.batches.shift();
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.flush();
  }
}

/**
 * Bytes per batch body allocated up front: a full batch of the ingress's message events (about
 * 250 bytes each) fits, so a flush is one publish; a longer event gets a body of its own size.
 */
const batchBytes = 320 * 1024;
const comma = 0x2c;

/**
 * One batch body being built: `[` then the events' UTF-8 JSON separated by commas, `]` added
 * when it is published. The start of each event is kept, so the oldest events can be dropped
 * (the comma before the new first event becomes its `[`).
 */
class LogBatch {
  count = 0;
  #buffer: Buffer;
  #start = 0;
  #end = 1;
  #isSealed = false;
  readonly #starts: number[] = [];
  #first = 0;

  constructor(
    private readonly maxEvents: number,
    firstEventLength: number,
  ) {
    // 3 bytes per UTF-16 unit at most (a surrogate pair is 4 bytes for 2 units), `[`, `]` and
    // the comma `append` leaves room for.
    this.#buffer = Buffer.allocUnsafe(Math.max(batchBytes, firstEventLength * 3 + 3));
    this.#buffer[0] = 0x5b;
  }

  /** Appends the event unless the batch is sealed, full, or lacks the room; false then. */
  append(json: string): boolean {
    if (this.#isSealed || this.count >= this.maxEvents) return false;
    // Room for the comma, the event and the closing bracket: counted exactly only near the end
    // (3 bytes per UTF-16 unit is the most it can take).
    const room = this.#buffer.length - this.#end - 2;
    if (json.length * 3 > room && Buffer.byteLength(json, 'utf8') > room) return false;
    if (this.count > 0) this.#buffer[this.#end++] = comma;
    this.#starts.push(this.#end);
    this.#end += this.#buffer.write(json, this.#end, 'utf8');
    this.count += 1;
    return true;
  }

  seal(): void {
    this.#isSealed = true;
  }

  /**
   * The JSON array (a view of the batch's bytes: the queue copies them when it publishes); the
   * batch takes no more events. Bytes are written only here, never after a publish, so a body
   * handed to the queue is never changed under it.
   */
  body(): Buffer {
    this.seal();
    // The comma before the first event kept (see dropFirst) becomes the array's opening bracket.
    this.#buffer[this.#start] = 0x5b;
    this.#buffer[this.#end] = 0x5d;
    return this.#buffer.subarray(this.#start, this.#end + 1);
  }

  /** Drops up to `n` of the oldest events; returns how many it dropped. */
  dropFirst(n: number): number {
    const taken = Math.min(n, this.count);
    this.#first += taken;
    this.count -= taken;
    if (this.count > 0) this.#start = (this.#starts[this.#first] as number) - 1;
    return taken;
  }
}
