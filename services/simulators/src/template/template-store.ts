import type { CallbackOutcome } from '../callbacks/callback-state.js';
import { IdempotencyMap } from '../shared/idempotency-map.js';
import { QuotaCounter } from '../shared/quota-counter.js';

/** One accepted template send and what happened to its delivery event. */
export interface TemplateSendRecord extends CallbackOutcome {
  readonly msgid: number;
  readonly appId: string;
  readonly openid: string;
  readonly templateId: string;
  readonly request: Readonly<Record<string, unknown>>;
  readonly at: number;
  /** The `Status` the delivery event carries. */
  readonly status: 'success' | 'failed:user block';
}

/** Template sends, their daily quota and the msgid per `appId:openid:client_msg_id`. */
export class TemplateStore {
  private readonly sends: TemplateSendRecord[] = [];
  readonly quota = new QuotaCounter();
  readonly clientIds = new IdempotencyMap<number>();

  add(record: TemplateSendRecord): void {
    this.sends.push(record);
  }

  list(appId?: string): readonly TemplateSendRecord[] {
    return this.sends.filter((record) => appId === undefined || record.appId === appId);
  }

  reset(): void {
    this.sends.length = 0;
    this.quota.reset();
    this.clientIds.clear();
  }
}
