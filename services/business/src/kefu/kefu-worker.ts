import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_RETRY_BACKOFF } from '@mpstack/common/adapters';
import {
  decodeKefuJob,
  type KefuJobMessage,
  type KefuJobSend,
  outboundKefuQueue,
  SEND_REFUSALS,
  type SendRefusal,
} from '@mpstack/common/contracts';
import type { Logger } from '@mpstack/common/logging';
import type { Consumer, HandlerOutcome, QueuePort } from '@mpstack/common/ports';
import { errcodeOf, isMaybeDelivered, type OutboundApi } from '../wechat/outbound-api.js';
import type { KefuOutcome, KefuRepository } from './kefu.repository.js';

/** Why a send left `sending` by someone else is not sent again. */
const inDoubt =
  'the send was being attempted when its worker stopped or its job was delivered again; ' +
  'it may have reached WeChat and is not sent again (a customer-service message has no idempotency key)';

/**
 * What a failed customer-service call means: `retry` only when nothing went out (no host took
 * the connection, no token, the coordination store down), `unknown` when it may have reached
 * WeChat (never repeated), else `failed` with WeChat's errcode or the local refusal.
 */
export function kefuOutcomeOf(error: unknown): KefuOutcome | { readonly status: 'retry'; readonly errmsg: string } {
  const errmsg = error instanceof Error ? error.message : String(error);
  const errcode = errcodeOf(error);
  if (errcode !== undefined) {
    const reason = (error as { reason?: unknown }).reason;
    const isRefusal = SEND_REFUSALS.includes(reason as SendRefusal);
    return { status: 'failed', errcode, errmsg, ...(isRefusal ? { reason: reason as string } : {}) };
  }
  if (isMaybeDelivered(error)) return { status: 'unknown', errmsg };
  const code = (error as { code?: unknown } | null)?.code;
  // An account deleted meanwhile, a message WeChat's client cannot encode: nothing to retry.
  if (code === 'not_found' || code === 'bad_request') return { status: 'failed', errcode: null, errmsg };
  return { status: 'retry', errmsg };
}

/**
 * Executes customer-service sends from `mpstack.outbound.kefu` (prefetch). A send is claimed
 * (`queued → sending`, one worker) before its call and its outcome recorded before the ack. It
 * has no idempotency key, so it is sent at most once: a delivery that finds it already `sending`
 * (its worker died mid-call, or the job was queued twice) records it `unknown` instead of sending;
 * a call that may have reached WeChat is `unknown`; only a call that certainly did not go out is
 * put back to `queued` and retried. The 48-hour window and its budget are the client's: a refusal
 * there (45015 / 45047, never sent) and WeChat's own 45015 are recorded `failed` with the reason.
 */
export class KefuWorker {
  private consumer: Consumer | undefined;
  /** Ends the back-off waits at close. */
  private readonly closing = new AbortController();

  constructor(
    private readonly options: {
      readonly kefu: KefuRepository;
      readonly api: OutboundApi;
      readonly queue: QueuePort;
      readonly logger: Logger;
      readonly prefetch: number;
      readonly clock?: () => number;
      /**
       * Wait before a call that did not go out is tried again: 1 s, doubling per attempt to a
       * minute. Each attempt takes one of the window's sends and the client gives it back when
       * the call certainly did not go out, so an outage does not use up the follower's budget.
       */
      readonly retryDelayMs?: number;
    },
  ) {}

  async start(): Promise<void> {
    this.consumer = await this.options.queue.consume(outboundKefuQueue, (delivery) => this.handle(delivery.body), {
      prefetch: this.options.prefetch,
    });
  }

  async close(): Promise<void> {
    this.closing.abort();
    await this.consumer?.cancel();
  }

  private async handle(body: Buffer): Promise<HandlerOutcome> {
    let job: KefuJobMessage;
    try {
      job = decodeKefuJob(body);
    } catch (error) {
      return { action: 'dead-letter', reason: (error as Error).message };
    }
    const clock = this.options.clock ?? Date.now;
    const { kefu } = this.options;
    const { sendId } = job;
    try {
      const send = await this.claim(job, clock);
      if ('action' in send) return send;
      const outcome = await this.options.api
        .sendCustom(send.account, { touser: send.openId, ...send.message })
        .then((): KefuOutcome => ({ status: 'sent' }), kefuOutcomeOf);
      if (outcome.status === 'retry') return await this.retryLater(sendId, new Error(outcome.errmsg), clock, true);
      await kefu.record(sendId, outcome, clock());
      return { action: 'ack' };
    } catch (error) {
      return this.retryLater(sendId, error, clock, false);
    }
  }

  /**
   * Holds the job for the back-off, then has it requeued. A call that certainly did not go out
   * puts the send back to `queued` first, stamped with the time its next attempt is due (its
   * `updated_at`): the sweeper queues again a send left `queued` for `stallMs` past that stamp,
   * and this one's job is not lost — it is held here, then requeued (after the consumer's own
   * back-off, at most {@link DEFAULT_RETRY_BACKOFF}`.maxMs`). Stamped with the release time
   * instead, a back-off longer than `stallMs` had the sweeper queue a second job; whichever job
   * found the send claimed by the other recorded it `unknown`, and it was never sent.
   */
  private async retryLater(
    sendId: number,
    error: unknown,
    clock: () => number,
    isNotSent: boolean,
  ): Promise<HandlerOutcome> {
    const { kefu } = this.options;
    // The attempts made, read only on this path (the claim counts them).
    const attempts = (await kefu.get(sendId).catch(() => undefined))?.attempts ?? 0;
    const delay = Math.min(60_000, (this.options.retryDelayMs ?? 1000) * 2 ** Math.max(0, attempts - 1));
    this.options.logger.warn({ err: error, sendId, attempts }, 'customer-service send not completed; retried');
    if (isNotSent) {
      // Left `sending` when this fails: the job delivered again records it `unknown` (safe).
      await kefu.release(sendId, clock() + delay + DEFAULT_RETRY_BACKOFF.maxMs).catch((releaseError: unknown) => {
        this.options.logger.warn({ err: releaseError, sendId }, 'customer-service send not put back to queued');
      });
    }
    await sleep(delay, undefined, { signal: this.closing.signal }).catch(() => undefined);
    return { action: 'retry' };
  }

  /**
   * Claims the send (`queued → sending`, one statement) and returns what to send: the job's copy
   * of the send, or the row when the job has none (the sweeper's). A send that was not queued is
   * not sent: one found `sending` (its worker died mid-call, or its job was delivered twice) is
   * recorded `unknown`, a settled one is acked, a missing one dead-lettered — read only then.
   */
  private async claim(job: KefuJobMessage, clock: () => number): Promise<KefuJobSend | HandlerOutcome> {
    const { kefu } = this.options;
    const isClaimed = await kefu.claim(job.sendId, clock());
    if (isClaimed && job.send !== undefined) return job.send;
    const row = await kefu.get(job.sendId);
    if (row === undefined)
      return { action: 'dead-letter', reason: `customer-service send ${job.sendId} does not exist` };
    if (isClaimed) return { account: row.account, openId: row.openId, message: row.message };
    if (row.status === 'sending') await kefu.record(row.id, { status: 'unknown', errmsg: inDoubt }, clock());
    return { action: 'ack' };
  }
}
