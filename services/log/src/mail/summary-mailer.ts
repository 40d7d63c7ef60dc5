import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { type Db, upsertOn } from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import type { CoordinationPort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import nodemailer from 'nodemailer';
import { renderSummary, type SummaryReport } from './summary-render.js';
import { periodFigures } from './summary-report.js';
import { addDays, dateLabel, dayStart, zonedParts } from './zoned-time.js';

const DAY_TTL_SECONDS = 3 * 86_400;
/** How long one replica may take to send before another may take the day over. */
const SEND_LEASE_MS = 120_000;

export interface SummaryMailerOptions {
  readonly db: Db;
  readonly coordination: CoordinationPort;
  readonly logger: Logger;
  readonly meter: Telemetry['meter'];
  readonly clock: () => number;
  /** `smtp://` or `smtps://`, with credentials when the server wants them. */
  readonly smtpUrl: string;
  readonly to: readonly string[];
  readonly from: string;
  /** `HH:MM` local time. */
  readonly at: string;
  readonly timeZone: string;
  /** How often the schedule is looked at (ms). */
  readonly checkMs?: number;
}

/** What one look at the schedule did. */
export type SummaryTick = 'not_due' | 'sent' | 'sent_before' | 'busy' | 'failed';

export interface SentSummary {
  readonly date: string;
  readonly messageId: string;
  readonly subject: string;
}

/**
 * The daily summary e-mail (docs/architecture.md §5a, "Daily summary"): once the local time
 * `at` has passed, the summary of the day before is sent by exactly one replica. The day is
 * claimed through the coordination port like a message (`claimMessage`: a lease, fenced):
 * the holder sends, then records the day in `log_summaries_sent` and stores the message id as
 * the claim's reply, so every other replica — and any replica after a restart, `mpstack dev`'s
 * in-process coordination included, which forgets the claim — finds it sent. A failed send (SMTP down) is logged and
 * counted, the claim released, and the next look (every `checkMs`) tries again — from any
 * replica. A replica that dies mid-send loses the day to another after the lease (2 min).
 */
export class SummaryMailer {
  private readonly transport;
  private readonly holder = `${hostname()}:${process.pid}:${randomUUID()}`;
  private readonly sentDays = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;
  private readonly sent;
  private readonly failures;

  constructor(private readonly options: SummaryMailerOptions) {
    this.transport = nodemailer.createTransport(
      { url: options.smtpUrl, connectionTimeout: 15_000, greetingTimeout: 15_000, socketTimeout: 30_000 },
      { from: options.from },
    );
    this.sent = options.meter.createCounter('mpstack_log_summary_sent_total', {
      description: 'Daily summary e-mails sent',
    });
    this.failures = options.meter.createCounter('mpstack_log_summary_failures_total', {
      description: 'Daily summary e-mails that failed to send (retried at the next look)',
    });
  }

  /** Looks at the schedule now and every `checkMs`. */
  start(): void {
    const look = () => {
      if (this.running !== undefined) return;
      this.running = this.tick()
        .catch((error: unknown) =>
          this.options.logger.error({ err: error }, 'daily summary: look at the schedule failed'),
        )
        .finally(() => {
          this.running = undefined;
        });
    };
    look();
    this.timer = setInterval(look, this.options.checkMs ?? 60_000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
    this.transport.close();
  }

  /** Sends the day before's summary when it is due and no replica has sent it. */
  async tick(): Promise<SummaryTick> {
    const { clock, timeZone, coordination } = this.options;
    const local = zonedParts(clock(), timeZone);
    const [hour, minute] = this.options.at.split(':').map(Number);
    if (local.hour * 60 + local.minute < (hour ?? 0) * 60 + (minute ?? 0)) return 'not_due';
    const day = addDays(local, -1);
    const date = dateLabel(day);
    if (this.sentDays.has(date) || (await this.recordedSent(date))) {
      this.sentDays.add(date);
      return 'sent_before';
    }
    const messageKey = `log-summary:{${date}}`;
    const claim = await coordination.claimMessage({
      messageKey,
      nonceKey: `log-summary-nonce:{${date}}`,
      holder: this.holder,
      leaseMs: SEND_LEASE_MS,
      ttlSeconds: DAY_TTL_SECONDS,
    });
    if (claim.status !== 'claimed') {
      if (claim.status === 'duplicate' && claim.reply !== undefined) {
        this.sentDays.add(date);
        return 'sent_before';
      }
      return 'busy';
    }
    try {
      const sent = await this.sendDay(day, false);
      await this.recordSent(date, sent.messageId);
      await coordination.storeReply(messageKey, sent.messageId, DAY_TTL_SECONDS, claim.fence);
      this.sentDays.add(date);
      return 'sent';
    } catch (error) {
      this.failures.add(1);
      this.options.logger.error(
        { err: error, date, to: this.options.to },
        'daily summary e-mail failed; retried at the next look',
      );
      await coordination.releaseMessage(messageKey, claim.fence).catch(() => undefined);
      return 'failed';
    }
  }

  /** True when the database records the day's summary as sent (by any replica, before any restart). */
  private async recordedSent(date: string): Promise<boolean> {
    const row = await this.options.db
      .selectFrom('log_summaries_sent')
      .select('date')
      .where('date', '=', date)
      .executeTakeFirst();
    return row !== undefined;
  }

  /**
   * Records the day as sent, durably: the coordination claim's reply is gone after a restart
   * of `mpstack dev` (its store is in-process) or a Redis flush, this row is not. A row already
   * there (a replica whose lease ran out while its send went through) is kept.
   */
  private async recordSent(date: string, messageId: string): Promise<void> {
    const { db, clock } = this.options;
    const insert = db
      .insertInto('log_summaries_sent')
      .values({ date, message_id: messageId.slice(0, 255), sent_at: clock() });
    await upsertOn(db, insert, ['date'], 'keep').execute();
  }

  /**
   * Sends a summary now, outside the schedule and its claim (`mpstack dev --send-summary`,
   * `POST /summary/send`): today so far, or yesterday.
   */
  async sendNow(which: 'today' | 'yesterday'): Promise<SentSummary> {
    const local = zonedParts(this.options.clock(), this.options.timeZone);
    return which === 'today' ? this.sendDay(local, true) : this.sendDay(addDays(local, -1), false);
  }

  private async sendDay(day: { year: number; month: number; day: number }, partial: boolean): Promise<SentSummary> {
    const { db, timeZone, clock } = this.options;
    const from = dayStart(day, timeZone);
    const to = partial ? clock() : dayStart(addDays(day, 1), timeZone);
    const previousFrom = dayStart(addDays(day, -1), timeZone);
    const noon = (start: number) => start + 12 * 3_600_000;
    const [current, previous] = await Promise.all([
      periodFigures(db, from, to, noon(from)),
      periodFigures(db, previousFrom, previousFrom + (to - from), noon(previousFrom)),
    ]);
    const report: SummaryReport = { date: dateLabel(day), timeZone, partial, current, previous };
    const mail = renderSummary(report);
    const info = await this.transport.sendMail({
      to: [...this.options.to],
      subject: mail.subject,
      text: mail.text,
      html: mail.html,
    });
    this.sent.add(1);
    this.options.logger.info(
      { date: report.date, partial, to: this.options.to, messageId: info.messageId },
      'daily summary e-mail sent',
    );
    return { date: report.date, messageId: String(info.messageId), subject: mail.subject };
  }
}
