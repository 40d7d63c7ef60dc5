import { beijingDay } from '../shared/ids.js';

/**
 * Successful calls of each API per account within the current Beijing day: the `used` that
 * `openapi/quota/get` reports and `clear_quota` sets back to 0. Kept by API, then account, so a
 * call builds no key string (template sends pass through here).
 */
export class DailyUsage {
  private readonly byApi = new Map<string, Map<string, { day: number; used: number }>>();

  constructor(private readonly clock: () => number) {}

  /** Counts one successful call of `api` by `appId` today. */
  count(api: string, appId: string): void {
    const day = beijingDay(this.clock());
    let ofApi = this.byApi.get(api);
    if (ofApi === undefined) {
      ofApi = new Map();
      this.byApi.set(api, ofApi);
    }
    const entry = ofApi.get(appId);
    if (entry === undefined || entry.day !== day) ofApi.set(appId, { day, used: 1 });
    else entry.used += 1;
  }

  /** Successful calls of `api` by `appId` today. */
  used(api: string, appId: string): number {
    const entry = this.byApi.get(api)?.get(appId);
    return entry === undefined || entry.day !== beijingDay(this.clock()) ? 0 : entry.used;
  }

  /** Sets every API's count of the account back to 0. */
  clearAccount(appId: string): void {
    for (const ofApi of this.byApi.values()) ofApi.delete(appId);
  }

  reset(): void {
    this.byApi.clear();
  }
}
