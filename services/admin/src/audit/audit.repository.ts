import type { Db } from '@mpstack/common/db';
import { nowTimestamp, toDate } from '@mpstack/common/db';
import { sql } from 'kysely';
import { ApiFailure } from '../api-error.js';
import type { AuditRow } from '../api-types.js';
import type { AuditEntry, AuditPage, AuditQuery } from './audit.types.js';
import { maskSecrets } from './mask.js';

/** A MariaDB `text` holds 65,535 bytes; a larger before/after is stored as a marked preview. */
const maxJsonBytes = 60_000;

/**
 * Appends one entry to `audit_log`. Pass the caller's transaction (`db.transaction().execute(trx
 * => …)`) so the write and its audit entry commit together, or the database for an event with
 * nothing else to write (a failed sign-in). Secret-named fields of before/after are masked
 * (`mask.ts`); text is cut to its column's length (counted in characters, as utf8mb4 counts).
 */
export async function recordAudit(trx: Db, entry: AuditEntry): Promise<void> {
  await trx
    .insertInto('audit_log')
    .values({
      at: nowTimestamp(entry.at ?? new Date()),
      actor: clip(entry.actor, 64),
      ip: clip(entry.ip, 64),
      action: clip(entry.action, 64),
      target: clip(entry.target, 255),
      outcome: entry.outcome ?? 'ok',
      before_json: toJson(entry.before),
      after_json: toJson(entry.after),
    })
    .execute();
}

/** Newest first, keyset-paginated on (at, id) — the `audit_log_at_idx` index. */
export async function queryAudit(db: Db, query: AuditQuery): Promise<AuditPage> {
  let select = db
    .selectFrom('audit_log')
    .select(['id', 'at', 'actor', 'ip', 'action', 'target', 'outcome', 'before_json', 'after_json']);
  if (query.actor !== undefined) select = select.where('actor', '=', query.actor);
  if (query.action !== undefined)
    select = select.where(sql<boolean>`action like ${`${escapeLike(query.action)}%`} escape '!'`);
  if (query.target !== undefined) {
    select = select.where(sql<boolean>`target like ${`%${escapeLike(query.target)}%`} escape '!'`);
  }
  if (query.from !== undefined) select = select.where('at', '>=', nowTimestamp(new Date(query.from)));
  if (query.to !== undefined) select = select.where('at', '<', nowTimestamp(new Date(query.to)));
  if (query.cursor !== undefined) {
    const after = decodeCursor(query.cursor);
    select = select.where((eb) =>
      eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('id', '<', after.id)])]),
    );
  }
  const rows = await select
    .orderBy('at', 'desc')
    .orderBy('id', 'desc')
    .limit(query.limit + 1)
    .execute();
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  const items = page.map(toRow);
  if (rows.length <= query.limit || last === undefined) return { items };
  return { items, nextCursor: encodeCursor(storedAt(last.at), Number(last.id)) };
}

function toRow(row: {
  readonly id: number | string;
  readonly at: string | Date;
  readonly actor: string;
  readonly ip: string;
  readonly action: string;
  readonly target: string;
  readonly outcome: string;
  readonly before_json: string | null;
  readonly after_json: string | null;
}): AuditRow {
  return {
    id: String(row.id),
    at: toDate(row.at).getTime(),
    actor: row.actor,
    ip: row.ip,
    action: row.action,
    target: row.target,
    outcome: row.outcome === 'denied' ? 'denied' : 'ok',
    ...(row.before_json === null ? {} : { before: JSON.parse(row.before_json) as unknown }),
    ...(row.after_json === null ? {} : { after: JSON.parse(row.after_json) as unknown }),
  };
}

/** The stored `at` as the string both dialects compare against (MariaDB returns a Date). */
function storedAt(at: string | Date): string {
  return at instanceof Date ? nowTimestamp(at) : at;
}

function encodeCursor(at: string, id: number): string {
  return Buffer.from(JSON.stringify([at, id])).toString('base64url');
}

function decodeCursor(cursor: string): { readonly at: string; readonly id: number } {
  try {
    const [at, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown[];
    if (typeof at === 'string' && /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/.test(at) && Number.isSafeInteger(id)) {
      return { at, id: id as number };
    }
  } catch {
    // answered below
  }
  throw new ApiFailure('invalid_request', 'bad cursor', { problems: ['cursor: not a cursor this API returned'] });
}

function toJson(value: unknown): string | null {
  if (value === undefined) return null;
  const json = JSON.stringify(maskSecrets(value)) ?? null;
  if (json === null || Buffer.byteLength(json) <= maxJsonBytes) return json;
  return JSON.stringify({ truncated: true, preview: clip(json, 1000) });
}

function clip(text: string, characters: number): string {
  const chars = Array.from(text);
  return chars.length <= characters ? text : chars.slice(0, characters).join('');
}

/** `%`, `_` and the escape character itself matched literally (`escape '!'` — one character in every dialect). */
function escapeLike(text: string): string {
  return text.replace(/[!%_]/g, (c) => `!${c}`);
}
