import type { Clock } from '../clock.js';

/** Beijing time (UTC+8, no daylight saving): WeChat's statistics days start at its midnight. */
const beijingOffsetMs = 8 * 3600_000;

/** How many days of counters each account keeps: twice the longest span a query may ask (30 days) and more. */
export const keptDays = 90;

/**
 * `user_source` of getusersummary the simulator can tell apart: 30 a follow through a QR code
 * scan, 0 every other follow (api.json datacubeGetUserSummary notes). Unfollows count under 0.
 */
export type UserSource = 0 | 30;

/**
 * getupstreammsg's `msg_type` of a user message's MsgType: 1 text, 2 image, 3 voice, 4 video,
 * 6 third-party app message / link (datacubeGetUpstreamMsg notes); other types are not counted.
 */
export const upstreamMsgTypes: Readonly<Record<string, number>> = {
  text: 1,
  image: 2,
  voice: 3,
  video: 4,
  shortvideo: 4,
  link: 6,
};

interface DayCounters {
  readonly follows: Map<UserSource, { newUser: number; cancelUser: number }>;
  /** Followers at the end of the day (so far): the count after the day's last change. */
  cumulateUser: number;
  /** msg_type → the day's messages and their distinct senders. */
  readonly upstream: Map<number, { count: number; readonly users: Set<string> }>;
  readonly callbacks: { count: number; failures: number; totalMs: number; maxMs: number };
}

interface AccountCubes {
  /** `YYYY-MM-DD` (Beijing) → that day's counters; at most {@link keptDays} of them. */
  readonly days: Map<string, DayCounters>;
  /** The account's followers now, as follows and unfollows moved it. */
  followers: number;
  /** Followers at the end of the newest day dropped from `days` (what earlier days without a record carry). */
  droppedCumulate: number;
}

/** The Beijing calendar date of an instant, `YYYY-MM-DD`. */
export function beijingDate(ms: number): string {
  return new Date(ms + beijingOffsetMs).toISOString().slice(0, 10);
}

/**
 * What the analytics endpoints (`/datacube/*`) report, counted from what happened in the
 * simulator: follows and unfollows, messages users sent, the pushes made to the account's
 * callback URL — per account and Beijing day, the last {@link keptDays} days only.
 */
export class DatacubeStore {
  private readonly accounts = new Map<string, AccountCubes>();

  constructor(private readonly clock: Clock) {}

  /** A follow (through a QR code or not) or an unfollow, now. */
  recordFollow(appId: string, isSubscribed: boolean, source: UserSource = 0): void {
    const account = this.of(appId);
    const day = this.today(account);
    const follows = day.follows.get(isSubscribed ? source : 0) ?? { newUser: 0, cancelUser: 0 };
    if (isSubscribed) follows.newUser += 1;
    else follows.cancelUser += 1;
    day.follows.set(isSubscribed ? source : 0, follows);
    account.followers += isSubscribed ? 1 : -1;
    day.cumulateUser = account.followers;
  }

  /** A message a user sent to the account (events are not messages here). */
  recordUpstream(appId: string, openid: string, msgType: string): void {
    const type = upstreamMsgTypes[msgType];
    if (type === undefined) return;
    const day = this.today(this.of(appId));
    const counters = day.upstream.get(type) ?? { count: 0, users: new Set<string>() };
    counters.count += 1;
    counters.users.add(openid);
    day.upstream.set(type, counters);
  }

  /** One POST to the account's callback URL: answered 2xx or not, and how long it took. */
  recordCallback(appId: string, isOk: boolean, elapsedMs: number): void {
    const { callbacks } = this.today(this.of(appId));
    callbacks.count += 1;
    if (!isOk) callbacks.failures += 1;
    callbacks.totalMs += elapsedMs;
    callbacks.maxMs = Math.max(callbacks.maxMs, elapsedMs);
  }

  /** getusersummary's rows: the days (and sources) with follows or unfollows. */
  userSummary(appId: string, dates: readonly string[]): Record<string, unknown>[] {
    return this.daysOf(appId, dates).flatMap(({ date, day }) =>
      [...(day?.follows ?? [])]
        .sort(([a], [b]) => a - b)
        .map(([source, { newUser, cancelUser }]) => ({
          ref_date: date,
          user_source: source,
          new_user: newUser,
          cancel_user: cancelUser,
        })),
    );
  }

  /** getusercumulate's rows: every day, the followers at its end. */
  userCumulate(appId: string, dates: readonly string[]): Record<string, unknown>[] {
    const account = this.accounts.get(appId);
    const recorded = [...(account?.days ?? [])].sort(([a], [b]) => a.localeCompare(b));
    return dates.map((date) => {
      const last = recorded.findLast(([day]) => day <= date);
      return { ref_date: date, user_source: 0, cumulate_user: last?.[1].cumulateUser ?? account?.droppedCumulate ?? 0 };
    });
  }

  /** getupstreammsg's rows: the days and message types users sent. */
  upstreamMessages(appId: string, dates: readonly string[]): Record<string, unknown>[] {
    return this.daysOf(appId, dates).flatMap(({ date, day }) =>
      [...(day?.upstream ?? [])]
        .sort(([a], [b]) => a - b)
        .map(([type, { count, users }]) => ({
          ref_date: date,
          msg_type: type,
          msg_user: users.size,
          msg_count: count,
        })),
    );
  }

  /** getinterfacesummary's rows: the days with pushes to the callback URL. */
  interfaceSummary(appId: string, dates: readonly string[]): Record<string, unknown>[] {
    return this.daysOf(appId, dates).flatMap(({ date, day }) =>
      day === undefined || day.callbacks.count === 0
        ? []
        : [
            {
              ref_date: date,
              callback_count: day.callbacks.count,
              fail_count: day.callbacks.failures,
              total_time_cost: day.callbacks.totalMs,
              max_time_cost: day.callbacks.maxMs,
            },
          ],
    );
  }

  reset(): void {
    this.accounts.clear();
  }

  private daysOf(appId: string, dates: readonly string[]): { date: string; day: DayCounters | undefined }[] {
    const days = this.accounts.get(appId)?.days;
    return dates.map((date) => ({ date, day: days?.get(date) }));
  }

  /** Today's counters, made on the day's first record; the oldest day goes past {@link keptDays}. */
  private today(account: AccountCubes): DayCounters {
    const date = beijingDate(this.clock());
    let day = account.days.get(date);
    if (day === undefined) {
      day = {
        follows: new Map(),
        cumulateUser: account.followers,
        upstream: new Map(),
        callbacks: { count: 0, failures: 0, totalMs: 0, maxMs: 0 },
      };
      account.days.set(date, day);
      while (account.days.size > keptDays) {
        // ISO dates sort as days do.
        const [oldest = date] = [...account.days.keys()].sort();
        account.droppedCumulate = account.days.get(oldest)?.cumulateUser ?? account.droppedCumulate;
        account.days.delete(oldest);
      }
    }
    return day;
  }

  private of(appId: string): AccountCubes {
    let account = this.accounts.get(appId);
    if (account === undefined) {
      account = { days: new Map(), followers: 0, droppedCumulate: 0 };
      this.accounts.set(appId, account);
    }
    return account;
  }
}
