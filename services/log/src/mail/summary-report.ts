import type { Db } from '@mpstack/common/db';
import { percentile } from '../query-api.js';

const DAY = 86_400_000;
const SUBSCRIBE = 'event:subscribe';
const UNSUBSCRIBE = 'event:unsubscribe';

/** One period's figures, all from the rollups (the interface failures from their own table). */
export interface PeriodFigures {
  readonly from: number;
  readonly to: number;
  readonly messages: {
    readonly total: number;
    readonly byType: Readonly<Record<string, number>>;
    readonly fast: number;
    readonly queued: number;
    readonly failed: number;
  };
  readonly followers: {
    readonly gained: number;
    readonly lost: number;
    readonly net: number;
    /** By source, from the per-day rollup of the UTC day `sourcesDay`. */
    readonly sources: Readonly<Record<string, number>>;
  };
  readonly topKeywords: readonly { readonly text: string; readonly count: number }[];
  readonly latency: { readonly p50: number | null; readonly p99: number | null };
  readonly interfaceFailures: {
    readonly total: number;
    readonly top: readonly { readonly api: string; readonly errcode: number; readonly count: number }[];
  };
  readonly accounts: readonly {
    readonly account: string;
    readonly messages: number;
    readonly failed: number;
    readonly gained: number;
    readonly lost: number;
  }[];
  /** Start (ms) of the UTC day whose per-day rollup gave the sources and keywords. */
  readonly sourcesDay: number;
}

/**
 * The figures of `[from, to)`: messages by type and class, followers gained and lost (the
 * per-minute rollup's `event:subscribe` / `event:unsubscribe`, so exact for any local day),
 * latency p50/p99 (the per-minute histogram), the accounts with most messages, and the
 * interface calls that failed. Follower sources and keywords exist only per UTC day (the
 * per-day rollup): they come from the UTC day holding `middle` (the local day's noon) — for a
 * day in Asia/Shanghai, the UTC day that starts at 08:00 local time.
 */
export async function periodFigures(
  db: Db,
  from: number,
  to: number,
  middle = from + Math.floor((to - from) / 2),
): Promise<PeriodFigures> {
  const sourcesDay = middle - (middle % DAY);
  const [minuteRows, latencyRows, dayRows, failureRows] = await readRollups(db, from, to, sourcesDay);
  const byType: Record<string, number> = {};
  const accounts = new Map<
    string,
    { account: string; messages: number; failed: number; gained: number; lost: number }
  >();
  let fast = 0;
  let queued = 0;
  let failed = 0;
  for (const r of minuteRows) {
    const total = Number(r.total);
    byType[r.msg_type] = (byType[r.msg_type] ?? 0) + total;
    fast += Number(r.fast);
    queued += Number(r.queued);
    failed += Number(r.failed);
    const a = accounts.get(r.account) ?? { account: r.account, messages: 0, failed: 0, gained: 0, lost: 0 };
    a.messages += total;
    a.failed += Number(r.failed);
    if (r.msg_type === SUBSCRIBE) a.gained += total;
    if (r.msg_type === UNSUBSCRIBE) a.lost += total;
    accounts.set(r.account, a);
  }
  const gained = byType[SUBSCRIBE] ?? 0;
  const lost = byType[UNSUBSCRIBE] ?? 0;
  const sources: Record<string, number> = {};
  const keywords: { text: string; count: number }[] = [];
  for (const r of dayRows) {
    if (r.metric === 'followers_gained') sources[r.dimension] = (sources[r.dimension] ?? 0) + Number(r.count);
    else keywords.push({ text: r.dimension, count: Number(r.count) });
  }
  const failures = failureRows
    .map((r) => ({ api: r.api, errcode: Number(r.errcode), count: Number(r.count) }))
    .sort((a, b) => b.count - a.count);
  const histogram = new Map(latencyRows.map((r) => [Number(r.bucket), Number(r.count)]));
  return {
    from,
    to,
    messages: { total: fast + queued + failed, byType, fast, queued, failed },
    followers: { gained, lost, net: gained - lost, sources },
    topKeywords: keywords.sort((a, b) => b.count - a.count || a.text.localeCompare(b.text)).slice(0, 10),
    latency: { p50: percentile(histogram, 0.5), p99: percentile(histogram, 0.99) },
    interfaceFailures: { total: failures.reduce((sum, f) => sum + f.count, 0), top: failures.slice(0, 5) },
    accounts: [...accounts.values()].sort((a, b) => b.messages - a.messages).slice(0, 10),
    sourcesDay,
  };
}

function readRollups(db: Db, from: number, to: number, sourcesDay: number) {
  return Promise.all([
    db
      .selectFrom('log_rollup_minute')
      .select(['account', 'msg_type'])
      .select((eb) => [
        eb.fn.sum<number>('total').as('total'),
        eb.fn.sum<number>('fast').as('fast'),
        eb.fn.sum<number>('queued').as('queued'),
        eb.fn.sum<number>('failed').as('failed'),
      ])
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .groupBy(['account', 'msg_type'])
      .execute(),
    db
      .selectFrom('log_rollup_latency')
      .select('bucket')
      .select((eb) => eb.fn.sum<number>('count').as('count'))
      .where('minute', '>=', from)
      .where('minute', '<', to)
      .groupBy('bucket')
      .execute(),
    db
      .selectFrom('log_rollup_day')
      .select(['metric', 'dimension'])
      .select((eb) => eb.fn.sum<number>('count').as('count'))
      .where('day', '=', sourcesDay)
      .where('metric', 'in', ['followers_gained', 'keyword'])
      .groupBy(['metric', 'dimension'])
      .execute(),
    db
      .selectFrom('log_interface_calls')
      .select(['api', 'errcode'])
      .select((eb) => eb.fn.countAll<number>().as('count'))
      .where('at', '>=', from)
      .where('at', '<', to)
      .where('errcode', '!=', 0)
      .groupBy(['api', 'errcode'])
      .execute(),
  ]);
}
