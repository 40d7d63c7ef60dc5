import { outboundPushQueue } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { QueuePort } from '@mpstack/common/ports';
import type { KefuRepository } from './kefu/kefu.repository.js';
import { type KefuService, sweepKefuSends } from './kefu/kefu.service.js';
import type { MassService } from './mass/mass.service.js';
import type { PushRepository } from './pushes/push.repository.js';
import type { PushService } from './pushes/push.service.js';
import type { SendRepository } from './sends/send.repository.js';
import type { SendService } from './sends/send.service.js';

export interface SchedulerOptions {
  readonly pushes: PushRepository;
  readonly pushService: PushService;
  readonly sends: SendRepository;
  readonly sendService: SendService;
  readonly mass: MassService;
  /** Customer-service sends (swept too). */
  readonly kefu?: { readonly repository: KefuRepository; readonly service: KefuService };
  readonly queue: QueuePort;
  readonly logger: Logger;
  readonly clock: () => number;
  readonly tickMs: number;
  /** A running push without progress for this long, with no ticket waiting, gets its tickets again. */
  readonly stallMs: number;
}

/**
 * The business service's clock-driven work, on every replica (each step is a conditional
 * update, so two replicas never both start a push):
 * - scheduled pushes whose time came start (their tickets are published);
 * - a due mass send is submitted (one a tick);
 * - the sweeper: a running push that made no progress for `stallMs` while its queue is empty
 *   (tickets lost with a broker, or a crash between starting it and publishing them) gets its
 *   tickets again; a single send queued or sending untouched for `stallMs` is queued again.
 *   Tickets and send jobs are idempotent, so a needless one only costs a query. Customer-service
 *   sends: see `sweepKefuSends` (one left sending is never queued again).
 */
export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastSweep = 0;

  constructor(private readonly options: SchedulerOptions) {}

  start(): void {
    this.timer = setInterval(() => {
      this.running ??= this.tick().finally(() => {
        this.running = undefined;
      });
    }, this.options.tickMs);
    this.timer.unref();
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async tick(): Promise<void> {
    const { pushes, pushService, mass, logger, clock } = this.options;
    try {
      for (const id of await pushes.due(clock())) {
        if (await pushService.startDue(id)) logger.info({ push: id }, 'scheduled push started');
      }
      await mass.runDue();
      if (clock() - this.lastSweep >= this.options.stallMs / 2) {
        this.lastSweep = clock();
        await this.sweep();
      }
    } catch (error) {
      logger.warn({ err: error }, 'scheduler tick failed; next tick retries');
    }
  }

  private async sweep(): Promise<void> {
    const { pushes, pushService, sends, sendService, queue, logger, clock, stallMs } = this.options;
    const stalled = await pushes.stalled(clock() - stallMs);
    if (stalled.length > 0 && (await queue.depth(outboundPushQueue)) === 0) {
      for (const push of stalled) {
        const tickets = await pushService.publishTickets(push);
        await pushes.transition(push.id, ['running'], 'running', { now: clock(), reason: push.stateReason });
        logger.warn({ push: push.id, tickets }, 'push stalled with no ticket queued: tickets published again');
      }
    }
    for (const id of await sends.stale(clock() - stallMs, 500)) {
      await sendService.publish(id);
      await sends.touch(id, clock());
    }
    const { kefu } = this.options;
    if (kefu !== undefined) await sweepKefuSends(kefu.repository, kefu.service, queue, { now: clock(), stallMs });
  }
}
