import { type AnyColumn, type InsertQueryBuilder, type Kysely, sql, type UpdateObject } from 'kysely';
import { isMysql } from './database.js';

/**
 * Makes an INSERT an upsert on a unique key, in the dialect of `db` — the one place a
 * repository's write depends on the database: `ON DUPLICATE KEY UPDATE` on MySQL / MariaDB,
 * `ON CONFLICT (key) DO UPDATE` on SQLite. One statement either way, so two replicas writing
 * the same key never race between a read and a write. `'keep'` leaves a stored row as it is
 * (unlike INSERT IGNORE, a real error — a NULL, a truncation — still fails the statement).
 */
export function upsertOn<DB, TB extends keyof DB & string, O>(
  db: Pick<Kysely<unknown>, 'getExecutor'>,
  insert: InsertQueryBuilder<DB, TB, O>,
  key: readonly [AnyColumn<DB, TB>, ...AnyColumn<DB, TB>[]],
  update: UpdateObject<DB, TB, TB> | 'keep',
): InsertQueryBuilder<DB, TB, O> {
  if (isMysql(db)) {
    // MySQL has no "do nothing": assigning the key to itself changes nothing.
    const set = update === 'keep' ? { [key[0]]: sql.ref(key[0]) } : update;
    return insert.onDuplicateKeyUpdate(set as UpdateObject<DB, TB, TB>);
  }
  return insert.onConflict((conflict) => {
    const target = conflict.columns(key);
    return update === 'keep' ? target.doNothing() : target.doUpdateSet(update as never);
  });
}
