/** What `openapi/rid/get` reports of a call (api_getridinfo's `request` object). */
export interface RidRecord {
  readonly rid: string;
  /** The account the call was made for (its token's, else its `appid`); '' when unknown. */
  readonly appId: string;
  /** Epoch seconds the call arrived. */
  readonly invokeTime: number;
  readonly costInMs: number;
  /** The query string, as the doc's sample `"request_url": "access_token=…"` shows it. */
  readonly requestUrl: string;
  readonly requestBody: string;
  readonly responseBody: string;
  readonly clientIp: string;
}

/** WeChat keeps a rid's record 7 days (api_getridinfo; older → 76001). */
export const ridRetentionMs = 7 * 86_400_000;

/** The ` rid: …` suffix of an errmsg (wx-errors.ts `requestId`). */
const ridSuffix = / rid: ([0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8})$/;

/** The rid an errmsg ends with, if any. */
export function ridOfErrmsg(errmsg: string): string | undefined {
  return ridSuffix.exec(errmsg)?.[1];
}

/**
 * The calls the simulator answered with a rid (every error answer), for `openapi/rid/get`. Holds
 * the latest `capacity` (10,000 by default): a long run's records stay bounded, and an evicted
 * rid answers 76001 as an expired one does.
 */
export class RidLog {
  private readonly records = new Map<string, RidRecord>();

  constructor(private readonly capacity = 10_000) {}

  record(entry: RidRecord): void {
    this.records.set(entry.rid, entry);
    if (this.records.size > this.capacity) {
      const oldest = this.records.keys().next();
      if (oldest.done !== true) this.records.delete(oldest.value);
    }
  }

  find(rid: string): RidRecord | undefined {
    return this.records.get(rid);
  }

  reset(): void {
    this.records.clear();
  }
}
