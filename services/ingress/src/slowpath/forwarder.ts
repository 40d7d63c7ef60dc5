import type { Logger, QueuePort } from '@mpstack/common';
import type { DiskSpool, SpoolEntry } from '../spool/disk-spool.js';

export type ForwardOutcome = 'published' | 'spooled';

export interface ForwarderOptions {
  readonly queue: QueuePort;
  readonly spool: DiskSpool;
  readonly logger: Logger;
  /** How often the spool is retried while it holds messages. */
  readonly drainIntervalMs?: number;
}

/**
 * Hands a message to the slow path: a confirmed publish, or — when the broker does not
 * confirm — a durable spool entry. Throws only when both failed; the caller must then
 * not answer `success`, so WeChat retries (ARCHITECTURE §3.7).
 */
export class Forwarder {
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;

  constructor(private readonly options: ForwarderOptions) {}

  async forward(entry: SpoolEntry): Promise<ForwardOutcome> {
    const { queue, spool } = this.options;
    if (queue.isConnected() && spool.depth === 0) {
      try {
        await publishEntry(queue, entry);
        return 'published';
      } catch (error) {
        this.options.logger.warn({ err: error, queue: entry.queue }, 'publish failed; spooling');
      }
    }
    await spool.append(entry);
    return 'spooled';
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
    this.draining ??= this.drainOnce().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    if (!this.options.queue.isConnected()) return;
    try {
      const forwarded = await this.options.spool.drain((entry) => publishEntry(this.options.queue, entry));
      if (forwarded > 0) this.options.logger.info({ forwarded }, 'spooled messages forwarded');
    } catch (error) {
      this.options.logger.warn({ err: error }, 'spool drain interrupted; will retry');
    }
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.draining;
    await this.options.spool.close();
  }
}

function publishEntry(queue: QueuePort, entry: SpoolEntry): Promise<void> {
  return queue.publish(entry.queue, Buffer.from(entry.body, 'utf8'), {
    messageId: entry.messageId,
    headers: entry.headers,
    contentType: 'application/json',
  });
}
