import type { FaultStore } from '../faults/fault-store.js';
import { previewDailyLimit } from '../mass/mass.router.js';
import type { SimLimits } from '../types.js';

/** `openapi/quota/get`'s answer for one API and account (get_api_quota). */
export type ApiQuotaReport = {
  readonly quota: { readonly daily_limit: number; readonly used: number; readonly remain: number };
  readonly rate_limit: { readonly call_count: number; readonly refresh_second: number };
  /** Calls made by a third-party platform on the account's behalf: none are simulated. */
  readonly component_rate_limit: { readonly call_count: number; readonly refresh_second: number };
};

/** The daily limits the simulator applies by itself (SimLimits and the features' own constants). */
const builtInDaily: Readonly<Record<string, (limits: SimLimits) => number>> = {
  '/cgi-bin/token': (limits) => limits.tokenDailyQuota,
  '/cgi-bin/message/template/send': (limits) => limits.templateDailyQuota,
  '/cgi-bin/message/mass/preview': () => previewDailyLimit,
};

/** The per-minute limits it applies by itself (Batch_Sends: 60 mass-send requests a minute). */
const builtInPerMinute: Readonly<Record<string, (limits: SimLimits) => number>> = {
  '/cgi-bin/message/mass/send': (limits) => limits.massPerMinute,
  '/cgi-bin/message/mass/sendall': (limits) => limits.massPerMinute,
};

function tightest(...values: readonly (number | undefined)[]): number | undefined {
  const set = values.filter((value): value is number => value !== undefined);
  return set.length === 0 ? undefined : Math.min(...set);
}

/**
 * The quota of `api` for the account: the tightest of the simulator's own limit and a quota set
 * through `/_sim/quotas`. `used` counts today's (Beijing day) successful calls and is what
 * clear_quota sets back to 0. An API without a daily limit reports `daily_limit` 0 and
 * `remain` 0; without a per-minute limit `rate_limit` is 0 calls per 0 s.
 */
export function apiQuotaOf(faults: FaultStore, limits: SimLimits, api: string, appId: string): ApiQuotaReport {
  const set = faults.quotaOf(api, appId);
  const daily = tightest(builtInDaily[api]?.(limits), set.daily);
  const perMinute = tightest(builtInPerMinute[api]?.(limits), set.perMinute);
  const used = faults.usage.used(api, appId);
  return {
    quota: { daily_limit: daily ?? 0, used, remain: daily === undefined ? 0 : Math.max(0, daily - used) },
    rate_limit:
      perMinute === undefined ? { call_count: 0, refresh_second: 0 } : { call_count: perMinute, refresh_second: 60 },
    component_rate_limit: { call_count: 0, refresh_second: 0 },
  };
}
