import { type Db, isMysql } from '@mpstack/common/db';
import { CompiledQuery, type QueryResult, type Transaction } from 'kysely';

type Database = Db extends import('kysely').Kysely<infer D> ? D : never;
export type Executor = Db | Transaction<Database>;

/**
 * Runs one statement written as SQL text with `?` placeholders (the same in both dialects:
 * mysql2 and better-sqlite3). The pipeline's hot statements are written so: a push's batch or a
 * receipt batch runs a handful of them, and building each through Kysely's query builder and
 * compiler cost the business process more than the rest of the statement's path.
 */
export function run<R = Record<string, unknown>>(
  db: Executor,
  text: string,
  params: readonly unknown[],
): Promise<QueryResult<R>> {
  return db.executeQuery<R>(CompiledQuery.raw(text, [...params]));
}

/** Rows an UPDATE or DELETE matched (mysql2 reports found rows; SQLite, changed ones — the same here). */
export function affected(result: QueryResult<unknown>): number {
  return Number(result.numAffectedRows ?? 0n);
}

/** `?, ?, ?` for `n` values. */
export function marks(n: number): string {
  return n === 1 ? '?' : `?${', ?'.repeat(n - 1)}`;
}

/**
 * A hint that makes a statement on `push_recipients` use `index`. MariaDB's estimates for
 * these indexes are wrong in the ways a push makes them:
 * - `push_recipients_msgid_idx`: for an `IN` list of 200 msgids or more (past
 *   `eq_range_index_dive_limit`) it estimates from the index statistics, where the recipients
 *   not sent yet (msgid NULL, most of a running push) make every msgid look like thousands of
 *   rows, and scans the whole table instead — at a million recipients, every receipt batch
 *   read a million rows;
 * - `push_recipients_state_idx`: "is any recipient pending or sending" (`LIMIT 1`) was read
 *   along the primary key from the push's first row, past every recipient already sent — up to
 *   a million rows at the end of each chunk.
 */
export function indexHint(db: Executor, index: 'push_recipients_msgid_idx' | 'push_recipients_state_idx'): string {
  return isMysql(db) ? `FORCE INDEX (${index})` : `INDEXED BY ${index}`;
}

/** {@link indexHint} for the msgid index. */
export function msgidIndex(db: Executor): string {
  return indexHint(db, 'push_recipients_msgid_idx');
}

/**
 * Runs a transaction again (up to three times) when InnoDB rolled it back as a deadlock's victim
 * or after a lock wait timeout: nothing of it was written. The recording of a batch and a
 * receipt join can deadlock on the msgid index (the join's gap lock, the recording's insert of
 * a new msgid into that gap).
 */
export async function retryingLockConflicts<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const errno = (error as { errno?: unknown } | null)?.errno;
      if (attempt === 3 || (errno !== 1213 && errno !== 1205)) throw error;
    }
  }
}
