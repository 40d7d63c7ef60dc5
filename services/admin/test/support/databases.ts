import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDatabase, type Db, migrateToLatest } from '@mpstack/common/db';
import { createTestDatabase } from '@mpstack/testkit';

/** Both adapters of the database port: the real MariaDB (a database of its own) and SQLite (embedded). */
export const dialects = ['MariaDB', 'SQLite'] as const;
export type Dialect = (typeof dialects)[number];

export interface TestDb {
  readonly db: Db;
  /** The `MPSTACK_DATABASE_URL` for MariaDB; undefined for SQLite. */
  readonly url: string | undefined;
  /** The `MPSTACK_DATA_DIR` holding the SQLite file (`mpstack.db`); a scratch directory for MariaDB. */
  readonly dataDir: string;
  cleanup(): Promise<void>;
}

/** A fresh, migrated database of one dialect; `cleanup` closes and drops it. */
export async function openTestDb(dialect: Dialect): Promise<TestDb> {
  const dataDir = await mkdtemp(join(tmpdir(), 'mpstack-admin-db-'));
  const mariadb = dialect === 'MariaDB' ? await createTestDatabase() : undefined;
  const db = createDatabase(
    mariadb === undefined ? { sqlitePath: join(dataDir, 'mpstack.db') } : { url: mariadb.url, connectionLimit: 4 },
  );
  await migrateToLatest(db);
  return {
    db,
    url: mariadb?.url,
    dataDir,
    async cleanup() {
      await db.destroy();
      await mariadb?.drop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
