import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '@mpstack/common/logging';
import { PublishInDoubtError, type QueuePort } from '@mpstack/common/ports';
import type { DiskSpool, SpoolEntry } from '../spool/disk-spool.js';
import type { SpoolHandover } from '../spool/handover.js';

export type ForwardOutcome = 'published' | 'spooled';

export interface ForwarderOptions {
  readonly queue: QueuePort;
  readonly spool: DiskSpool;
  readonly logger: Logger;
  /** How often the spool is retried while it holds messages. */
  readonly drainIntervalMs?: number;
  /**
   * Where the spool goes when the broker is still down at shutdown, and where spools
   * handed over by replicas that are gone are picked up from. Without one, a shutdown with
   * messages still spooled fails (the files stay).
   */
  readonly handover?: SpoolHandover;
  /** How often the hand-over store is polled for rows to forward (default 5 s). */
  readonly handoverPollMs?: number;
  /** On shutdown, how long to keep trying the broker before handing the spool over (default 0: one try). */
  readonly shutdownDrainMs?: number;
}

/** Thrown by {@link Forwarder.close} when acknowledged messages could be neither forwarded nor handed over. */
export class SpoolKeptError extends Error {
  override readonly name = 'SpoolKeptError';
}

/**
 * Hands a message to the slow path: a confirmed publish, or — when the broker does not
 * confirm — a durable spool entry. Throws only when both failed; the caller must then
 * not answer `success`, so WeChat retries (docs/architecture.md §3, the disk spool).
 */
export class Forwarder {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private nextHandoverPoll = 0;
  /** Late broker answers of publishes that timed out and were spooled meanwhile, by message id. */
  private readonly inDoubt = new Map<string, Promise<boolean>>();

  constructor(private readonly options: ForwarderOptions) {}

  async forward(entry: SpoolEntry): Promise<ForwardOutcome> {
    const { queue, spool } = this.options;
    if (queue.isConnected() && spool.depth === 0) {
      try {
        await publishEntry(queue, entry);
        return 'published';
      } catch (error) {
        this.options.logger.warn({ err: error, queue: entry.queue }, 'publish failed; spooling');
        // The broker may still take it (a stall past the timeout): the spooled copy is only
        // forwarded if it does not (see forwardSpooled).
        if (error instanceof PublishInDoubtError) this.inDoubt.set(entry.messageId, error.confirmation);
      }
    }
    await spool.append(entry);
    return 'spooled';
  }

  /**
   * The drain's publish of a spooled copy. A copy whose timed-out publish the broker
   * confirmed late is already queued: dropped, not sent again. The drain runs in the
   * background, so it waits for a late confirm of its own publishes too, rather than send
   * again what a stalled broker may still take — bounded, so a broker that stays stalled
   * interrupts the drain (retried later) instead of blocking it.
   */
  private async forwardSpooled(entry: SpoolEntry): Promise<void> {
    const earlier = this.inDoubt.get(entry.messageId);
    if (earlier !== undefined) {
      const wasQueued = await answerWithin(earlier, inDoubtWaitMs);
      if (wasQueued === undefined) throw new Error('an earlier publish of a spooled message is still unanswered');
      this.inDoubt.delete(entry.messageId);
      if (wasQueued) return;
    }
    try {
      await publishEntry(this.options.queue, entry);
    } catch (error) {
      if (!(error instanceof PublishInDoubtError)) throw error;
      const isQueued = await answerWithin(error.confirmation, inDoubtWaitMs);
      if (isQueued === true) return;
      if (isQueued === undefined) this.inDoubt.set(entry.messageId, error.confirmation);
      throw error;
    }
  }

  /** Starts the background drain loop (and drains what a previous process left). */
  start(): void {
    const interval = this.options.drainIntervalMs ?? 1000;
    this.timer = setInterval(() => {
      void this.drainNow();
    }, interval);
    this.timer.unref();
    void this.drainNow();
  }

  /** Whether a message could be spooled right now (see {@link DiskSpool.isWritable}). */
  spoolWritable(): Promise<boolean> {
    return this.options.spool.isWritable();
  }

  /** Forwards spooled messages if the broker is reachable; never throws. */
  drainNow(): Promise<void> {
    this.draining ??= this.drainOnce()
      .then(() => undefined)
      .finally(() => {
        this.draining = undefined;
      });
    return this.draining;
  }

  private async drainOnce(): Promise<boolean> {
    if (!this.options.queue.isConnected()) return false;
    try {
      const forwarded = await this.options.spool.drain((entry) => this.forwardSpooled(entry));
      if (forwarded > 0) this.options.logger.info({ forwarded }, 'spooled messages forwarded');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'spool drain interrupted; will retry');
      return false;
    }
    await this.forwardHandedOver();
    return true;
  }

  /** Publishes what replicas that are gone handed over, a batch of leased rows at a time. */
  private async forwardHandedOver(): Promise<void> {
    const { handover, logger } = this.options;
    if (handover === undefined || Date.now() < this.nextHandoverPoll) return;
    this.nextHandoverPoll = Date.now() + (this.options.handoverPollMs ?? 5_000);
    let forwarded = 0;
    try {
      for (;;) {
        const claim = await handover.claim(100);
        if (claim.messages.length === 0) break;
        try {
          for (const message of claim.messages) {
            await this.forwardSpooled(message);
            await claim.forwarded(message.id);
            forwarded++;
          }
        } catch (error) {
          await claim.release().catch(() => undefined);
          throw error;
        }
      }
    } catch (error) {
      this.nextHandoverPoll = 0;
      logger.warn({ err: error, forwarded }, 'forwarding handed-over messages interrupted; will retry');
    }
    if (forwarded > 0) logger.info({ forwarded }, 'handed-over spool messages forwarded');
  }

  /**
   * Shutdown (SIGTERM): nothing acknowledged may stay behind in a directory that dies with
   * the pod. Tries the broker for up to `shutdownDrainMs`, hands what is left to the
   * hand-over store, and only when that fails too throws {@link SpoolKeptError} — loudly,
   * with the files kept — so that the process exits non-zero instead of pretending.
   */
  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.draining;
    const { spool, logger, handover } = this.options;
    const deadline = Date.now() + (this.options.shutdownDrainMs ?? 0);
    while (await spool.hasPending()) {
      if (await this.drainOnce()) break;
      const left = deadline - Date.now();
      if (left <= 0) break;
      await sleep(Math.min(250, left));
    }
    if (await spool.hasPending()) {
      try {
        if (handover === undefined) throw new Error('no hand-over store configured');
        const handedOver = await spool.handOver((entries) => handover.store(entries));
        logger.warn({ handedOver }, 'broker unreachable at shutdown: spool handed over to the database');
      } catch (error) {
        const message =
          'ACKNOWLEDGED MESSAGES NOT FORWARDED: broker unreachable and the hand-over failed; the spool files are kept';
        logger.fatal({ err: error, depth: spool.depth, dir: spool.directory }, message);
        await spool.close();
        throw new SpoolKeptError(message, { cause: error });
      }
    }
    await spool.close();
  }
}

/** How long the drain waits for a stalled broker's answer before it gives up for this round. */
const inDoubtWaitMs = 5_000;

/** The broker's answer, or undefined when none came within `ms`. */
async function answerWithin(confirmation: Promise<boolean>, ms: number): Promise<boolean | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  try {
    return await Promise.race([confirmation, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function publishEntry(queue: QueuePort, entry: SpoolEntry): Promise<void> {
  return queue.publish(entry.queue, Buffer.from(entry.body, 'utf8'), {
    messageId: entry.messageId,
    headers: entry.headers,
    contentType: 'application/json',
  });
}
