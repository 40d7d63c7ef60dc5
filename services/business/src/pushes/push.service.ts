import { encodePushTicket, outboundPushQueue, type ScheduledPushAnnouncement } from '@mpstack/common/contracts';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { QueuePort } from '@mpstack/common/ports';
import type { SendService } from '../sends/send.service.js';
import { checkFieldTemplates, compileFields, type FieldTemplates } from '../templates/template-fields.js';
import { openUpload } from '../uploads/recipient-file.js';
import { importRecipients, type UploadReport } from '../uploads/recipient-import.js';
import type { PushRepository } from './push.repository.js';
import type { PushJob, PushState } from './push.types.js';

export interface PushServiceOptions {
  readonly pushes: PushRepository;
  readonly queue: QueuePort;
  readonly sends: SendService;
  readonly clock: () => number;
  /** Recipients per ticket. */
  readonly chunkSize: number;
  /** Most recipients one upload may hold. */
  readonly maxRecipients: number;
  /** Accounts this service may send for (the accounts table). */
  readonly accountExists: (account: string) => Promise<boolean>;
  /** Sends per second a push is expected to run at: the template rate limit, else MPSTACK_PUSH_EXPECTED_RATE. */
  readonly expectedRate: number;
  /**
   * The same for one account: its own template rate when it has one (the console's), else
   * `expectedRate`. Without it every account runs at `expectedRate`.
   */
  readonly expectedRateOf?: (account: string) => Promise<number>;
}

export interface PushView extends PushJob {
  readonly counts: Readonly<Record<string, number>>;
  /** Sends per second since the start (while running), and the seconds left at that rate. */
  readonly rate: number | null;
  readonly etaSeconds: number | null;
}

/** Push jobs: create, upload recipients, preview, start / schedule, pause / resume / cancel, progress. */
export class PushService {
  constructor(private readonly options: PushServiceOptions) {}

  async create(input: {
    readonly account: string;
    readonly name: string;
    readonly templateId: string;
    readonly fields: FieldTemplates;
    readonly url?: string | undefined;
  }): Promise<PushJob> {
    checkFieldTemplates(input.fields);
    if (!(await this.options.accountExists(input.account))) {
      throw new AppError(ErrorCode.notFound, `account "${input.account}" does not exist`);
    }
    const id = await this.options.pushes.create({
      ...input,
      url: input.url,
      scheduledAt: undefined,
      now: this.options.clock(),
    });
    return this.require(id);
  }

  /**
   * The pushes to pre-scale for: each scheduled one from its start over `total / rate`
   * seconds; each running one from when it started over the seconds elapsed plus what is left
   * at that rate (so its window covers now). Completed, cancelled and paused pushes are not
   * announced: the operator's floor for them goes with the next read.
   */
  async announcements(): Promise<ScheduledPushAnnouncement[]> {
    const now = this.options.clock();
    const pushes = await this.options.pushes.announced();
    const rates = new Map<string, number>();
    for (const account of new Set(pushes.map((push) => push.account))) rates.set(account, await this.#rateOf(account));
    return pushes.flatMap((push) => {
      const start = push.state === 'running' ? (push.startedAt ?? now) : push.scheduledAt;
      if (start === null || push.total === 0) return [];
      const rate = rates.get(push.account) ?? this.options.expectedRate;
      const left = Math.max(0, push.total - push.sent - push.failed);
      const elapsed = Math.max(0, now - start) / 1000;
      return [
        {
          push: push.id,
          account: push.account,
          start: new Date(start).toISOString(),
          expectedMessages: push.total,
          durationSeconds: Math.max(1, Math.ceil(elapsed + left / rate)),
        },
      ];
    });
  }

  /** The account's expected rate; the deployment's when it cannot be read (an announcement is never refused for it). */
  async #rateOf(account: string): Promise<number> {
    try {
      return (await this.options.expectedRateOf?.(account)) ?? this.options.expectedRate;
    } catch {
      return this.options.expectedRate;
    }
  }

  async get(id: number): Promise<PushView> {
    const push = await this.require(id);
    const counts = await this.options.pushes.counts(id);
    const done = push.sent + push.failed;
    const elapsed = push.startedAt === null ? 0 : ((push.finishedAt ?? this.options.clock()) - push.startedAt) / 1000;
    const rate = elapsed > 0 && done > 0 ? done / elapsed : null;
    const left = push.total - done;
    return {
      ...push,
      counts,
      rate,
      etaSeconds: rate === null || push.state !== 'running' ? null : Math.round(left / rate),
    };
  }

  list(account: string | undefined, limit: number): Promise<PushJob[]> {
    return this.options.pushes.list(account, limit);
  }

  /** Reads an upload into the draft push's recipients; a refused upload stores none of its rows. */
  async upload(id: number, body: AsyncIterable<Buffer>): Promise<UploadReport> {
    const push = await this.require(id);
    if (push.state !== 'draft')
      throw new AppError(ErrorCode.conflict, `push ${id} is ${push.state}; upload to a draft`);
    if (await this.options.pushes.hasRecipients(id)) {
      throw new AppError(ErrorCode.conflict, `push ${id} already has its recipients`);
    }
    const opened = await openUpload(body);
    let renderer: ReturnType<typeof compileFields> | undefined;
    try {
      const report = await importRecipients(opened.format, opened.rows, {
        onHeader: (columns) => {
          renderer = compileFields(push.fields, columns);
        },
        maxRows: this.options.maxRecipients,
        check: (values) => {
          const rendered = renderer?.render(values);
          return rendered !== undefined && 'error' in rendered ? rendered.error : undefined;
        },
        store: (rows) => this.options.pushes.storeRecipients(id, rows),
      });
      await this.options.pushes.finishUpload(id, report.accepted, report.columns);
      return report;
    } catch (error) {
      await this.options.pushes.dropRecipients(id);
      throw error;
    }
  }

  /** Sends the push's template to one follower, filled with the first recipient's values (or none). */
  async preview(id: number, openId: string): Promise<{ readonly sendId: number }> {
    const push = await this.require(id);
    const renderer = compileFields(push.fields, push.columns ?? []);
    const first = await this.options.pushes.firstValues(id);
    const rendered = renderer.render(first);
    if ('error' in rendered) throw new AppError(ErrorCode.badRequest, rendered.error);
    return this.options.sends.accept({
      account: push.account,
      kind: 'preview',
      pushId: id,
      openId,
      templateId: push.templateId,
      data: rendered.data,
      ...(push.url === null ? {} : { url: push.url }),
    });
  }

  /** Starts now, or at `scheduledAt` (ms since the epoch) when it is in the future. */
  async start(id: number, scheduledAt: number | undefined): Promise<PushJob> {
    const push = await this.require(id);
    if (push.total === 0) throw new AppError(ErrorCode.conflict, `push ${id} has no recipients; upload them first`);
    const now = this.options.clock();
    if (scheduledAt !== undefined && scheduledAt > now) {
      await this.move(push, ['draft', 'scheduled'], 'scheduled', { scheduledAt });
      return this.require(id);
    }
    await this.move(push, ['draft', 'scheduled'], 'running', {});
    await this.publishTickets(await this.require(id));
    return this.require(id);
  }

  /** A scheduled push whose time came (the scheduler; several replicas: one wins). */
  async startDue(id: number): Promise<boolean> {
    if (!(await this.options.pushes.transition(id, ['scheduled'], 'running', { now: this.options.clock() }))) {
      return false;
    }
    await this.publishTickets(await this.require(id));
    return true;
  }

  async pause(id: number): Promise<PushJob> {
    await this.move(await this.require(id), ['running'], 'paused', { reason: 'paused by an operator' });
    return this.require(id);
  }

  async resume(id: number): Promise<PushJob> {
    await this.move(await this.require(id), ['paused'], 'running', {});
    await this.publishTickets(await this.require(id));
    return this.require(id);
  }

  /** Stops a push: no recipient is claimed after this; sends in flight finish and are recorded. */
  async cancel(id: number): Promise<PushJob> {
    await this.move(await this.require(id), ['draft', 'scheduled', 'running', 'paused'], 'cancelled', {
      reason: 'cancelled by an operator',
    });
    return this.require(id);
  }

  /** One ticket per chunk of the push; tickets of finished chunks cost one query each. */
  async publishTickets(push: PushJob): Promise<number> {
    const { chunkSize, queue } = this.options;
    const tickets: Buffer[] = [];
    for (let from = 0; from < push.total; from += chunkSize) {
      tickets.push(
        encodePushTicket({ pushId: push.id, fromSeq: from, toSeq: Math.min(from + chunkSize, push.total) - 1 }),
      );
    }
    for (let i = 0; i < tickets.length; i += 100) {
      await Promise.all(tickets.slice(i, i + 100).map((body) => queue.publish(outboundPushQueue, body)));
    }
    return tickets.length;
  }

  private async move(
    push: PushJob,
    from: readonly PushState[],
    to: PushState,
    extra: { reason?: string; scheduledAt?: number },
  ): Promise<void> {
    const moved = await this.options.pushes.transition(push.id, from, to, { ...extra, now: this.options.clock() });
    if (!moved) {
      const now = await this.require(push.id);
      throw new AppError(ErrorCode.conflict, `push ${push.id} is ${now.state}; cannot go to ${to}`);
    }
  }

  private async require(id: number): Promise<PushJob> {
    const push = await this.options.pushes.get(id);
    if (push === undefined) throw new AppError(ErrorCode.notFound, `push ${id} does not exist`);
    return push;
  }
}
