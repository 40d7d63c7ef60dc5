import type { CallbackOutcome } from '../callbacks/callback-state.js';
import { IdempotencyMap } from '../shared/idempotency-map.js';
import { QuotaCounter } from '../shared/quota-counter.js';

/** The counts of a finished mass send, as `MASSSENDJOBFINISH` carries them. */
export interface MassSendResult {
  readonly status: 'send success' | 'send fail';
  readonly totalCount: number;
  readonly filterCount: number;
  readonly sentCount: number;
  readonly errorCount: number;
}

/** One accepted mass send. */
export interface MassSendRecord extends CallbackOutcome {
  readonly msgId: number;
  readonly msgDataId: number;
  readonly appId: string;
  readonly clientmsgid: string | undefined;
  readonly msgtype: string;
  readonly touser: readonly string[];
  readonly at: number;
  /** What the `MASSSENDJOBFINISH` push reports (see mass.router.ts for how they are counted). */
  readonly result: MassSendResult;
  /** How the audience was chosen: an openid list (mass/send), everyone or a tag (sendall). */
  readonly audience: 'openids' | 'all' | { readonly tagId: number };
  /** Set by mass/delete; mass/get then reports `DELETE`. */
  isDeleted: boolean;
}

/**
 * Mass sends, the per-minute and per-user-monthly counters, and the msg ids per
 * `appId:clientmsgid`.
 */
export class MassStore {
  private readonly sends: MassSendRecord[] = [];
  readonly quota = new QuotaCounter();
  readonly clientIds = new IdempotencyMap<{ readonly msgId: number; readonly msgDataId: number }>();
  /** Each account's mass-send speed level (speed/set); sends ignore it. */
  readonly speeds = new Map<string, number>();

  add(record: MassSendRecord): void {
    this.sends.push(record);
  }

  find(appId: string, msgId: number): MassSendRecord | undefined {
    return this.sends.find((record) => record.appId === appId && record.msgId === msgId);
  }

  list(appId?: string): readonly MassSendRecord[] {
    return this.sends.filter((record) => appId === undefined || record.appId === appId);
  }

  reset(): void {
    this.sends.length = 0;
    this.quota.reset();
    this.clientIds.clear();
    this.speeds.clear();
  }
}
