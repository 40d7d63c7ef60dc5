import { ALL_ACCOUNTS, type Db, isMysql, monthStart, ROLLUP_SPANS } from '@mpstack/common/db';
import { AppError, ErrorCode } from '@mpstack/common/errors';
import type { Express, Request } from 'express';
import { sql } from 'kysely';
import { z } from 'zod';
import { LATENCY_BUCKETS_MS } from './log-store.js';
import { type DashboardWindow, outboundDashboard } from './outbound-query.js';
import { listTextTables } from './partitions.js';
import { coverWindow, minutesMet, type Piece } from './rollup-window.js';
import { containsText, textQuery } from './text-index.js';

const MINUTE = 60_000;
const DAY = 86_400_000;

export { coverWindow, type Piece } from './rollup-window.js';

/** The dashboard reads per-minute rollups of at most this window (31 days ≈ 44,640 minutes). */
const MAX_DASHBOARD_WINDOW = 31 * DAY;

const time = z.coerce.number().int().nonnegative().max(8_640_000_000_000_000);
const name = (max: number) => z.string().min(1).max(max);
const limit = z.coerce.number().int().min(1).max(500).default(50);
/** `<at>.<event id>` of the last row of the previous page, as this API returned it. */
const cursor = z.string().regex(/^\d{1,16}\.[A-Za-z0-9_-]{1,64}$/, 'not a cursor of this API');

const messagesQuery = z
  .object({
    account: name(64).optional(),
    openId: name(64).optional(),
    type: name(32).optional(),
    event: name(64).optional(),
    from: time.optional(),
    to: time.optional(),
    text: z.string().min(1).max(64).optional(),
    cursor: cursor.optional(),
    limit,
  })
  .strict();

const timelineQuery = z
  .object({
    account: name(64),
    openId: name(64),
    from: time.optional(),
    to: time.optional(),
    limit: limit.default(500),
  })
  .strict();

const interfaceQuery = z
  .object({
    account: name(64).optional(),
    api: name(255).optional(),
    errcode: z.coerce.number().int().optional(),
    from: time.optional(),
    to: time.optional(),
    cursor: cursor.optional(),
    limit,
  })
  .strict();

const dashboardQuery = z
  .object({
    account: name(64).optional(),
    from: time.optional(),
    to: time.optional(),
    compare: z.enum(['previous', 'yesterday', 'week']).optional(),
    step: z.enum(['minute', 'hour', 'day']).optional(),
  })
  .strict();

/** Parses a query string against its schema; every problem becomes a 400 naming the parameter. */
function parse<S extends z.ZodType>(schema: S, req: Request): z.output<S> {
  const result = schema.safeParse(req.query);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`);
  throw new AppError(ErrorCode.badRequest, `invalid query: ${problems.join('; ')}`);
}

function window(from: number | undefined, to: number | undefined, now: number): { from: number; to: number } {
  const end = to ?? now;
  const start = from ?? end - 3_600_000;
  if (start > end) throw new AppError(ErrorCode.badRequest, 'invalid query: from: after to');
  return { from: start, to: end };
}

export interface MessageRow {
  id: string;
  at: number;
  account: string;
  openId: string;
  msgType: string;
  event?: string;
  eventKey?: string;
  msgId?: string;
  content?: string;
  outcome: string;
  decidedBy?: string;
  latencyMs: number;
}

interface StoredMessage {
  at: number | string;
  event_id: string;
  account: string;
  open_id: string;
  msg_type: string;
  event: string | null;
  event_key: string | null;
  msg_id: string | null;
  content: string | null;
  outcome: string;
  decided_by: string | null;
  latency_ms: number;
}

function toMessageRow(r: StoredMessage): MessageRow {
  return {
    id: r.event_id,
    at: Number(r.at),
    account: r.account,
    openId: r.open_id,
    msgType: r.msg_type,
    ...(r.event === null ? {} : { event: r.event }),
    ...(r.event_key === null ? {} : { eventKey: r.event_key }),
    ...(r.msg_id === null ? {} : { msgId: r.msg_id }),
    ...(r.content === null ? {} : { content: r.content }),
    outcome: r.outcome,
    ...(r.decided_by === null ? {} : { decidedBy: r.decided_by }),
    latencyMs: Number(r.latency_ms),
  };
}

/**
 * `LIKE` pattern of a literal text: `!`, `%` and `_` escaped with `!` (not a backslash, whose
 * meaning inside a string literal differs between MariaDB and SQLite).
 */
function containing(text: string): string {
  return `%${text.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

function decodeCursor(value: string | undefined): { at: number; id: string } | undefined {
  if (value === undefined) return undefined;
  const dot = value.indexOf('.');
  return { at: Number(value.slice(0, dot)), id: value.slice(dot + 1) };
}

/**
 * Percentile of a latency histogram: the upper bound of the bucket holding it (ms); beyond the
 * last bound, that bound (the value is "at least" it).
 */
export function percentile(counts: ReadonlyMap<number, number>, p: number): number | null {
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total === 0) return null;
  const rank = Math.ceil(total * p);
  let seen = 0;
  for (let bucket = 0; bucket <= LATENCY_BUCKETS_MS.length; bucket += 1) {
    seen += counts.get(bucket) ?? 0;
    if (seen >= rank) return LATENCY_BUCKETS_MS[bucket] ?? LATENCY_BUCKETS_MS[LATENCY_BUCKETS_MS.length - 1] ?? null;
  }
  return null;
}

/**
 * The query API of the admin service (docs/architecture.md, "The log service"): every
 * parameter parsed by zod (unknown ones refused), every value bound as a query parameter,
 * keyset pagination newest first, the dashboard from the rollup tables only.
 */
export function queryRoutes(
  db: Db,
  clock: () => number,
  options: { readonly blockKeysRead?: number } = {},
): (app: Express) => void {
  const keysRead = options.blockKeysRead ?? BLOCK_KEYS_READ;
  return (app) => {
    app.get('/query/messages', async (req, res) => {
      res.json(await searchMessages(db, parse(messagesQuery, req), clock(), keysRead));
    });

    app.get('/query/timeline', async (req, res) => {
      const q = parse(timelineQuery, req);
      const rows = (await db
        .selectFrom('log_messages')
        .selectAll()
        .where('account', '=', q.account)
        .where('open_id', '=', q.openId)
        .where('at', '>=', q.from ?? 0)
        .where('at', '<=', q.to ?? clock())
        .orderBy('at', 'asc')
        .orderBy('event_id', 'asc')
        .limit(q.limit)
        .execute()) as StoredMessage[];
      res.json({ items: rows.map(toMessageRow) });
    });

    app.get('/query/interface', async (req, res) => {
      res.json(await searchInterface(db, parse(interfaceQuery, req), clock()));
    });

    app.get('/query/dashboard', async (req, res) => {
      res.json(await dashboard(db, dashboardWindow(parse(dashboardQuery, req), clock())));
    });

    app.get('/query/outbound', async (req, res) => {
      res.json(await outboundDashboard(db, dashboardWindow(parse(dashboardQuery, req), clock())));
    });
  };
}

/** The dashboard's window, step and comparison shift (the same for its messages and its sends). */
function dashboardWindow(q: z.output<typeof dashboardQuery>, now: number): DashboardWindow {
  const { from, to } = window(q.from, q.to, now);
  if (to - from > MAX_DASHBOARD_WINDOW) {
    throw new AppError(ErrorCode.badRequest, 'invalid query: to: the window is longer than 31 days');
  }
  // The previous period is the minutes the window meets, just before them: shifted by to − from,
  // it met the window's first minute too, counted in both.
  const [lo, hi] = minutesMet(from, to);
  const shift = q.compare === undefined ? 0 : { previous: hi - lo, yesterday: DAY, week: 7 * DAY }[q.compare];
  const step = q.step === undefined ? defaultStep(from, to) : STEPS[q.step];
  return { account: q.account, from, to, step, shift };
}

async function searchMessages(db: Db, q: z.output<typeof messagesQuery>, now: number, keysRead: number) {
  const { from, to } = window(q.from, q.to, now);
  const after = decodeCursor(q.cursor);
  const match = q.text === undefined || !isMysql(db) ? undefined : textQuery(q.text);
  if (q.text !== undefined && match !== undefined) {
    const rows = await searchText(db, { q: { ...q, text: q.text }, match, from, to, after, keysRead });
    return { items: rows.slice(0, q.limit).map(toMessageRow), ...nextCursor(rows, q.limit) };
  }
  // Without the index (SQLite, or a text without two adjacent characters): a scan of the range, newest first.
  let query = db.selectFrom('log_messages').selectAll().where('at', '>=', from).where('at', '<=', to);
  if (q.account !== undefined) query = query.where('account', '=', q.account);
  if (q.openId !== undefined) query = query.where('open_id', '=', q.openId);
  if (q.type !== undefined) query = query.where('msg_type', '=', q.type);
  if (q.event !== undefined) query = query.where('event', '=', q.event);
  if (q.text !== undefined) query = query.where(sql<boolean>`content LIKE ${containing(q.text)} ESCAPE '!'`);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('event_id', '<', after.id)])]),
    );
  }
  const rows = (await query
    .orderBy('at', 'desc')
    .orderBy('event_id', 'desc')
    .limit(q.limit + 1)
    .execute()) as StoredMessage[];
  return { items: rows.slice(0, q.limit).map(toMessageRow), ...nextCursor(rows, q.limit) };
}

/**
 * Candidate blocks' keys read from the text index at once. MariaDB computes a FULLTEXT boolean
 * match in full whatever the LIMIT (then sorts the matches by `last_at`), so one query returns
 * every candidate of a month up to this many (at 10 M rows an account's busiest month holds
 * ≈ 2,000 blocks in all); the keys are small. A month with more is read again from where it stopped.
 */
const BLOCK_KEYS_READ = 4096;
/**
 * Candidate blocks whose messages are read and checked at a time: 2 at first (a common text fills
 * a page from the newest blocks), doubling up to 64 while the page is not full (a rare one).
 */
const FIRST_BLOCKS_CHECKED = 2;
const MAX_BLOCKS_CHECKED = 64;

interface Block {
  at: number | string;
  event_id: string;
  last_at: number | string;
  account: string;
}

/**
 * Text search through the text index (MariaDB/MySQL): month by month, newest first, the blocks
 * of the month's `log_text_YYYYMM` holding every character pair of the text (FULLTEXT), newest
 * last message first, every candidate's key in one query; then the blocks' messages — each block's
 * account between its first and last message's time, the other filters applied — read a few
 * blocks at a time and checked one by one for the exact text. A message is in exactly one block,
 * the range of another block may hold it too (found twice: kept once). Every block not checked
 * yet ends at or before the last block checked (`last_at` order), so the matches newer than that
 * are complete and go out in order.
 */
async function searchText(db: Db, search: TextSearch): Promise<StoredMessage[]> {
  const wanted = search.q.limit + 1;
  const tables = (await listTextTables(db))
    .filter((t) => t.month >= monthStart(search.from) && t.month <= search.to)
    .reverse();
  const found: StoredMessage[] = [];
  for (const table of tables) {
    await searchMonth(db, table.name, search, found, wanted);
    if (found.length >= wanted) break;
  }
  return found.slice(0, wanted);
}

interface TextSearch {
  readonly q: z.output<typeof messagesQuery> & { text: string };
  readonly match: string;
  readonly from: number;
  readonly to: number;
  readonly after: { at: number; id: string } | undefined;
  /** Candidate blocks' keys read at once ({@link BLOCK_KEYS_READ}; smaller in tests). */
  readonly keysRead: number;
}

const keyOfRow = (row: StoredMessage) => `${row.at}\u0000${row.event_id}`;

function newestFirst(x: StoredMessage, y: StoredMessage): number {
  return Number(y.at) - Number(x.at) || (x.event_id < y.event_id ? 1 : x.event_id > y.event_id ? -1 : 0);
}

/** One month's matches, newest first, appended to `found` until it holds `wanted` rows. */
async function searchMonth(
  db: Db,
  table: string,
  search: TextSearch,
  found: StoredMessage[],
  wanted: number,
): Promise<void> {
  const pending = new Map<string, StoredMessage>();
  let position: Block | undefined;
  let checked = FIRST_BLOCKS_CHECKED;
  for (;;) {
    // The table name comes from information_schema and matched log_text_YYYYMM: never input.
    const blocks = (
      await sql<Block>`
        SELECT at, event_id, last_at, account FROM ${sql.table(table)}
        WHERE ${sql.join(blockFilters(search, position), sql` AND `)}
        ORDER BY last_at DESC, at DESC, event_id DESC
        LIMIT ${search.keysRead}`.execute(db)
    ).rows;
    const more = blocks.length === search.keysRead;
    let start = 0;
    do {
      const part = blocks.slice(start, start + checked);
      start += part.length;
      checked = Math.min(MAX_BLOCKS_CHECKED, 2 * checked);
      const last = part.at(-1);
      // Complete: every match newer than the last block checked (all of them once no block is left).
      const exhausted = last === undefined || (!more && start >= blocks.length);
      await checkBlocks(db, search, part, exhausted ? Number.NEGATIVE_INFINITY : Number(last.last_at), pending, found);
      if (found.length >= wanted || exhausted) return;
    } while (start < blocks.length);
    position = blocks.at(-1);
  }
}

/**
 * Reads `part`'s messages and keeps those holding the text in `pending`; then moves the pending
 * matches newer than `bound` (every block left ends at or before it) to `found`, newest first.
 */
async function checkBlocks(
  db: Db,
  search: TextSearch,
  part: readonly Block[],
  bound: number,
  pending: Map<string, StoredMessage>,
  found: StoredMessage[],
): Promise<void> {
  for (const row of await blockMessages(db, search, part)) {
    if (containsText(row.content, search.q.text)) pending.set(keyOfRow(row), row);
  }
  const complete = [...pending.values()].filter((row) => Number(row.at) > bound).sort(newestFirst);
  for (const row of complete) pending.delete(keyOfRow(row));
  found.push(...complete);
}

function blockFilters({ q, match, from, to, after }: TextSearch, position: Block | undefined) {
  const filters = [sql`MATCH (tokens) AGAINST (${match} IN BOOLEAN MODE)`, sql`last_at >= ${from}`, sql`at <= ${to}`];
  if (q.account !== undefined) filters.push(sql`account = ${q.account}`);
  // A block starting after the cursor's message holds only messages already returned.
  if (after !== undefined) filters.push(sql`at <= ${after.at}`);
  if (position !== undefined) {
    const lastAt = Number(position.last_at);
    const at = Number(position.at);
    filters.push(
      sql`(last_at < ${lastAt} OR (last_at = ${lastAt} AND (at < ${at} OR (at = ${at} AND event_id < ${position.event_id}))))`,
    );
  }
  return filters;
}

/** The messages with a text of the blocks' accounts and time ranges, the search's other filters applied. */
async function blockMessages(
  db: Db,
  { q, from, to, after }: TextSearch,
  blocks: readonly Block[],
): Promise<StoredMessage[]> {
  if (blocks.length === 0) return [];
  const ranges = blocks.map(
    (b) =>
      sql`(account = ${b.account} AND at >= ${Math.max(from, Number(b.at))} AND at <= ${Math.min(to, Number(b.last_at))})`,
  );
  const filters = [sql`(${sql.join(ranges, sql` OR `)})`, sql`content IS NOT NULL`];
  if (q.openId !== undefined) filters.push(sql`open_id = ${q.openId}`);
  if (q.type !== undefined) filters.push(sql`msg_type = ${q.type}`);
  if (q.event !== undefined) filters.push(sql`event = ${q.event}`);
  if (after !== undefined) {
    filters.push(sql`(at < ${after.at} OR (at = ${after.at} AND event_id < ${after.id}))`);
  }
  const result = await sql<StoredMessage>`
    SELECT * FROM log_messages WHERE ${sql.join(filters, sql` AND `)}`.execute(db);
  return result.rows;
}

async function searchInterface(db: Db, q: z.output<typeof interfaceQuery>, now: number) {
  const { from, to } = window(q.from, q.to, now);
  const after = decodeCursor(q.cursor);
  let query = db.selectFrom('log_interface_calls').selectAll().where('at', '>=', from).where('at', '<=', to);
  if (q.account !== undefined) query = query.where('account', '=', q.account);
  if (q.api !== undefined) query = query.where('api', '=', q.api);
  if (q.errcode !== undefined) query = query.where('errcode', '=', q.errcode);
  if (after !== undefined) {
    query = query.where((eb) =>
      eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('event_id', '<', after.id)])]),
    );
  }
  const rows = await query
    .orderBy('at', 'desc')
    .orderBy('event_id', 'desc')
    .limit(q.limit + 1)
    .execute();
  return {
    items: rows.slice(0, q.limit).map((r) => ({
      id: r.event_id,
      at: Number(r.at),
      account: r.account,
      api: r.api,
      errcode: Number(r.errcode),
      ...(r.errmsg === null ? {} : { errmsg: r.errmsg }),
      latencyMs: Number(r.latency_ms),
    })),
    ...nextCursor(rows, q.limit),
  };
}

/** `{ nextCursor }` when a row beyond the page was found (the query asks for limit + 1). */
function nextCursor(rows: readonly { at: number | string; event_id: string }[], limit: number) {
  const last = rows[limit - 1];
  return rows.length > limit && last !== undefined ? { nextCursor: `${Number(last.at)}.${last.event_id}` } : {};
}

type Bucket = { t: number; byType: Record<string, number>; fast: number; queued: number; failed: number };

interface Totals {
  messages: number;
  fast: number;
  queued: number;
  failed: number;
  gained: number;
  lost: number;
  latency: { p50: number | null; p99: number | null };
}

/** The series' bucket widths a client may ask for (ms). */
const STEPS = { minute: ROLLUP_SPANS.minute, hour: ROLLUP_SPANS.hour, day: ROLLUP_SPANS.day } as const;

/** The series' step when the client names none: a minute up to 3 hours, an hour up to 8 days, then a day. */
export function defaultStep(from: number, to: number): number {
  const span = to - from;
  if (span <= 3 * ROLLUP_SPANS.hour) return ROLLUP_SPANS.minute;
  if (span <= 8 * DAY) return ROLLUP_SPANS.hour;
  return ROLLUP_SPANS.day;
}

/**
 * The rollup rows of `pieces`, as one statement: an account's minute pieces from
 * `log_rollup_minute` (its hours and days from `log_rollup_span`); all accounts' every piece from
 * `log_rollup_span` (account `''`). `minuteTable`/`spanTable` name the counters' or the latency's tables.
 */
function rollupRows(
  pieces: readonly Piece[],
  account: string | undefined,
  tables: { minute: 'log_rollup_minute' | 'log_rollup_latency'; span: 'log_rollup_span' | 'log_rollup_span_latency' },
  columns: string,
) {
  const inRange = (column: string, p: Piece) => sql`(${sql.ref(column)} >= ${p.from} AND ${sql.ref(column)} < ${p.to})`;
  const parts = [];
  const fromSpans = account === undefined ? pieces : pieces.filter((p) => p.span !== ROLLUP_SPANS.minute);
  const minutes = account === undefined ? [] : pieces.filter((p) => p.span === ROLLUP_SPANS.minute);
  if (minutes.length > 0) {
    parts.push(sql`SELECT minute AS start, ${sql.raw(columns)} FROM ${sql.table(tables.minute)}
      WHERE account = ${account} AND (${sql.join(
        minutes.map((p) => inRange('minute', p)),
        sql` OR `,
      )})`);
  }
  if (fromSpans.length > 0) {
    parts.push(sql`SELECT start, ${sql.raw(columns)} FROM ${sql.table(tables.span)}
      WHERE account = ${account ?? ALL_ACCOUNTS} AND (${sql.join(
        fromSpans.map((p) => sql`(span = ${p.span} AND ${inRange('start', p)})`),
        sql` OR `,
      )})`);
  }
  return sql.join(parts, sql` UNION ALL `);
}

/** The series at `step` (buckets with traffic only, oldest first) from the rows of `[from, to)`. */
async function series(db: Db, account: string | undefined, from: number, to: number, step: number) {
  const pieces = coverWindow(from, to, step);
  const rows = await sql<{
    start: number | string;
    msg_type: string;
    total: number | string;
    fast: number | string;
    queued: number | string;
    failed: number | string;
  }>`${rollupRows(pieces, account, { minute: 'log_rollup_minute', span: 'log_rollup_span' }, 'msg_type, total, fast, queued, failed')}`.execute(
    db,
  );
  const buckets = new Map<number, Bucket>();
  for (const r of rows.rows) {
    const start = Number(r.start);
    const t = start - (start % step);
    let bucket = buckets.get(t);
    if (bucket === undefined) {
      bucket = { t, byType: {}, fast: 0, queued: 0, failed: 0 };
      buckets.set(t, bucket);
    }
    bucket.byType[r.msg_type] = (bucket.byType[r.msg_type] ?? 0) + Number(r.total);
    bucket.fast += Number(r.fast);
    bucket.queued += Number(r.queued);
    bucket.failed += Number(r.failed);
  }
  return [...buckets.values()].sort((a, b) => a.t - b.t);
}

/** p50 / p99 of the reply latency over `[from, to)`, from the coarsest histogram rows. */
async function latencyOf(db: Db, account: string | undefined, from: number, to: number) {
  const pieces = coverWindow(from, to, ROLLUP_SPANS.day);
  const rows = await sql<{ bucket: number; count: number | string }>`
    SELECT bucket, SUM(count) AS count FROM (${rollupRows(
      pieces,
      account,
      { minute: 'log_rollup_latency', span: 'log_rollup_span_latency' },
      'bucket, count',
    )}) x GROUP BY bucket`.execute(db);
  const histogram = new Map(rows.rows.map((r) => [Number(r.bucket), Number(r.count)]));
  return { p50: percentile(histogram, 0.5), p99: percentile(histogram, 0.99) };
}

/** Followers gained (by source) and lost per day over the days that meet `[from, to]`. */
async function followersOf(db: Db, account: string | undefined, from: number, to: number) {
  let query = db
    .selectFrom('log_rollup_day')
    .select(['day', 'metric', 'dimension'])
    .select((eb) => eb.fn.sum<number>('count').as('count'))
    .where('day', '>=', from - (from % DAY))
    .where('day', '<=', to)
    .where('metric', 'in', ['followers_gained', 'followers_lost'])
    .groupBy(['day', 'metric', 'dimension'])
    .orderBy('day');
  if (account !== undefined) query = query.where('account', '=', account);
  return foldFollowers(await query.execute());
}

async function keywordsOf(db: Db, account: string | undefined, from: number, to: number) {
  let query = db
    .selectFrom('log_rollup_day')
    .select('dimension')
    .select((eb) => eb.fn.sum<number>('count').as('count'))
    .where('day', '>=', from - (from % DAY))
    .where('day', '<=', to)
    .where('metric', '=', 'keyword')
    .groupBy('dimension')
    .orderBy('count', 'desc')
    .limit(10);
  if (account !== undefined) query = query.where('account', '=', account);
  return (await query.execute()).map((r) => ({ text: r.dimension, count: Number(r.count) }));
}

function totalsOf(
  buckets: readonly Bucket[],
  followers: readonly { gained: number; lost: number }[],
  latency: Totals['latency'],
): Totals {
  const sum = (pick: (m: Bucket) => number) => buckets.reduce((a, m) => a + pick(m), 0);
  return {
    messages: sum((m) => Object.values(m.byType).reduce((a, b) => a + b, 0)),
    fast: sum((m) => m.fast),
    queued: sum((m) => m.queued),
    failed: sum((m) => m.failed),
    gained: followers.reduce((a, f) => a + f.gained, 0),
    lost: followers.reduce((a, f) => a + f.lost, 0),
    latency,
  };
}

/**
 * The dashboard of `[from, to]` (the minutes it meets) and, with `shift`, the totals and series
 * of the same window `shift` earlier: every query at once, each reading the coarsest rollup rows
 * that answer its window exactly (`coverWindow`).
 */
export async function dashboard(db: Db, q: DashboardWindow) {
  // The minutes the window meets, as [lo, hi).
  const minutes = (from: number, to: number) => [from - (from % MINUTE), to - (to % MINUTE) + MINUTE] as const;
  const [lo, hi] = minutes(q.from, q.to);
  const { account, step, shift } = q;
  const [loBefore, hiBefore] = minutes(q.from - shift, q.to - shift);
  const [perMinute, latency, followers, topKeywords, before] = await Promise.all([
    series(db, account, lo, hi, step),
    latencyOf(db, account, lo, hi),
    followersOf(db, account, q.from, q.to),
    keywordsOf(db, account, q.from, q.to),
    shift === 0
      ? undefined
      : Promise.all([
          series(db, account, loBefore, hiBefore, step),
          latencyOf(db, account, loBefore, hiBefore),
          followersOf(db, account, q.from - shift, q.to - shift),
        ]),
  ]);
  const compare =
    before === undefined ? {} : { compare: totalsOf(before[0], before[2], before[1]), compareSeries: before[0] };
  return {
    step,
    perMinute,
    latency,
    followers,
    topKeywords,
    totals: totalsOf(perMinute, followers, latency),
    ...compare,
  };
}

function foldFollowers(
  dayRows: readonly { day: number; metric: string; dimension: string; count: number }[],
): { day: number; gained: number; lost: number; net: number; sources: Record<string, number> }[] {
  const followers = new Map<
    number,
    { day: number; gained: number; lost: number; net: number; sources: Record<string, number> }
  >();
  for (const r of dayRows) {
    const day = Number(r.day);
    const row = followers.get(day) ?? { day, gained: 0, lost: 0, net: 0, sources: {} };
    const count = Number(r.count);
    if (r.metric === 'followers_gained') {
      row.gained += count;
      row.sources[r.dimension] = (row.sources[r.dimension] ?? 0) + count;
    } else row.lost += count;
    row.net = row.gained - row.lost;
    followers.set(day, row);
  }
  return [...followers.values()];
}
