import { massSendJobFinishEvent, templateSendJobFinishEvent } from '@mpstack/common/wechat';
import Denque from 'denque';
import type { Clock } from '../clock.js';
import type { MassSendRecord } from '../mass/mass-store.js';
import { keepAliveFetch } from '../sender/keep-alive-fetch.js';
import { sendToAccount } from '../sender/send-to-account.js';
import type { FetchLike } from '../sender/sender.types.js';
import type { TemplateSendRecord } from '../template/template-store.js';
import { callbackUrlOf, originalIdOf, type SimAccount } from '../types.js';
import type { CallbackOutcome } from './callback-state.js';

export interface CallbackDispatcherOptions {
  readonly clock: Clock;
  /** Ingress base URL: events go to `<base>/wx/<account id>` unless the account sets `callbackUrl`. */
  readonly callbackBaseUrl?: string;
  readonly timeoutMs?: number;
  /** How the events are posted; by default a keep-alive pool of `concurrency` sockets per callback origin. */
  readonly fetchImpl?: FetchLike;
  /** Event pushes in flight at once (the rest wait their turn, in order); 32 by default. */
  readonly concurrency?: number;
}

const defaultConcurrency = 32;

/**
 * Pushes asynchronous events (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) to accounts, signed and
 * encrypted like any message push, after the API call that caused them has answered — each
 * event its own POST, as WeChat sends them, over kept-alive connections, at most
 * `concurrency` at once (a burst of sends queues its receipts instead of opening a socket per
 * receipt; each delivery's 5 s timeout starts when it is posted).
 * Keeps every scheduled push so {@link CallbackDispatcher.drain} can wait for them on close.
 */
export class CallbackDispatcher {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly fetchImpl: FetchLike;
  private readonly concurrency: number;
  private active = 0;
  /** Taken from the front in O(1): `Array#shift` moves every element — a 1,000,000-send push's
   * receipts queued behind 32 slots spent 70 % of the simulator's CPU there. */
  private readonly waiting = new Denque<() => void>();

  constructor(private readonly options: CallbackDispatcherOptions) {
    this.concurrency = Math.max(1, options.concurrency ?? defaultConcurrency);
    this.fetchImpl = options.fetchImpl ?? keepAliveFetch(this.concurrency);
  }

  callbackUrl(account: SimAccount): string | undefined {
    const base = this.options.callbackBaseUrl;
    return account.callbackUrl === undefined && base === undefined ? undefined : callbackUrlOf(account, base ?? '');
  }

  /** Schedules the delivery event of a template send and records its outcome on `record`. */
  templateFinished(account: SimAccount, record: TemplateSendRecord): void {
    this.push(account, record, () =>
      templateSendJobFinishEvent({
        from: record.openid,
        to: originalIdOf(account),
        createTime: Math.floor(this.options.clock() / 1000),
        msgId: record.msgid,
        status: record.status,
      }),
    );
  }

  /**
   * Schedules the result event of a mass send. WeChat sends it from the mass-send helper
   * (`FromUserName` "mphelper" in the event's field table), not from a user.
   */
  massFinished(account: SimAccount, record: MassSendRecord): void {
    this.push(account, record, () =>
      massSendJobFinishEvent({
        from: 'mphelper',
        to: originalIdOf(account),
        createTime: Math.floor(this.options.clock() / 1000),
        msgId: record.msgId,
        status: record.result.status,
        totalCount: record.result.totalCount,
        filterCount: record.result.filterCount,
        sentCount: record.result.sentCount,
        errorCount: record.result.errorCount,
        isArticle: record.msgtype === 'mpnews',
      }),
    );
  }

  private push(account: SimAccount, record: CallbackOutcome, build: () => string): void {
    const url = this.callbackUrl(account);
    if (url === undefined) {
      record.callback = 'skipped';
      return;
    }
    const xml = build();
    this.track(async () => {
      try {
        const report = await sendToAccount({
          url,
          account,
          xml,
          clock: this.options.clock,
          ...(this.options.timeoutMs === undefined ? {} : { timeoutMs: this.options.timeoutMs }),
          fetchImpl: this.fetchImpl,
        });
        record.callbackStatuses = report.deliveries.map((delivery) => delivery.status);
        record.callback = report.deliveries.some(isSuccess) ? 'delivered' : 'failed';
      } catch {
        record.callback = 'failed';
      }
    });
  }

  /** Resolves when every push scheduled so far has finished. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private track(task: () => Promise<void>): void {
    const promise = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.acquire())
      .then(() => task().finally(() => this.release()))
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }

  private acquire(): Promise<void> | undefined {
    if (this.active < this.concurrency) {
      this.active += 1;
      return undefined;
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** Hands the slot to the next waiting push, or frees it. */
  private release(): void {
    const next = this.waiting.shift();
    if (next === undefined) this.active -= 1;
    else next();
  }
}

function isSuccess(delivery: { readonly status: number | null }): boolean {
  return delivery.status !== null && delivery.status >= 200 && delivery.status < 300;
}
