import { serviceWindowKey } from '../contracts/service-window.js';
import type { CoordinationPort } from '../ports/coordination.js';
import { WeChatLocalRefusal } from '../wechat/api-errors.js';
import type { RateFamily, RateSetting } from './config.js';

/**
 * WeChat's documented daily limits per API (the team's protocol notes): template sends
 * 100 000 a day by default (raised for large accounts — configure the account's real limit),
 * `/cgi-bin/token` 2 000, `stable_token` 500 000, mass-send previews ~100.
 */
export const DEFAULT_DAILY_QUOTAS: Readonly<Record<string, number>> = {
  sendTemplateMessage: 100_000,
  getAccessToken: 2_000,
  getStableAccessToken: 500_000,
  massPreview: 100,
};

/** One API's daily quota as the console shows it. */
export interface QuotaUsage {
  readonly api: string;
  readonly used: number;
  readonly limit: number;
  /** The Beijing day it counts (`YYYY-MM-DD`); WeChat's quotas reset at Beijing midnight. */
  readonly day: string;
}

const beijingOffsetMs = 8 * 3_600_000;
const twoDaysMs = 2 * 86_400_000;

/** The Beijing calendar day of an instant. */
export function beijingDay(epochMs: number): string {
  return new Date(epochMs + beijingOffsetMs).toISOString().slice(0, 10);
}

/**
 * How long a send that finds the follower's window closed waits before it looks once more and
 * refuses: the ingress writes windows in batches (ServiceWindowRecorder, every 250 ms by
 * default), so a reply to a message the ingress took a moment ago — the usual customer-service
 * answer — can come before its window is written. One flush plus a round trip.
 */
export const SERVICE_WINDOW_SETTLE_MS = 400;

export interface FlowControlOptions {
  readonly coordination: CoordinationPort;
  readonly namespace: string;
  readonly rates: Readonly<Record<RateFamily, RateSetting>>;
  readonly dailyQuotas: Readonly<Record<string, number>>;
  /** The account's own limits (a large account's raised template quota), when the caller knows them. */
  readonly accountQuotas?: (appId: string) => Promise<Readonly<Record<string, number>> | undefined>;
  /** The account's own rates (set in the console), each family's replacing `rates`' when set. */
  readonly accountRates?: (appId: string) => Promise<Readonly<Partial<Record<RateFamily, RateSetting>>> | undefined>;
  readonly serviceWindow: 'enforce' | 'off';
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
}

/** Calls of one quota key waiting to be counted together, in arrival order. */
interface QuotaTally {
  readonly limit: number;
  readonly waiters: { resolve: (verdict: QuotaVerdict) => void; reject: (error: unknown) => void }[];
}

interface QuotaVerdict {
  readonly allowed: boolean;
  readonly used: number;
}

/** Token buckets, daily quotas and customer-service windows, all in the coordination store. */
export class FlowControl {
  /** Quota counts gathered in this event-loop turn, by key. */
  readonly #tallies = new Map<string, QuotaTally>();
  /** The Beijing day of the last count and the instants it spans (see `#today`). */
  #day = { name: '', from: 0, until: 0 };

  constructor(private readonly options: FlowControlOptions) {}

  /**
   * The rate of each family for this appid: the account's own where it has one, else the
   * deployment's. Read at every call, so a change the account's cache heard applies to the
   * next token taken; the bucket's state in the store is kept (its tokens capped by the new burst).
   */
  async ratesOf(appId: string): Promise<Readonly<Record<RateFamily, RateSetting>>> {
    const own = await this.options.accountRates?.(appId);
    return own === undefined ? this.options.rates : { ...this.options.rates, ...own };
  }

  /** Waits until the family's bucket for this appid grants a call (no wait when the rate is off). */
  async throttle(appId: string, family: RateFamily): Promise<void> {
    const own = await this.options.accountRates?.(appId);
    const rate = own?.[family] ?? this.options.rates[family];
    if (rate === 'off') return;
    const key = `${this.options.namespace}rate:${appId}:${family}`;
    for (;;) {
      const wait = await this.options.coordination.takeToken(key, {
        ratePerSecond: rate.perSecond,
        burst: rate.burst,
      });
      if (wait <= 0) return;
      await this.options.sleep(wait);
    }
  }

  /**
   * Counts one call of `api` against today's quota, just before it is attempted; refuses locally
   * when it is used up. The calls of one account and API that reach this point in the same
   * event-loop turn (a push's batch, sent at once) are counted with one round trip
   * (`consumeQuotas`); each still learns before going on whether it was counted — the first
   * ones that fit under the limit are, the rest are refused — so every call that goes out was
   * counted first, and none is counted that is not attempted.
   */
  async consumeQuota(appId: string, api: string): Promise<void> {
    const limit = await this.#limitOf(appId, api);
    if (limit === undefined) return;
    const result = await this.#tally(this.#quotaKey(appId, api), limit);
    if (!result.allowed) {
      throw new WeChatLocalRefusal(api, 'quota_reached', `${result.used} of ${limit} calls used today (Beijing time)`);
    }
  }

  #tally(key: string, limit: number): Promise<QuotaVerdict> {
    return new Promise((resolve, reject) => {
      let tally = this.#tallies.get(key);
      if (tally === undefined) {
        const started: QuotaTally = { limit, waiters: [] };
        this.#tallies.set(key, started);
        setImmediate(() => void this.#count(key, started));
        tally = started;
      }
      tally.waiters.push({ resolve, reject });
    });
  }

  /** One round trip for the calls gathered under `key`; a failure (Redis down) fails each of them. */
  async #count(key: string, tally: QuotaTally): Promise<void> {
    this.#tallies.delete(key);
    try {
      const { granted, used } = await this.options.coordination.consumeQuotas(
        key,
        tally.limit,
        twoDaysMs,
        tally.waiters.length,
      );
      for (const [i, waiter] of tally.waiters.entries()) {
        waiter.resolve(i < granted ? { allowed: true, used: used - granted + i + 1 } : { allowed: false, used });
      }
    } catch (error) {
      for (const waiter of tally.waiters) waiter.reject(error);
    }
  }

  /**
   * WeChat answered 45009: today's quota is used up whatever we counted. Remembered under
   * today's (Beijing) key, so it ends at the next Beijing midnight, when WeChat's ends.
   */
  async fillQuota(appId: string, api: string): Promise<void> {
    const limit = (await this.#limitOf(appId, api)) ?? 1;
    await this.options.coordination.fillQuota(this.#quotaKey(appId, api), limit, twoDaysMs);
  }

  /**
   * A clear_quota succeeded: WeChat set every API's daily counter of the account to 0, so
   * today's counts (a remembered 45009 included) start again from 0.
   */
  async clearQuotas(appId: string): Promise<void> {
    const apis = Object.keys({
      ...DEFAULT_DAILY_QUOTAS,
      ...this.options.dailyQuotas,
      ...(await this.options.accountQuotas?.(appId)),
    });
    await Promise.all(apis.map((api) => this.options.coordination.resetQuota(this.#quotaKey(appId, api))));
  }

  /** Every tracked API's use today, for the console. */
  async usage(appId: string): Promise<QuotaUsage[]> {
    const day = beijingDay(this.options.now());
    const own = await this.options.accountQuotas?.(appId);
    const apis = Object.keys({ ...DEFAULT_DAILY_QUOTAS, ...this.options.dailyQuotas, ...own });
    return Promise.all(
      apis.map(async (api) => ({
        api,
        used: await this.options.coordination.quotaUsed(this.#quotaKey(appId, api)),
        limit: (await this.#limitOf(appId, api)) ?? 0,
        day,
      })),
    );
  }

  /**
   * Takes one customer-service message from the follower's window; refuses what WeChat would
   * refuse. `attempt` (unique per call) lets {@link giveBackServiceWindow} return it. False when
   * the window is not checked (`off`): nothing was taken.
   */
  async takeServiceWindow(appId: string, openId: string, api: string, attempt: string): Promise<boolean> {
    if (this.options.serviceWindow === 'off') return false;
    const key = this.windowKey(appId, openId);
    let verdict = await this.options.coordination.takeServiceWindow(key, attempt);
    if (verdict === 'closed') {
      // Perhaps opened by an interaction whose batch the ingress has not written yet: look once more.
      await this.options.sleep(SERVICE_WINDOW_SETTLE_MS);
      verdict = await this.options.coordination.takeServiceWindow(key, attempt);
    }
    if (verdict === 'closed') {
      throw new WeChatLocalRefusal(
        api,
        'window_closed',
        'the follower has not interacted within the customer-service window (48 h after a message, 1 min after a click, follow or scan), or unfollowed',
      );
    }
    if (verdict === 'exhausted') {
      throw new WeChatLocalRefusal(
        api,
        'window_exhausted',
        "the open window's message budget is used (5 per user message, 3 per click / follow / scan)",
      );
    }
    return true;
  }

  /**
   * The call that took a message with `attempt` certainly did not reach WeChat: give it back
   * (once; never above the window's budget, never to a window that ended or was renewed).
   */
  async giveBackServiceWindow(appId: string, openId: string, attempt: string): Promise<boolean> {
    return this.options.coordination.giveBackServiceWindow(this.windowKey(appId, openId), attempt);
  }

  /** WeChat answered 45015 although our record had a window open: trust WeChat. */
  async closeServiceWindow(appId: string, openId: string): Promise<void> {
    await this.options.coordination.closeServiceWindows(this.windowKey(appId, openId));
  }

  windowKey(appId: string, openId: string): string {
    return serviceWindowKey(appId, openId, this.options.namespace);
  }

  async #limitOf(appId: string, api: string): Promise<number | undefined> {
    const own = await this.options.accountQuotas?.(appId);
    return own?.[api] ?? this.options.dailyQuotas[api] ?? DEFAULT_DAILY_QUOTAS[api];
  }

  #quotaKey(appId: string, api: string): string {
    return `${this.options.namespace}quota:${appId}:${api}:${this.#today()}`;
  }

  /** The Beijing day now, made once per day: every counted call names it (a `Date` and an ISO string otherwise). */
  #today(): string {
    const now = this.options.now();
    const day = this.#day;
    if (now >= day.from && now < day.until) return day.name;
    const from = Math.floor((now + beijingOffsetMs) / 86_400_000) * 86_400_000 - beijingOffsetMs;
    this.#day = { name: beijingDay(now), from, until: from + 86_400_000 };
    return this.#day.name;
  }
}
