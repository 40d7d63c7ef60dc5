import { setTimeout as sleep } from 'node:timers/promises';
import { DEATH_QUEUE_HEADER, DEATH_REASON_HEADER } from '@mpstack/common/adapters';
import {
  decodeReceipts,
  encodeReceipt,
  type JobReceipt,
  receiptsDeadLetterQueue,
  receiptsQueue,
} from '@mpstack/common/contracts';
import { sqlFailure } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, Delivery, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import { receiptEventOf, type SendEventSink } from '../wechat/send-events.js';
import { failsEveryTime } from './poison-receipt.js';
import type { ReceiptRepository } from './receipt.repository.js';

/** Receipts written together at most (a batch's statements stay well within placeholder limits). */
const maxBatch = 500;

/**
 * How long the first receipt of a batch waits for others before the batch is written, unless
 * the deliveries in hand fill a batch sooner. Every batch costs three or four statements (each
 * an autocommit write with its redo-log flush): written the moment one receipt arrived, a push's
 * receipts trickling in at a thousand a second went out in batches of about ten — over a third of
 * a statement per send. A receipt only joins its send's row later by this much; at a thousand
 * receipts a second the prefetch (200) fills first. Fewer receipts also arrive before their
 * send is recorded, each of which costs the recording a join and the batch a second update.
 */
const defaultGatherMs = 200;

/**
 * What became of a delivery's receipts: per receipt, whether it was new, and those whose write
 * fails every time (not written, with the reason); or a failure that may pass (retried whole).
 */
type Written = { readonly fresh: readonly boolean[]; readonly poison: readonly Poison[] } | { readonly error: unknown };

/** A receipt the database refuses whatever the attempt (its place among the delivery's receipts). */
interface Poison {
  readonly index: number;
  readonly reason: string;
}

/** One delivery's receipts (a group from the ingress, or an older replica's single receipt). */
interface Waiting {
  readonly receipts: readonly JobReceipt[];
  readonly settle: (outcome: Written) => void;
}

/**
 * Consumes `mpstack.receipts` (the ingress hands every TEMPLATESENDJOBFINISH /
 * MASSSENDJOBFINISH over): stores and joins each, acked after the write; a body that is not a
 * receipt is dead-lettered with the reason; a database failure retries it.
 *
 * A bad entry of a group never holds back the others: an entry that is not a receipt, or a
 * receipt whose write fails every time ({@link failsEveryTime}: a value its column refuses), is
 * published alone to `mpstack.receipts.dead` with its reason (`x-death-reason`), the others are
 * written and the message is acked. A failure that may pass (the database away, a deadlock)
 * retries the whole message, as before.
 *
 * The deliveries in hand (up to the prefetch) are written together: a batch is written
 * `gatherMs` after its first receipt arrived, or at once when the deliveries in hand fill it
 * (the prefetch, at most 500); every receipt that arrives while a batch is being written joins
 * the next one, so a few statements carry tens to hundreds of receipts
 * ({@link ReceiptRepository.applyAll}). Each delivery is still acked only after the batch
 * holding it is committed.
 *
 * Each stored receipt is also recorded as a `receipt` log event (the dashboard's receipt
 * outcomes) through the service's log sink, which never waits for the broker.
 */
export class ReceiptConsumer {
  private consumer: Consumer | undefined;
  private readonly received: ReturnType<Telemetry['meter']['createCounter']>;
  private waiting: Waiting[] = [];
  /** Receipts in `waiting`. */
  private pending = 0;
  private writing = false;
  private gathering: NodeJS.Timeout | undefined;
  private readonly gatherMs: number;
  /** Receipts in hand that are written at once, without waiting out `gatherMs`. */
  private readonly fullBatch: number;

  constructor(
    private readonly options: {
      readonly queue: QueuePort;
      readonly receipts: Pick<ReceiptRepository, 'applyAll'>;
      readonly logger: Logger;
      readonly meter: Telemetry['meter'];
      readonly prefetch: number;
      /** How long a batch waits for more receipts (default 200 ms; 0: written at once). */
      readonly gatherMs?: number;
      /** Where each stored receipt's `receipt` log event goes (the dashboard's receipt outcomes). */
      readonly events?: SendEventSink;
    },
  ) {
    this.gatherMs = options.gatherMs ?? defaultGatherMs;
    this.fullBatch = Math.min(maxBatch, options.prefetch);
    this.received = options.meter.createCounter('mpstack_receipts_total', {
      description: 'Delivery receipts applied, by kind and status',
    });
  }

  async start(): Promise<void> {
    this.consumer = await this.options.queue.consume(receiptsQueue, (delivery) => this.handle(delivery), {
      prefetch: this.options.prefetch,
    });
  }

  async close(): Promise<void> {
    await this.consumer?.cancel();
  }

  private async handle(delivery: Delivery): Promise<HandlerOutcome> {
    let decoded: ReturnType<typeof decodeReceipts>;
    try {
      decoded = decodeReceipts(delivery.body);
    } catch (error) {
      return { action: 'dead-letter', reason: (error as Error).message };
    }
    const { receipts, rejected } = decoded;
    const outcome =
      receipts.length === 0
        ? { fresh: [], poison: [] }
        : await new Promise<Written>((settle) => {
            this.waiting.push({ receipts, settle });
            this.pending += receipts.length;
            this.schedule();
          });
    if ('error' in outcome) {
      this.options.logger.warn({ err: outcome.error, receipts: receipts.length }, 'receipts not stored; retried');
      await sleep(1000);
      return { action: 'retry' };
    }
    // Each bad entry dead-lettered alone; should that fail, the message is retried (the written
    // receipts are written again as repeats, which changes nothing).
    const dead = [
      ...rejected.map((r) => ({
        body: entryOf(delivery.body, r.index),
        reason: `job receipt group entry ${r.index}: ${r.reason}`,
      })),
      ...outcome.poison.map((p) => ({ body: encodeReceipt(receipts[p.index] as JobReceipt), reason: p.reason })),
    ];
    try {
      await Promise.all(dead.map((d) => this.deadLetter(d.body, d.reason, delivery.messageId)));
    } catch (error) {
      this.options.logger.warn({ err: error, entries: dead.length }, 'bad receipt entries not dead-lettered; retried');
      await sleep(1000);
      return { action: 'retry' };
    }
    const poisoned = new Set(outcome.poison.map((p) => p.index));
    // Counted by kind and status once per delivery (a group is mostly one status): the meter
    // hashes the attributes at every add, which per receipt cost more than the rest of its count.
    let counts: Map<string, { kind: string; status: string; n: number }> | undefined;
    const events = this.options.events;
    for (let i = 0; i < receipts.length; i++) {
      if (poisoned.has(i)) continue;
      const receipt = receipts[i] as JobReceipt;
      if (outcome.fresh[i] === true) {
        counts ??= new Map();
        const key = `${receipt.kind}\u0000${receipt.status}`;
        const count = counts.get(key);
        if (count === undefined) counts.set(key, { kind: receipt.kind, status: receipt.status, n: 1 });
        else count.n += 1;
      }
      // A repeat too (fresh or not): its id and time are the receipt's, so it is counted once, and a
      // crash after the write but before the first event was published loses no count.
      events?.record(receiptEventOf(receipt));
    }
    if (counts !== undefined) {
      for (const { kind, status, n } of counts.values()) this.received.add(n, { kind, status });
    }
    return { action: 'ack' };
  }

  /** One bad entry of a group, alone in the receipts' dead-letter queue with its reason. */
  private async deadLetter(body: string, reason: string, messageId: string | undefined): Promise<void> {
    this.options.logger.warn({ reason }, 'receipt entry dead-lettered');
    await this.options.queue.publish(receiptsDeadLetterQueue, Buffer.from(body), {
      ...(messageId === undefined ? {} : { messageId }),
      contentType: 'application/json',
      headers: { [DEATH_REASON_HEADER]: reason, [DEATH_QUEUE_HEADER]: receiptsQueue },
    });
  }

  /**
   * Starts the writer: once a batch is full, else `gatherMs` after the first receipt came.
   * Receipts that arrive while it writes are scheduled when it is done.
   */
  private schedule(): void {
    if (this.writing) return;
    if (this.pending >= this.fullBatch || this.gatherMs === 0) {
      clearTimeout(this.gathering);
      this.gathering = undefined;
      this.writing = true;
      setImmediate(() => void this.writeWaiting());
    } else {
      this.gathering ??= setTimeout(() => {
        this.gathering = undefined;
        this.writing = true;
        void this.writeWaiting();
      }, this.gatherMs);
    }
  }

  /**
   * Writes one batch of what waits, then schedules the rest like new arrivals: a full batch at
   * once, a few stragglers after gathering more (written straight away they would make a
   * steady flow of receipts a stream of batches of a handful).
   */
  private async writeWaiting(): Promise<void> {
    // Whole deliveries, up to maxBatch receipts (a delivery larger than that goes alone).
    let taken = 0;
    let size = 0;
    for (const w of this.waiting) {
      if (taken > 0 && size + w.receipts.length > maxBatch) break;
      taken += 1;
      size += w.receipts.length;
    }
    const batch = this.waiting.slice(0, taken);
    this.waiting = this.waiting.slice(taken);
    this.pending -= size;
    try {
      const fresh = await this.options.receipts.applyAll(batch.flatMap((w) => w.receipts));
      let at = 0;
      for (const w of batch) {
        w.settle({ fresh: fresh.slice(at, at + w.receipts.length), poison: [] });
        at += w.receipts.length;
      }
    } catch (error) {
      if (failsEveryTime(error)) await this.writeApart(batch);
      else for (const w of batch) w.settle({ error });
    }
    this.writing = false;
    if (this.waiting.length > 0) this.schedule();
  }

  /**
   * A batch the database refused because of one of its receipts: each delivery written alone,
   * and the receipts of one refused again one by one, to tell the bad ones from the others.
   * A failure that may pass on the way retries that delivery whole.
   */
  private async writeApart(batch: readonly Waiting[]): Promise<void> {
    for (const w of batch) {
      try {
        w.settle({ fresh: await this.options.receipts.applyAll(w.receipts), poison: [] });
        continue;
      } catch (error) {
        if (!failsEveryTime(error)) {
          w.settle({ error });
          continue;
        }
      }
      const fresh: boolean[] = [];
      const poison: Poison[] = [];
      let failed: { error: unknown } | undefined;
      for (const [index, receipt] of w.receipts.entries()) {
        try {
          fresh.push((await this.options.receipts.applyAll([receipt]))[0] === true);
        } catch (error) {
          if (!failsEveryTime(error)) {
            failed = { error };
            break;
          }
          fresh.push(false);
          const reason = `job receipt ${receipt.id} (MsgID ${receipt.msgId}) not written: ${sqlFailure(error).message}`;
          poison.push({ index, reason });
        }
      }
      w.settle(failed ?? { fresh, poison });
    }
  }
}

/** Entry `index` of a receipt group, as JSON (the body parsed already, as a JSON array). */
function entryOf(body: Buffer, index: number): string {
  const group = JSON.parse(body.toString('utf8')) as unknown[];
  return JSON.stringify(group[index] ?? null);
}
