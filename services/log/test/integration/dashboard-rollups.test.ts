import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { InterfaceLogEvent, MessageLogEvent } from '@mpstack/common/contracts';
import {
  createDatabase,
  type Db,
  isMysql,
  LOG_MONTHLY_TABLES,
  LOG_ROLLUP_MINUTE_DAY_TABLES,
  LOG_ROLLUP_SPAN_TABLES,
  migrateToLatest,
  migrations,
  monthStart,
  partitionName,
} from '@mpstack/common/db';
import { createLogger } from '@mpstack/common/logging';
import { createTestDatabase, type TestDatabase } from '@mpstack/testkit';
import fc from 'fast-check';
import { Migrator, sql } from 'kysely';
import {
  coverWindow,
  dashboard,
  defaultStep,
  followerSource,
  LogStore,
  latencyBucket,
  listPartitions,
  loadLogConfig,
  maintainPartitions,
  outcomeClass,
  percentile,
  type RunningLog,
  startLog,
  typeLabel,
} from '../../src/index.js';

const logger = createLogger({ service: 'dashboard-rollups-test', level: 'silent' });
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

describe('the dashboard window cover', () => {
  it('reads whole days from day rows, the partial days from hour rows, the partial hours from minute rows', () => {
    const d = Date.UTC(2026, 11, 1);
    // 22:30 on day 1 to 01:15 on day 4: minutes to 23:00, hours to midnight, two whole days, an hour, minutes.
    assert.deepEqual(coverWindow(d + 22.5 * HOUR, d + 3 * DAY + 75 * MINUTE, DAY), [
      { span: MINUTE, from: d + 22.5 * HOUR, to: d + 23 * HOUR },
      { span: HOUR, from: d + 23 * HOUR, to: d + DAY },
      { span: DAY, from: d + DAY, to: d + 3 * DAY },
      { span: HOUR, from: d + 3 * DAY, to: d + 3 * DAY + HOUR },
      { span: MINUTE, from: d + 3 * DAY + HOUR, to: d + 3 * DAY + 75 * MINUTE },
    ]);
    // No wider than asked: an hourly series never reads day rows.
    assert.deepEqual(coverWindow(d, d + 2 * DAY, HOUR), [{ span: HOUR, from: d, to: d + 2 * DAY }]);
    // Inside one hour: minute rows only.
    assert.deepEqual(coverWindow(d + MINUTE, d + 59 * MINUTE, DAY), [
      { span: MINUTE, from: d + MINUTE, to: d + 59 * MINUTE },
    ]);
    assert.equal(defaultStep(d, d + HOUR), MINUTE);
    assert.equal(defaultStep(d, d + DAY), HOUR);
    assert.equal(defaultStep(d, d + 31 * DAY), DAY);
  });
});

type Bucket = { t: number; byType: Record<string, number>; fast: number; queued: number; failed: number };
type Follower = { day: number; gained: number; lost: number; net: number; sources: Record<string, number> };

/** The series at `step` and the latency percentiles of the events in `[lo, hi)`, from the raw events. */
function rawSeries(events: readonly MessageLogEvent[], lo: number, hi: number, step: number) {
  const buckets = new Map<number, Bucket>();
  const histogram = new Map<number, number>();
  for (const e of events) {
    if (e.at < lo || e.at >= hi) continue;
    const t = e.at - (e.at % step);
    const b = buckets.get(t) ?? { t, byType: {}, fast: 0, queued: 0, failed: 0 };
    const label = typeLabel(e);
    b.byType[label] = (b.byType[label] ?? 0) + 1;
    b[outcomeClass(e.outcome)] += 1;
    buckets.set(t, b);
    const bucket = latencyBucket(e.latencyMs);
    histogram.set(bucket, (histogram.get(bucket) ?? 0) + 1);
  }
  return {
    perMinute: [...buckets.values()].sort((a, b) => a.t - b.t),
    latency: { p50: percentile(histogram, 0.5), p99: percentile(histogram, 0.99) },
  };
}

/** Followers per day and keyword counts of the days that meet `[from, to]`, from the raw events. */
function rawDays(events: readonly MessageLogEvent[], from: number, to: number) {
  const followers = new Map<number, Follower>();
  const keywords = new Map<string, number>();
  for (const e of events) {
    const day = e.at - (e.at % DAY);
    if (day < from - (from % DAY) || day > to) continue;
    if (e.msgType === 'text' && e.content !== undefined) keywords.set(e.content, (keywords.get(e.content) ?? 0) + 1);
    if (e.event !== 'subscribe' && e.event !== 'unsubscribe') continue;
    const f = followers.get(day) ?? { day, gained: 0, lost: 0, net: 0, sources: {} };
    if (e.event === 'subscribe') {
      f.gained += 1;
      const source = followerSource(e);
      f.sources[source] = (f.sources[source] ?? 0) + 1;
    } else f.lost += 1;
    f.net = f.gained - f.lost;
    followers.set(day, f);
  }
  return { followers: [...followers.values()].sort((a, b) => a.day - b.day), keywords };
}

/** The dashboard of `[from, to]` computed from the raw events, the way the rollups promise to answer it. */
function rawDashboard(events: readonly MessageLogEvent[], from: number, to: number, step: number) {
  const { perMinute, latency } = rawSeries(events, from - (from % MINUTE), to - (to % MINUTE) + MINUTE, step);
  const { followers, keywords } = rawDays(events, from, to);
  const sum = (pick: (b: Bucket) => number) => perMinute.reduce((a, b) => a + pick(b), 0);
  const totals = {
    messages: sum((b) => Object.values(b.byType).reduce((x, y) => x + y, 0)),
    fast: sum((b) => b.fast),
    queued: sum((b) => b.queued),
    failed: sum((b) => b.failed),
    gained: followers.reduce((a, f) => a + f.gained, 0),
    lost: followers.reduce((a, f) => a + f.lost, 0),
    latency,
  };
  return { perMinute, latency, followers, keywords, totals };
}

/** Every part of the dashboard `got` checked against the raw events. */
function checkDashboard(
  got: Awaited<ReturnType<typeof dashboard>>,
  events: readonly MessageLogEvent[],
  q: { account: string | undefined; from: number; to: number; step: number; shift: number },
): void {
  const mine = events.filter((e) => q.account === undefined || e.account === q.account);
  const want = rawDashboard(mine, q.from, q.to, q.step);
  const where = JSON.stringify(q);
  assert.equal(got.step, q.step, where);
  assert.deepEqual(got.perMinute, want.perMinute, where);
  assert.deepEqual(got.latency, want.latency, where);
  assert.deepEqual(got.followers, want.followers, where);
  assert.deepEqual(got.totals, want.totals, where);
  // Top keywords: the counts of the ten most frequent (ties in any order), each the keyword's own count.
  const counts = [...want.keywords.values()].sort((a, b) => b - a).slice(0, 10);
  assert.deepEqual(
    got.topKeywords.map((k) => k.count),
    counts,
    where,
  );
  for (const k of got.topKeywords) assert.equal(k.count, want.keywords.get(k.text), where);
  if (q.shift === 0) {
    assert.equal(got.compare, undefined, where);
    return;
  }
  const before = rawDashboard(mine, q.from - q.shift, q.to - q.shift, q.step);
  assert.deepEqual(got.compare, before.totals, where);
  assert.deepEqual(got.compareSeries, before.perMinute, where);
}

const ACCOUNTS = ['acme', 'globex', 'initech'] as const;
const KEYWORDS = ['宽带', '流量包', '话费', '人工客服', '套餐'] as const;
const OUTCOMES = ['replied', 'accepted_published', 'replied_spooled', 'error', 'held_forward_failed'] as const;

/** A message of the generated traffic: any account, time (ms) in the 12 days from `base`, kind, outcome, latency. */
function arbitraryMessage(base: number) {
  return fc
    .record({
      account: fc.constantFrom(...ACCOUNTS),
      at: fc.integer({ min: base, max: base + 12 * DAY - 1 }),
      kind: fc.constantFrom('text', 'image', 'subscribe', 'unsubscribe', 'click'),
      keyword: fc.constantFrom(...KEYWORDS),
      scene: fc.constantFrom(undefined, 'qrscene_mall', 'qrscene_store7'),
      outcome: fc.constantFrom(...OUTCOMES),
      latencyMs: fc.constantFrom(0.5, 3, 7, 40, 300, 2500, 9000),
    })
    .map(
      (r): Omit<MessageLogEvent, 'id'> => ({
        type: 'message',
        at: r.at,
        account: r.account,
        openId: 'oUser',
        msgType: r.kind === 'text' || r.kind === 'image' ? r.kind : 'event',
        event: r.kind === 'subscribe' || r.kind === 'unsubscribe' ? r.kind : r.kind === 'click' ? 'CLICK' : undefined,
        msgId: undefined,
        decidedBy: undefined,
        ...(r.kind === 'click' ? { eventKey: 'MENU_1' } : {}),
        ...(r.kind === 'subscribe' && r.scene !== undefined ? { eventKey: r.scene } : {}),
        ...(r.kind === 'text' ? { content: r.keyword } : {}),
        outcome: r.outcome,
        latencyMs: r.latencyMs,
      }),
    );
}

/** 120 generated messages (the same every run) in the 12 days from the second day of `month`, ids `<prefix>N`. */
function trafficOf(month: number, prefix: string): MessageLogEvent[] {
  return fc
    .sample(arbitraryMessage(month + DAY), { numRuns: 120, seed: 14 })
    .map((m, i) => ({ ...m, id: `${prefix}${i}` }) as MessageLogEvent);
}

function callAt(at: number, id: string): InterfaceLogEvent {
  return { type: 'interface', id, at, account: 'acme', api: '/cgi-bin/message/custom/send', errcode: 0, latencyMs: 9 };
}

for (const adapter of ['MariaDB', 'SQLite'] as const) {
  describe(`the dashboard's hour / day / all-account rollups on ${adapter}`, function () {
    this.timeout(300_000);
    const now = Date.now();
    // Traffic across a month's end, so hour and day rows land in two partitions.
    const base = monthStart(now, 1) - 5 * DAY - 7 * HOUR;
    let database: TestDatabase | undefined;
    let dataDir: string | undefined;
    let log: RunningLog;
    let db: Db;
    let store: LogStore;

    before(async () => {
      let env: Record<string, string>;
      if (adapter === 'MariaDB') {
        database = await createTestDatabase('mpstack_dash');
        env = { MPSTACK_DATABASE_URL: database.url };
      } else {
        dataDir = await mkdtemp(join(tmpdir(), 'mpstack-dash-'));
        env = { MPSTACK_DATA_DIR: dataDir };
      }
      log = await startLog({
        config: loadLogConfig({ ...env, MPSTACK_LOG_PORT: '0', MPSTACK_LOG_LEVEL: 'silent' }),
        logger,
        clock: () => now,
      });
      db = log.infrastructure.db;
      store = new LogStore(db);
      assert.equal(isMysql(db), adapter === 'MariaDB');
    });

    after(async () => {
      await log?.close();
      await database?.drop();
      if (dataDir !== undefined) await rm(dataDir, { recursive: true, force: true });
    });

    async function clear(): Promise<void> {
      for (const table of [
        'log_messages',
        'log_rollup_minute',
        'log_rollup_latency',
        'log_rollup_day',
        ...LOG_ROLLUP_SPAN_TABLES,
      ] as const) {
        await db.deleteFrom(table).execute();
      }
    }

    /** `table`'s partitions (information_schema) include the months `present`, not the months `absent`, and end with `pmax`. */
    async function checkPartitions(
      table: string,
      present: readonly number[],
      absent: readonly number[],
    ): Promise<void> {
      const names = (await listPartitions(db, table)).map((p) => p.name);
      for (const month of present) assert.ok(names.includes(partitionName(month)), `${table}: ${names.join()}`);
      for (const month of absent) assert.ok(!names.includes(partitionName(month)), `${table}: ${names.join()}`);
      assert.equal(names.at(-1), 'pmax', table);
    }

    /** Rows of `table` with `column` in `[from, to)`. */
    async function rowsOf(table: string, column: string, from: number, to: number): Promise<number> {
      const result = await sql<{ n: number | string }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}
        WHERE ${sql.ref(column)} >= ${from} AND ${sql.ref(column)} < ${to}`.execute(db);
      return Number(result.rows[0]?.n);
    }

    it('answers every window exactly as the raw rows do, redelivered batches counted once (property)', async () => {
      let run = 0;
      const windowArb = fc.record({
        account: fc.constantFrom(undefined, ...ACCOUNTS),
        from: fc.integer({ min: base - DAY, max: base + 13 * DAY }),
        length: fc.oneof(
          fc.integer({ min: 0, max: 3 * HOUR }),
          fc.integer({ min: 0, max: 2 * DAY }),
          fc.integer({ min: 0, max: 12 * DAY }),
        ),
        step: fc.constantFrom(undefined, MINUTE, HOUR, DAY),
        compare: fc.constantFrom(undefined, 'previous', 'yesterday', 'week'),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(arbitraryMessage(base), { minLength: 1, maxLength: 120 }),
          fc.integer({ min: 1, max: 4 }),
          fc.array(windowArb, { minLength: 4, maxLength: 4 }),
          async (drafts, batches, windows) => {
            run += 1;
            await clear();
            const events = drafts.map((d, i) => ({ ...d, id: `r${run}e${i}` }) as MessageLogEvent);
            // In `batches` batches, the first of them delivered again after the last (a redelivery).
            const size = Math.ceil(events.length / batches);
            const parts = Array.from({ length: batches }, (_, i) => events.slice(i * size, (i + 1) * size));
            for (const part of parts) await store.write(part);
            const again = await store.write(parts[0] ?? []);
            assert.equal(again.written, 0);
            for (const w of windows) {
              const to = w.from + w.length;
              const step = w.step ?? defaultStep(w.from, to);
              const shift =
                w.compare === undefined ? 0 : { previous: to - w.from, yesterday: DAY, week: 7 * DAY }[w.compare];
              const q = { account: w.account, from: w.from, to, step, shift };
              checkDashboard(await dashboard(db, q), events, q);
            }
          },
        ),
        { numRuns: adapter === 'MariaDB' ? 25 : 60, endOnFailure: true },
      );
    });

    it('drops every rollup table with the messages past the retention, whole partitions, and answers the kept months (injected clock)', async () => {
      await clear();
      const thisMonth = monthStart(now);
      const kept = monthStart(now, 2);
      // Traffic in this month (past the retention at `later`) and two months on (kept).
      const old = trafficOf(thisMonth, 'old');
      const recent = trafficOf(kept, 'kept');
      await store.write([...old, ...recent]);
      await store.write([callAt(thisMonth + DAY, 'old-call'), callAt(kept + DAY, 'kept-call')]);
      // Retention of 6 months at `later`: the cutoff is next month's start, so this month's partitions go.
      const later = monthStart(now, 7);
      const cutoff = monthStart(now, 1);
      if (adapter === 'MariaDB') {
        for (const { table } of LOG_MONTHLY_TABLES) await checkPartitions(table, [thisMonth, kept], []);
      }
      for (const { table, column } of LOG_MONTHLY_TABLES) {
        assert.ok((await rowsOf(table, column, 0, cutoff)) > 0, `${table}: the old month's rows written`);
      }
      const plan = await maintainPartitions(db, { now: later, ahead: 2, retentionMonths: 6, logger });
      if (adapter === 'MariaDB') {
        for (const { table } of LOG_MONTHLY_TABLES) {
          assert.ok(plan.dropped.includes(`${table}.${partitionName(thisMonth)}`), plan.dropped.join());
          assert.ok(plan.created.includes(`${table}.${partitionName(monthStart(later, 2))}`), plan.created.join());
          await checkPartitions(table, [cutoff, kept, monthStart(later, 2)], [thisMonth]);
        }
      }
      for (const { table, column } of LOG_MONTHLY_TABLES) {
        assert.equal(await rowsOf(table, column, 0, cutoff), 0, `${table}: rows past the retention`);
        assert.ok((await rowsOf(table, column, cutoff, later)) > 0, `${table}: the kept month's rows`);
      }
      // Whatever reads the minute, latency, day and span rollups answers the kept months as the raw
      // messages do, and the dropped month as if it had had no traffic.
      const windows = [
        { account: undefined, from: thisMonth, to: monthStart(now, 3) - 1, step: DAY },
        { account: 'acme', from: thisMonth, to: monthStart(now, 3) - 1, step: DAY },
        { account: 'globex', from: kept + DAY, to: kept + 4 * DAY + 5 * HOUR + 7 * MINUTE, step: HOUR },
        { account: 'initech', from: kept + 2 * DAY + 3 * MINUTE, to: kept + 2 * DAY + 7 * HOUR, step: MINUTE },
        { account: 'acme', from: thisMonth + DAY, to: thisMonth + 13 * DAY, step: HOUR },
      ];
      for (const w of windows) {
        const q = { ...w, shift: 0 };
        checkDashboard(await dashboard(db, q), recent, q);
      }
    });

    it('compares a window with the minutes just before it, not with its own first minute again', async () => {
      await clear();
      const at = base + 3 * HOUR;
      const message = fc.sample(arbitraryMessage(base), { numRuns: 1, seed: 3 })[0] as Omit<MessageLogEvent, 'id'>;
      // Two messages in the window's first minute, one in the minute before it.
      await store.write([
        { ...message, id: 'p1', at },
        { ...message, id: 'p2', at: at + 30_000 },
        { ...message, id: 'p3', at: at - 1 },
      ]);
      const answer = await fetch(`${log.url}/query/dashboard?from=${at}&to=${at + 10 * MINUTE}&compare=previous`);
      const body = (await answer.json()) as { totals: { messages: number }; compare: { messages: number } };
      assert.equal(body.totals.messages, 2);
      assert.equal(body.compare.messages, 1);
    });

    it('takes the series step by name and refuses any other', async () => {
      const from = base;
      const ok = await fetch(`${log.url}/query/dashboard?from=${from}&to=${from + 2 * DAY}&step=day&compare=week`);
      assert.equal(ok.status, 200);
      const body = (await ok.json()) as { step: number; compareSeries: unknown[] };
      assert.equal(body.step, DAY);
      assert.ok(Array.isArray(body.compareSeries));
      const bad = await fetch(`${log.url}/query/dashboard?from=${from}&to=${from + DAY}&step=week`);
      assert.equal(bad.status, 400);
    });
  });
}

describe('migration 0014: the minute / latency / day rollups partitioned by month, their rows kept (MariaDB)', function () {
  this.timeout(120_000);
  let database: TestDatabase | undefined;
  let db: Db | undefined;

  after(async () => {
    await db?.destroy();
    await database?.drop();
  });

  it('puts each month in its partition and answers the dashboard as before from the rows written before it', async () => {
    database = await createTestDatabase('mpstack_roll_mig');
    db = createDatabase({ url: database.url });
    const now = Date.now();
    const before = Object.fromEntries(Object.entries(migrations).filter(([name]) => name < '0014'));
    const { error } = await new Migrator({ db, provider: { getMigrations: async () => before } }).migrateToLatest();
    assert.equal(error, undefined);
    // Written by the store of migration 0013: three months back, this month, and one far ahead (into `pmax`).
    const oldest = monthStart(now, -3);
    const events = [
      ...trafficOf(oldest, 'm3'),
      ...trafficOf(monthStart(now, -1), 'm1'),
      ...trafficOf(monthStart(now), 'm0'),
      ...trafficOf(monthStart(now, 5), 'p5'),
    ];
    await new LogStore(db).write(events);
    const windows = [
      { account: undefined, from: oldest, to: monthStart(now, 6), step: DAY, shift: 0 },
      { account: 'acme', from: oldest + DAY, to: oldest + 3 * DAY + 5 * HOUR, step: HOUR, shift: DAY },
      {
        account: 'globex',
        from: monthStart(now) + 2 * DAY,
        to: monthStart(now) + 2 * DAY + 9 * HOUR,
        step: MINUTE,
        shift: 0,
      },
    ];
    const answers = async (on: Db) => Promise.all(windows.map((q) => dashboard(on, q)));
    const counts = async (on: Db) =>
      Promise.all(
        LOG_ROLLUP_MINUTE_DAY_TABLES.map(async ({ table }) =>
          Number((await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)}`.execute(on)).rows[0]?.n),
        ),
      );
    const answered = await answers(db);
    const rows = await counts(db);
    for (const { table } of LOG_ROLLUP_MINUTE_DAY_TABLES) assert.deepEqual(await listPartitions(db, table), [], table);

    await migrateToLatest(db);

    const months = [-3, -2, -1, 0, 1, 2].map((offset) => partitionName(monthStart(now, offset)));
    for (const { table } of LOG_ROLLUP_MINUTE_DAY_TABLES) {
      assert.deepEqual(
        (await listPartitions(db, table)).map((p) => p.name),
        [...months, 'pmax'],
        table,
      );
      const far = await sql<{ n: number }>`SELECT COUNT(*) AS n FROM ${sql.table(table)} PARTITION (pmax)`.execute(db);
      assert.ok(Number(far.rows[0]?.n) > 0, `${table}: the far month's rows in pmax`);
    }
    assert.deepEqual(await counts(db), rows);
    assert.deepEqual(await answers(db), answered);
    for (const [i, q] of windows.entries())
      checkDashboard(answered[i] as Awaited<ReturnType<typeof dashboard>>, events, q);
    // Retention now drops the migrated tables' months whole: at a clock four months on, the oldest month goes.
    const plan = await maintainPartitions(db, { now: monthStart(now, 4), ahead: 2, retentionMonths: 6, logger });
    for (const { table } of LOG_ROLLUP_MINUTE_DAY_TABLES) {
      assert.ok(plan.dropped.includes(`${table}.${partitionName(oldest)}`), plan.dropped.join());
      assert.ok(!plan.dropped.includes(`${table}.${months[1]}`), plan.dropped.join());
    }
  });
});
