import { createHash } from 'node:crypto';
import type { InterfaceLogEvent, LogEvent, MessageLogEvent } from '@mpstack/common/contracts';
import type { Database, LogRollupSpanLatencyTable, LogRollupSpanTable } from '@mpstack/common/db';
import {
  ALL_ACCOUNTS,
  createTextTable,
  type Db,
  isMysql,
  monthStart,
  noteStatement,
  ROLLUP_SPANS,
  textTableName,
} from '@mpstack/common/db';
import { CompiledQuery, type Kysely, type Transaction } from 'kysely';
import { isOutboundEvent, OUTBOUND_ROLLUP_KEYS, type OutboundEvent, outboundRollupsOf } from './outbound-rollup.js';
import { type IndexedText, textBlocks } from './text-index.js';

/** Upper bounds (ms) of the reply-latency histogram's buckets; the last bucket is open. */
export const LATENCY_BUCKETS_MS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] as const;

const MINUTE = 60_000;
const DAY = 86_400_000;
/** Rows per INSERT statement (12 placeholders a row, far below the protocol's 65,535). */
const ROWS_PER_STATEMENT = 1000;

/** The outcome's class on the dashboard: answered on the fast path, handed to a queue, or not answered. */
export function outcomeClass(outcome: string): 'fast' | 'queued' | 'failed' {
  if (outcome.startsWith('held') || outcome === 'error' || outcome.endsWith('_fenced')) return 'failed';
  if (outcome.includes('_published') || outcome.includes('_spooled')) return 'queued';
  return 'fast';
}

/** The dashboard's type label: the message type, or `event:<name>` for events. */
export function typeLabel(event: MessageLogEvent): string {
  return event.msgType === 'event' ? `event:${event.event ?? 'unknown'}` : event.msgType;
}

export function latencyBucket(latencyMs: number): number {
  const index = LATENCY_BUCKETS_MS.findIndex((bound) => latencyMs <= bound);
  return index === -1 ? LATENCY_BUCKETS_MS.length : index;
}

/** A subscribe's source: the QR scene (`qr:<scene>`) or `other` (search, profile card, …). */
export function followerSource(event: MessageLogEvent): string {
  const key = event.eventKey ?? '';
  return key.startsWith('qrscene_') ? `qr:${key.slice('qrscene_'.length)}`.slice(0, 255) : 'other';
}

/** An event id for producers that predate the field: a hash of the event, the same on every delivery. */
export function eventIdOf(event: LogEvent): string {
  return event.id ?? `h${createHash('sha256').update(JSON.stringify(event)).digest('base64url').slice(0, 40)}`;
}

export type MinuteRollup = {
  account: string;
  minute: number;
  msg_type: string;
  total: number;
  fast: number;
  queued: number;
  failed: number;
};
export type LatencyRollup = {
  account: string;
  minute: number;
  bucket: number;
  count: number;
};
/** A row of `log_rollup_span`: an account's (or all accounts', `''`) hour or day, or all accounts' minute. */
export type SpanRollup = Pick<LogRollupSpanTable, keyof LogRollupSpanTable>;
export type SpanLatencyRollup = Pick<LogRollupSpanLatencyTable, keyof LogRollupSpanLatencyTable>;
export type DayRollup = {
  account: string;
  day: number;
  metric: string;
  dimension: string;
  count: number;
};

/** The spans each account's minute rows are folded into, and those of all accounts together. */
const ACCOUNT_SPANS = [ROLLUP_SPANS.hour, ROLLUP_SPANS.day] as const;
const ALL_SPANS = [ROLLUP_SPANS.minute, ROLLUP_SPANS.hour, ROLLUP_SPANS.day] as const;

/**
 * The rollup rows of a set of messages, aggregated in memory (one row per key, counts summed):
 * per minute and type (with the outcome classes), the latency histogram per minute, and per
 * day followers gained (by source) / lost and text keywords (the first 64 characters); then
 * the minute rows folded into each account's hours and days and all accounts' minutes, hours
 * and days (`spans`, `spanLatency`) — from the minute rows, not the messages, so the extra
 * cost is per minute row of the batch.
 */
export function rollupsOf(messages: Iterable<MessageLogEvent>): {
  minutes: MinuteRollup[];
  latency: LatencyRollup[];
  days: DayRollup[];
  spans: SpanRollup[];
  spanLatency: SpanLatencyRollup[];
} {
  const minutes = new Map<string, MinuteRollup>();
  const latency = new Map<string, LatencyRollup>();
  const days = new Map<string, DayRollup>();
  const addDay = (account: string, at: number, metric: string, dimension: string) => {
    const day = at - (at % DAY);
    const key = `${account}\u0000${day}\u0000${metric}\u0000${dimension}`;
    const row = days.get(key);
    if (row === undefined) days.set(key, { account, day, metric, dimension, count: 1 });
    else row.count += 1;
  };
  for (const m of messages) {
    const minute = m.at - (m.at % MINUTE);
    const label = typeLabel(m).slice(0, 64);
    const key = `${m.account}\u0000${minute}\u0000${label}`;
    let row = minutes.get(key);
    if (row === undefined) {
      row = { account: m.account, minute, msg_type: label, total: 0, fast: 0, queued: 0, failed: 0 };
      minutes.set(key, row);
    }
    row.total += 1;
    row[outcomeClass(m.outcome)] += 1;
    const bucket = latencyBucket(m.latencyMs);
    const lkey = `${m.account}\u0000${minute}\u0000${bucket}`;
    const lrow = latency.get(lkey);
    if (lrow === undefined) latency.set(lkey, { account: m.account, minute, bucket, count: 1 });
    else lrow.count += 1;
    if (m.msgType === 'event' && m.event === 'subscribe')
      addDay(m.account, m.at, 'followers_gained', followerSource(m));
    if (m.msgType === 'event' && m.event === 'unsubscribe') addDay(m.account, m.at, 'followers_lost', '');
    const keyword = m.msgType === 'text' ? m.content?.trim().slice(0, 64) : undefined;
    if (keyword !== undefined && keyword !== '') addDay(m.account, m.at, 'keyword', keyword);
  }
  const { spans, spanLatency } = spansOf(minutes.values(), latency.values());
  // Sorted by key: concurrent writers then lock the rows they share in the same order.
  const byKey = <T>(map: Map<string, T>) => [...map.entries()].sort((x, y) => (x[0] < y[0] ? -1 : 1)).map((e) => e[1]);
  return {
    minutes: byKey(minutes),
    latency: byKey(latency),
    days: byKey(days),
    spans: byKey(spans),
    spanLatency: byKey(spanLatency),
  };
}

/** Minute rows folded into each account's hours and days and all accounts' minutes, hours and days. */
function spansOf(
  minutes: Iterable<MinuteRollup>,
  latency: Iterable<LatencyRollup>,
): { spans: Map<string, SpanRollup>; spanLatency: Map<string, SpanLatencyRollup> } {
  const spans = new Map<string, SpanRollup>();
  for (const m of minutes) {
    const add = (account: string, span: number) => {
      const start = m.minute - (m.minute % span);
      const key = `${account}\u0000${span}\u0000${start}\u0000${m.msg_type}`;
      const row = spans.get(key);
      if (row === undefined) {
        const { msg_type, total, fast, queued, failed } = m;
        spans.set(key, { account, span, start, msg_type, total, fast, queued, failed });
      } else {
        row.total += m.total;
        row.fast += m.fast;
        row.queued += m.queued;
        row.failed += m.failed;
      }
    };
    for (const span of ACCOUNT_SPANS) add(m.account, span);
    for (const span of ALL_SPANS) add(ALL_ACCOUNTS, span);
  }
  const spanLatency = new Map<string, SpanLatencyRollup>();
  for (const l of latency) {
    const add = (account: string, span: number) => {
      const start = l.minute - (l.minute % span);
      const key = `${account}\u0000${span}\u0000${start}\u0000${l.bucket}`;
      const row = spanLatency.get(key);
      if (row === undefined) spanLatency.set(key, { account, span, start, bucket: l.bucket, count: l.count });
      else row.count += l.count;
    };
    for (const span of ACCOUNT_SPANS) add(l.account, span);
    for (const span of ALL_SPANS) add(ALL_ACCOUNTS, span);
  }
  return { spans, spanLatency };
}

export interface WriteResult {
  /** Rows written now (new events). */
  readonly written: number;
  /** Events already stored (a redelivered batch, or a producer's publish repeated). */
  readonly duplicates: number;
}

/**
 * Writes events and their rollups in one transaction: multi-row `INSERT IGNORE` (SQLite
 * `INSERT OR IGNORE`) on `(at, event_id)`, then the rollup upserts of the new rows only.
 * Optimistic: when the inserts report fewer rows than events, some were stored before — the
 * transaction is rolled back and done again knowing which, so rollups never count twice.
 */
export class LogStore {
  private readonly mysql: boolean;
  /** Text index tables known to exist (MariaDB/MySQL): created before a transaction needs them. */
  private readonly textTables = new Set<string>();

  constructor(
    private readonly db: Db,
    private readonly options: { readonly textBlockMessages?: number } = {},
  ) {
    this.mysql = isMysql(db);
  }

  async write(events: readonly LogEvent[]): Promise<WriteResult> {
    const unique = dedupe(events);
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.writeOnce(unique);
      } catch (error) {
        if (attempt >= 3) throw error;
        // A month's text index table dropped by retention (or by hand) since it was seen: create it again.
        if (isNoSuchTable(error)) this.textTables.clear();
        // Concurrent writers (rare: they lock shared rollup rows in the same order): done again at once.
        else if (!isDeadlock(error)) throw error;
      }
    }
  }

  private async writeOnce(unique: readonly Keyed[]): Promise<WriteResult> {
    // DDL commits implicitly in MariaDB: the text index tables are made before the transaction.
    if (this.mysql) await this.ensureTextTables(unique);
    try {
      return await this.db.transaction().execute((tx) => this.writeIn(tx, unique, false));
    } catch (error) {
      if (!(error instanceof SeenBefore)) throw error;
      return await this.db.transaction().execute((tx) => this.writeIn(tx, unique, true));
    }
  }

  private async ensureTextTables(events: readonly Keyed[]): Promise<void> {
    for (const { event } of events) {
      if (event.type !== 'message' || event.content === undefined) continue;
      const name = textTableName(monthStart(event.at));
      if (this.textTables.has(name)) continue;
      await createTextTable(this.db, name);
      this.textTables.add(name);
    }
  }

  /**
   * The text index documents of new messages with a text (MariaDB/MySQL), in the messages'
   * transaction — one per block of up to {@link TEXT_BLOCK_MESSAGES} text messages of an account
   * (text-index.ts, `textBlocks`): a redelivered batch writes them exactly when it writes the
   * messages — once.
   */
  private async indexTexts(tx: Transaction<Database>, messages: readonly Keyed<MessageLogEvent>[]): Promise<void> {
    const texts: IndexedText[] = [];
    for (const { id, event } of messages) {
      if (event.content !== undefined) texts.push({ id, at: event.at, account: event.account, content: event.content });
    }
    for (const [name, blocks] of textBlocks(
      texts,
      (at) => textTableName(monthStart(at)),
      this.options.textBlockMessages,
    )) {
      for (const chunk of chunks(blocks)) {
        await this.insertRows(
          tx,
          name,
          TEXT_COLUMNS,
          chunk.map((b) => [b.at, b.eventId, b.lastAt, b.account, b.messages, b.tokens]),
        );
      }
    }
  }

  private async writeIn(
    tx: Transaction<Database>,
    events: readonly Keyed[],
    checkExisting: boolean,
  ): Promise<WriteResult> {
    let fresh = events;
    if (checkExisting) {
      const existing = await this.existing(tx, events);
      fresh = events.filter((e) => !existing.has(keyOf(e.event.type, e.event.at, e.id)));
    }
    const messages = fresh.filter((e): e is Keyed<MessageLogEvent> => e.event.type === 'message');
    const calls = fresh.filter((e): e is Keyed<InterfaceLogEvent> => e.event.type === 'interface');
    let inserted = 0;
    for (const chunk of chunks(messages)) {
      inserted += await this.insertRows(tx, 'log_messages', MESSAGE_COLUMNS, chunk.map(messageValues));
    }
    for (const chunk of chunks(calls)) {
      inserted += await this.insertRows(
        tx,
        'log_interface_calls',
        ['at', 'event_id', 'account', 'api', 'errcode', 'errmsg', 'latency_ms'],
        chunk.map(({ id, event }) => [
          event.at,
          id,
          event.account,
          event.api,
          event.errcode,
          event.errmsg ?? null,
          event.latencyMs,
        ]),
      );
    }
    const outbound = fresh.filter((e): e is Keyed<OutboundEvent> => isOutboundEvent(e.event));
    for (const chunk of chunks(outbound)) {
      inserted += await this.insertRows(
        tx,
        'log_outbound_seen',
        ['at', 'event_id', 'account', 'kind'],
        chunk.map(({ id, event }) => [event.at, id, event.account, event.type]),
      );
    }
    if (inserted < fresh.length) {
      if (checkExisting) throw new Error(`log write: ${fresh.length - inserted} rows neither new nor found`);
      throw new SeenBefore();
    }
    if (this.mysql) await this.indexTexts(tx, messages);
    await this.rollUp(
      tx,
      messages.map((m) => m.event),
    );
    for (const chunk of chunks(outboundRollupsOf(outbound.map((o) => o.event)))) {
      await this.upsert(tx, 'log_rollup_outbound', chunk, OUTBOUND_ROLLUP_KEYS, ['count']);
    }
    return { written: inserted, duplicates: events.length - inserted };
  }

  private async existing(tx: Kysely<Database>, events: readonly Keyed[]): Promise<Set<string>> {
    const found = new Set<string>();
    for (const [table, types] of [
      ['log_messages', ['message']],
      ['log_interface_calls', ['interface']],
      ['log_outbound_seen', ['send', 'receipt']],
    ] as const) {
      const ofType = events.filter((e) => (types as readonly string[]).includes(e.event.type));
      // The key is (at, event_id) in each table: a producer's ids are unique across its event types.
      const type = types.length === 1 ? types[0] : undefined;
      for (const chunk of chunks(ofType)) {
        const ats = chunk.map((e) => e.event.at);
        const rows = await tx
          .selectFrom(table)
          .select(['at', 'event_id'])
          .where('at', '>=', Math.min(...ats))
          .where('at', '<=', Math.max(...ats))
          .where(
            'event_id',
            'in',
            chunk.map((e) => e.id),
          )
          .execute();
        for (const row of rows) {
          for (const t of type === undefined ? types : [type]) found.add(keyOf(t, Number(row.at), row.event_id));
        }
      }
    }
    return found;
  }

  private async rollUp(tx: Transaction<Database>, messages: readonly MessageLogEvent[]): Promise<void> {
    const { minutes, latency, days, spans, spanLatency } = rollupsOf(messages);
    for (const chunk of chunks(minutes)) {
      await this.upsert(
        tx,
        'log_rollup_minute',
        chunk,
        ['account', 'minute', 'msg_type'],
        ['total', 'fast', 'queued', 'failed'],
      );
    }
    for (const chunk of chunks(latency)) {
      await this.upsert(tx, 'log_rollup_latency', chunk, ['account', 'minute', 'bucket'], ['count']);
    }
    for (const chunk of chunks(days)) {
      await this.upsert(tx, 'log_rollup_day', chunk, ['account', 'day', 'metric', 'dimension'], ['count']);
    }
    for (const chunk of chunks(spans)) {
      await this.upsert(
        tx,
        'log_rollup_span',
        chunk,
        ['account', 'span', 'start', 'msg_type'],
        ['total', 'fast', 'queued', 'failed'],
      );
    }
    for (const chunk of chunks(spanLatency)) {
      await this.upsert(tx, 'log_rollup_span_latency', chunk, ['account', 'span', 'start', 'bucket'], ['count']);
    }
  }

  /** Adds `counters` to existing rows (ON DUPLICATE KEY UPDATE / ON CONFLICT DO UPDATE). */
  private async upsert<
    T extends
      | 'log_rollup_minute'
      | 'log_rollup_latency'
      | 'log_rollup_day'
      | 'log_rollup_span'
      | 'log_rollup_span_latency'
      | 'log_rollup_outbound',
  >(
    tx: Transaction<Database>,
    table: T,
    rows: readonly Record<string, string | number>[],
    keys: readonly string[],
    counters: readonly string[],
  ): Promise<void> {
    const columns = [...keys, ...counters];
    const update = this.mysql
      ? ` ON DUPLICATE KEY UPDATE ${counters.map((c) => `${c} = ${c} + VALUES(${c})`).join(', ')}`
      : ` ON CONFLICT (${keys.join(', ')}) DO UPDATE SET ${counters.map((c) => `${c} = ${c} + excluded.${c}`).join(', ')}`;
    await this.insertRows(
      tx,
      table,
      columns,
      rows.map((row) => columns.map((c) => row[c] as string | number)),
      update,
    );
  }

  /**
   * One multi-row INSERT (`INSERT IGNORE` / SQLite `INSERT OR IGNORE` unless `suffix` is an
   * upsert clause) with every value a bound parameter, written as SQL text directly: the query
   * builder's per-value nodes cost more CPU than the statement itself on the write path.
   * Returns the rows inserted. Table and column names are this file's constants, never input.
   */
  private async insertRows(
    tx: Transaction<Database>,
    table: string,
    columns: readonly string[],
    rows: readonly (readonly unknown[])[],
    suffix?: string,
  ): Promise<number> {
    const verb = suffix !== undefined ? 'INSERT INTO' : this.mysql ? 'INSERT IGNORE INTO' : 'INSERT OR IGNORE INTO';
    const row = `(${columns.map(() => '?').join(', ')})`;
    const text = `${verb} ${table} (${columns.join(', ')}) VALUES ${new Array(rows.length).fill(row).join(', ')}${suffix ?? ''}`;
    try {
      const result = await tx.executeQuery(CompiledQuery.raw(text, rows.flat()));
      return Number(result.numAffectedRows ?? 0n);
    } catch (error) {
      // The error carries the whole statement with its values; a log line says only this of it.
      throw noteStatement(error, `${verb} ${table}`, rows.length);
    }
  }
}

class SeenBefore extends Error {}

/** MariaDB/MySQL `ER_LOCK_DEADLOCK`: the transaction was rolled back. */
function isDeadlock(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === 1213;
}

/** MariaDB/MySQL `ER_NO_SUCH_TABLE`. */
function isNoSuchTable(error: unknown): boolean {
  return (error as { errno?: number } | null)?.errno === 1146;
}

interface Keyed<E extends LogEvent = LogEvent> {
  readonly id: string;
  readonly event: E;
}

function keyOf(type: string, at: number, id: string): string {
  return `${type}\u0000${at}\u0000${id}`;
}

/** Ids given (or derived), each event once: a batch may hold an event twice (a producer retried). */
function dedupe(events: readonly LogEvent[]): Keyed[] {
  const seen = new Map<string, Keyed>();
  for (const event of events) {
    const id = eventIdOf(event);
    seen.set(keyOf(event.type, event.at, id), { id, event });
  }
  return [...seen.values()];
}

/** A text index document's columns (`createTextTable`). */
const TEXT_COLUMNS = ['at', 'event_id', 'last_at', 'account', 'messages', 'tokens'] as const;

/** The columns of a `log_messages` row as the store writes them (and the bench loads them), in order. */
export const MESSAGE_COLUMNS = [
  'at',
  'event_id',
  'account',
  'open_id',
  'msg_type',
  'event',
  'event_key',
  'msg_id',
  'content',
  'outcome',
  'decided_by',
  'latency_ms',
] as const;

function messageValues({ id, event }: Keyed<MessageLogEvent>): unknown[] {
  return [
    event.at,
    id,
    event.account,
    event.openId,
    event.msgType,
    event.event ?? null,
    event.eventKey ?? null,
    event.msgId ?? null,
    event.content ?? null,
    event.outcome,
    event.decidedBy ?? null,
    event.latencyMs,
  ];
}

function* chunks<T>(items: readonly T[]): Generator<T[]> {
  for (let start = 0; start < items.length; start += ROWS_PER_STATEMENT) {
    yield items.slice(start, start + ROWS_PER_STATEMENT);
  }
}
