import { massSendJobFinishEvent, templateSendJobFinishEvent } from '@mpstack/common/wechat';
import type { Clock } from '../clock.js';
import type { MassSendRecord } from '../mass/mass-store.js';
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
  readonly fetchImpl?: FetchLike;
}

/**
 * Pushes asynchronous events (`TEMPLATESENDJOBFINISH`, `MASSSENDJOBFINISH`) to accounts, signed and
 * encrypted like any message push, after the API call that caused them has answered.
 * Keeps every in-flight push so {@link CallbackDispatcher.drain} can wait for them on close.
 */
export class CallbackDispatcher {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly options: CallbackDispatcherOptions) {}

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
          ...(this.options.fetchImpl === undefined ? {} : { fetchImpl: this.options.fetchImpl }),
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
      .then(task)
      .catch(() => undefined)
      .finally(() => this.inFlight.delete(promise));
    this.inFlight.add(promise);
  }
}

function isSuccess(delivery: { readonly status: number | null }): boolean {
  return delivery.status !== null && delivery.status >= 200 && delivery.status < 300;
}
