import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest, nowTimestamp } from '@mpstack/common/db';
import { createTestDatabase } from '@mpstack/testkit';

export type Dialect = 'MariaDB' | 'SQLite';

/** A migrated database of `dialect` for one suite: a fresh MariaDB database, or SQLite in a temporary directory. */
export interface DialectDb {
  readonly db: Db;
  /** Closes the pool and drops the database (or removes the directory). */
  dispose(): Promise<void>;
}

export async function openDialectDb(dialect: Dialect, prefix: string): Promise<DialectDb> {
  if (dialect === 'MariaDB') {
    const mariadb = await createTestDatabase();
    const db = createDatabase({ url: mariadb.url, connectionLimit: 4 });
    await migrateToLatest(db);
    return {
      db,
      async dispose() {
        await db.destroy();
        await mariadb.drop();
      },
    };
  }
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const db = createDatabase({ sqlitePath: join(dir, 'mpstack.db') });
  await migrateToLatest(db);
  return {
    db,
    async dispose() {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A plain-mode account row `id` (AppID `appId`), as the console would have stored it. */
export async function insertAccount(db: Db, id: string, appId: string): Promise<void> {
  const stamp = nowTimestamp(new Date());
  await db
    .insertInto('accounts')
    .values({
      id,
      name: id,
      app_id: appId,
      app_secret: 's',
      token: 't',
      encoding_aes_key: null,
      previous_encoding_aes_key: null,
      encrypt_mode: 'plain',
      created_at: stamp,
      updated_at: stamp,
    })
    .execute();
}
