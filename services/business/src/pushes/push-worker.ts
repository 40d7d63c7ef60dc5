import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { decodePushTicket, outboundPushQueue, type PushTicket } from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import type { Telemetry } from '@mpstack/common/telemetry';
import type { ReceiptRepository } from '../receipts/receipt.repository.js';
import { compileFields, type FieldRenderer } from '../templates/template-fields.js';
import { classifyFailure, type OutboundApi, type TemplateMessage } from '../wechat/outbound-api.js';
import type { PushRepository } from './push.repository.js';
import type { ClaimedRecipient, PushJob, SendResult } from './push.types.js';

export interface PushWorkerSettings {
  /** Tickets (chunks) handled at once. */
  readonly prefetch: number;
  /** Recipients claimed and sent together (each batch: claim, concurrent sends, one recording transaction). */
  readonly batchSize: number;
  /**
   * How long a claim protects a recipient left `sending` from other workers. A live worker renews
   * its claims every third of it while their sends are in flight, however long the account's
   * rate makes them take, so only a dead (or stalled) worker's rows are taken over.
   */
  readonly leaseMs: number;
  /**
   * WeChat's client_msg_id window (10 min, the template send doc) minus a margin: within it a
   * resend returns the first msgid without sending again.
   */
  readonly idempotencyWindowMs: number;
}

export const defaultPushWorkerSettings: PushWorkerSettings = {
  prefetch: 4,
  batchSize: 100,
  leaseMs: 60_000,
  idempotencyWindowMs: 9 * 60_000,
};

export interface PushWorkerOptions {
  readonly pushes: PushRepository;
  readonly receipts: ReceiptRepository;
  readonly api: OutboundApi;
  readonly queue: QueuePort;
  readonly logger: Logger;
  readonly meter: Telemetry['meter'];
  readonly clock?: () => number;
  readonly settings?: Partial<PushWorkerSettings>;
  /** Called once when a push completes (its e-mail). */
  readonly onFinished?: (push: PushJob) => Promise<void>;
  /**
   * The account's template sends per second (its own rate, else the deployment's; undefined when
   * off): a batch is made no larger than half a lease's sends at that rate shared by the
   * prefetch's batches, so a slow account's batch is recorded (and its progress seen) within the lease.
   */
  readonly templateRateOf?: (account: string) => Promise<number | undefined>;
}

type Attempt =
  | { readonly kind: 'result'; readonly result: SendResult }
  | { readonly kind: 'stop'; readonly seq: number; readonly reason: string }
  | { readonly kind: 'unknown'; readonly seq: number; readonly reason: string };

/** What handling a ticket came to. */
type TicketOutcome = 'done' | 'stopped' | 'in-doubt';

/** The client_msg_id of a push recipient's send: stable across attempts and workers. */
export function pushClientMsgId(pushId: number, seq: number): string {
  return `p${pushId}-${seq}`;
}

/**
 * Executes push tickets: each is a chunk of recipients, sent batch by batch —
 *
 *   claim (`pending → sending`, committed) → send (client_msg_id = p<push>-<seq>) → record
 *   (`sent` with msgid | `failed` with errcode, and the push's counters, one transaction) → ack
 *
 * A recipient is claimed before its send, so after a crash the only recipients whose fate is
 * unknown are those left `sending`. They are settled before anything else of their chunk
 * (see {@link settleInDoubt}): by their receipt when one came, else by sending again with the
 * same client_msg_id — which WeChat turns into the first msgid, not a second message, within
 * 10 minutes of the first attempt (docs/architecture.md §4, "Exactly once per recipient").
 */
export class PushWorker {
  private readonly settings: PushWorkerSettings;
  private readonly clock: () => number;
  /** This process's claims start with it; a claim of another prefix is another worker's. */
  private readonly workerId = `w${randomBytes(5).toString('hex')}`;
  private claimCounter = 0;
  /** Claims whose sends are in flight in this process (never taken over by this process). */
  private readonly inFlight = new Set<string>();
  private readonly renderers = new Map<number, FieldRenderer>();
  private consumer: Consumer | undefined;
  private readonly sends: ReturnType<Telemetry['meter']['createCounter']>;
  private closing = false;

  constructor(private readonly options: PushWorkerOptions) {
    this.settings = { ...defaultPushWorkerSettings, ...options.settings };
    this.clock = options.clock ?? Date.now;
    this.sends = options.meter.createCounter('mpstack_push_sends_total', {
      description: 'Push recipients settled, by outcome (sent, failed, stopped, in_doubt, resolved_by_receipt)',
    });
  }

  async start(): Promise<void> {
    this.consumer = await this.options.queue.consume(outboundPushQueue, (delivery) => this.handle(delivery.body), {
      prefetch: this.settings.prefetch,
    });
  }

  async close(): Promise<void> {
    this.closing = true;
    await this.consumer?.cancel();
  }

  private async handle(body: Buffer): Promise<HandlerOutcome> {
    let ticket: PushTicket;
    try {
      ticket = decodePushTicket(body);
    } catch (error) {
      return { action: 'dead-letter', reason: (error as Error).message };
    }
    try {
      const outcome = await this.process(ticket);
      if (outcome === 'in-doubt') {
        // Sends WeChat may have taken stay claimed; the ticket comes back after a pause.
        await sleep(this.closing ? 0 : 1000);
        return { action: 'retry' };
      }
      return { action: 'ack' };
    } catch (error) {
      this.options.logger.warn({ err: error, ticket }, 'push ticket failed; retried');
      await sleep(this.closing ? 0 : 1000);
      return { action: 'retry' };
    }
  }

  /**
   * Handles one chunk until it has nothing left to send, the push stops, or sends are in doubt.
   * The push is read once: each batch's claim takes recipients only while the push is running,
   * so a pause or cancel stops the next batch. The claims move forward from the last one (a
   * recipient before it is claimed or settled; one given back pending stopped the push).
   */
  async process(ticket: PushTicket): Promise<TicketOutcome> {
    const { pushes } = this.options;
    const push = await pushes.get(ticket.pushId);
    if (push === undefined || push.state !== 'running') return 'done';
    const renderer = this.rendererOf(push);
    const settled = await this.settleInDoubt(push, renderer, ticket);
    if (settled !== 'done') return settled;
    const batchSize = await this.batchSizeOf(push.account);
    let fromSeq = ticket.fromSeq;
    for (;;) {
      if (this.closing) return 'in-doubt';
      const token = this.nextToken();
      const range = { fromSeq, toSeq: ticket.toSeq };
      const outcome = await this.holding(token, async () => {
        const claimed = await pushes.claimNext(push.id, range, batchSize, token, this.clock());
        if (claimed.length === 0) return 'empty';
        fromSeq = (claimed.at(-1)?.seq ?? fromSeq) + 1;
        return this.sendBatch(push, renderer, claimed, token);
      });
      if (outcome === 'empty') break;
      if (outcome !== 'done') return outcome;
    }
    await this.completeIfDone(push);
    return 'done';
  }

  /**
   * Recipients of this chunk left `sending`. A claim of a live worker of this process (in
   * flight) is left alone; another worker's claim only after its lease ran out (it died, or
   * its sends hung beyond any timeout). Each such recipient is:
   * 1. `sent` when a `TEMPLATESENDJOBFINISH` of its openid arrived after its first attempt with
   *    a msgid no recorded send has — WeChat took it;
   * 2. otherwise sent again with the same client_msg_id: within 10 minutes of the first attempt
   *    WeChat answers with the first msgid and sends nothing; later (no receipt after that long
   *    means WeChat most likely never took it) it is a new send — the one case that can
   *    duplicate, logged and counted as `resent_after_window`.
   */
  private async settleInDoubt(push: PushJob, renderer: FieldRenderer, ticket: PushTicket): Promise<TicketOutcome> {
    for (;;) {
      const now = this.clock();
      const rows = await this.options.pushes.sendingRows(push.id, ticket.fromSeq, ticket.toSeq);
      const takeable = rows.filter(
        (row) =>
          !this.inFlight.has(row.claimedBy) &&
          (row.claimedBy.startsWith(`${this.workerId}.`) || row.claimedAt <= now - this.settings.leaseMs),
      );
      if (takeable.length === 0) {
        if (rows.length === 0) return 'done';
        // Held by a claim still within its lease: wait for it to end (bounded by the lease).
        const until = Math.min(...rows.map((row) => row.claimedAt)) + this.settings.leaseMs;
        if (this.closing) return 'in-doubt';
        await sleep(Math.max(100, Math.min(until - now + 50, 5000)));
        continue;
      }
      const token = this.nextToken();
      const outcome = await this.holding(token, async () => {
        const claimed = await this.options.pushes.reclaim(push.id, takeable, token, now);
        const byReceipt = await this.resolveByReceipts(push, claimed);
        if (byReceipt.length > 0) {
          await this.options.pushes.record(push, token, byReceipt, this.clock());
          this.sends.add(byReceipt.length, { outcome: 'resolved_by_receipt' });
        }
        const resolved = new Set(byReceipt.map((r) => r.seq));
        const resend = claimed.filter((r) => !resolved.has(r.seq));
        const late = resend.filter((r) => r.firstAttemptAt < now - this.settings.idempotencyWindowMs);
        if (late.length > 0) {
          this.sends.add(late.length, { outcome: 'resent_after_window' });
          this.options.logger.warn(
            { push: push.id, seqs: late.map((r) => r.seq) },
            'recipients in doubt past the client_msg_id window and without a receipt: sent again',
          );
        }
        return this.sendBatch(push, renderer, resend, token);
      });
      if (outcome !== 'done') return outcome;
    }
  }

  private async resolveByReceipts(push: PushJob, claimed: readonly ClaimedRecipient[]): Promise<SendResult[]> {
    if (claimed.length === 0) return [];
    const since = Math.min(...claimed.map((r) => r.firstAttemptAt)) - 2000;
    const receipts = await this.options.receipts.unmatchedTemplateReceipts(
      push.account,
      claimed.map((r) => r.openId),
      since,
    );
    const results: SendResult[] = [];
    for (const recipient of claimed) {
      const receipt = receipts.find(
        (r) => r.openId === recipient.openId && r.at >= Math.floor(recipient.firstAttemptAt / 1000) * 1000 - 1000,
      );
      if (receipt !== undefined) results.push({ seq: recipient.seq, state: 'sent', msgid: receipt.msgid });
    }
    return results;
  }

  /**
   * Sends a claimed batch at once (the client's token bucket paces it), then records the
   * answers. A send whose answer is unknown is tried again with the same client_msg_id
   * (safe: WeChat de-duplicates it) a few times; still unknown, it stays `sending` and the
   * ticket returns later. A refusal that stops the push gives that recipient back.
   */
  private async sendBatch(
    push: PushJob,
    renderer: FieldRenderer,
    claimed: readonly ClaimedRecipient[],
    token: string,
  ): Promise<TicketOutcome> {
    if (claimed.length === 0) return 'done';
    const renewal = this.keepClaimed(push.id, token, claimed);
    try {
      return await this.sendRounds(push, renderer, claimed, token);
    } finally {
      renewal.stop();
    }
  }

  private async sendRounds(
    push: PushJob,
    renderer: FieldRenderer,
    claimed: readonly ClaimedRecipient[],
    token: string,
  ): Promise<TicketOutcome> {
    let todo = claimed;
    let stop: string | undefined;
    for (let round = 0; todo.length > 0 && round < 4; round++) {
      if (round > 0) await sleep(250 * 2 ** round);
      const attempts = await Promise.all(todo.map((recipient) => this.sendOne(push, renderer, recipient)));
      const results = attempts.flatMap((a) => (a.kind === 'result' ? [a.result] : []));
      await this.options.pushes.record(push, token, results, this.clock());
      const sent = results.filter((r) => r.state === 'sent').length;
      if (sent > 0) this.sends.add(sent, { outcome: 'sent' });
      if (results.length > sent) this.sends.add(results.length - sent, { outcome: 'failed' });
      const stops = attempts.flatMap((a) => (a.kind === 'stop' ? [a] : []));
      if (stops.length > 0) stop ??= stops[0]?.reason;
      const unknown = new Set(attempts.flatMap((a) => (a.kind === 'unknown' ? [a.seq] : [])));
      todo = stop === undefined ? todo.filter((r) => unknown.has(r.seq)) : [];
      if (stop !== undefined) {
        // Refused (not sent) and never tried: back to pending. In-doubt ones stay claimed.
        const refused = stops.map((s) => s.seq);
        await this.options.pushes.release(push.id, token, refused);
        this.sends.add(refused.length, { outcome: 'stopped' });
      } else if (unknown.size > 0 && round === 3) {
        this.sends.add(unknown.size, { outcome: 'in_doubt' });
        return 'in-doubt';
      }
    }
    if (stop !== undefined) {
      if (await this.options.pushes.transition(push.id, ['running'], 'paused', { reason: stop, now: this.clock() })) {
        this.options.logger.warn({ push: push.id, reason: stop }, 'push paused');
      }
      return 'stopped';
    }
    return 'done';
  }

  private async sendOne(push: PushJob, renderer: FieldRenderer, recipient: ClaimedRecipient): Promise<Attempt> {
    const rendered = renderer.render(recipient.values);
    if ('error' in rendered) {
      return {
        kind: 'result',
        result: {
          seq: recipient.seq,
          state: 'failed',
          errcode: 47003,
          errmsg: `refused before sending: ${rendered.error}`,
        },
      };
    }
    try {
      // Built without spreads: one per recipient.
      const clientMsgId = pushClientMsgId(push.id, recipient.seq);
      const message: TemplateMessage =
        push.url === null
          ? { touser: recipient.openId, template_id: push.templateId, data: rendered.data, client_msg_id: clientMsgId }
          : {
              touser: recipient.openId,
              template_id: push.templateId,
              url: push.url,
              data: rendered.data,
              client_msg_id: clientMsgId,
            };
      const msgid = await this.options.api.sendTemplate(push.account, message);
      return { kind: 'result', result: { seq: recipient.seq, state: 'sent', msgid } };
    } catch (error) {
      const failure = classifyFailure(error);
      if (failure.kind === 'recipient') {
        const errmsg = error instanceof Error ? error.message : String(error);
        return { kind: 'result', result: { seq: recipient.seq, state: 'failed', errcode: failure.errcode, errmsg } };
      }
      if (failure.kind === 'stop') return { kind: 'stop', seq: recipient.seq, reason: failure.reason };
      return { kind: 'unknown', seq: recipient.seq, reason: failure.reason };
    }
  }

  /**
   * Renews `token`'s claim on `claimed` every third of the lease until stopped: at a low template
   * rate (an account's own, e.g. 1 send/s) a batch's sends outlast the lease, and another worker
   * handed the chunk again (the sweeper, a redelivery) would take the rows over and call WeChat a
   * second time for them (the same client_msg_id, so WeChat de-duplicates within 10 minutes — a
   * double call all the same, and a duplicate past the window). A renewal that fails (the
   * database away) is logged and tried at the next tick; the lease covers two of them.
   */
  private keepClaimed(pushId: number, token: string, claimed: readonly ClaimedRecipient[]): { stop(): void } {
    const range = { fromSeq: claimed[0]?.seq ?? 0, toSeq: claimed.at(-1)?.seq ?? 0 };
    let renewing = false;
    const timer = setInterval(
      () => {
        if (renewing) return;
        renewing = true;
        this.options.pushes
          .renewClaim(pushId, token, range, this.clock())
          .catch((error: unknown) =>
            this.options.logger.warn({ err: error, push: pushId, token }, 'push claim not renewed; tried again'),
          )
          .finally(() => {
            renewing = false;
          });
      },
      Math.max(50, Math.floor(this.settings.leaseMs / 3)),
    );
    timer.unref();
    return { stop: () => clearInterval(timer) };
  }

  /** The batch size for the account's rate ({@link PushWorkerOptions.templateRateOf}); the setting when unknown or off. */
  private async batchSizeOf(account: string): Promise<number> {
    const rate = await this.options.templateRateOf?.(account).catch(() => undefined);
    if (rate === undefined) return this.settings.batchSize;
    const withinLease = Math.floor((rate * this.settings.leaseMs) / 1000 / 2 / this.settings.prefetch);
    return Math.max(1, Math.min(this.settings.batchSize, withinLease));
  }

  private async completeIfDone(push: PushJob): Promise<void> {
    if (await this.options.pushes.hasRemaining(push.id)) return;
    if (!(await this.options.pushes.transition(push.id, ['running'], 'completed', { now: this.clock() }))) return;
    this.renderers.delete(push.id);
    const done = await this.options.pushes.get(push.id);
    this.options.logger.info({ push: push.id, sent: done?.sent, failed: done?.failed }, 'push completed');
    if (done !== undefined) {
      await this.options
        .onFinished?.(done)
        .catch((error: unknown) =>
          this.options.logger.error({ err: error, push: push.id }, 'push finish notification failed'),
        );
    }
  }

  private rendererOf(push: PushJob): FieldRenderer {
    let renderer = this.renderers.get(push.id);
    if (renderer === undefined) {
      renderer = compileFields(push.fields, push.columns ?? []);
      this.renderers.set(push.id, renderer);
    }
    return renderer;
  }

  /** Runs `work` with `token` marked in flight, so no handler of this process takes its rows over. */
  private async holding<T>(token: string, work: () => Promise<T>): Promise<T> {
    this.inFlight.add(token);
    try {
      return await work();
    } finally {
      this.inFlight.delete(token);
    }
  }

  private nextToken(): string {
    this.claimCounter += 1;
    return `${this.workerId}.${this.claimCounter}`;
  }
}
