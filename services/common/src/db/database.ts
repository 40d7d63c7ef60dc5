import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import SqliteDatabase from 'better-sqlite3';
import { CompiledQuery, Kysely, MysqlAdapter, MysqlDialect, SqliteDialect } from 'kysely';
import { createPool } from 'mysql2';
import type { Database } from './schema.js';

export interface DatabaseConfig {
  /** `mysql://user:pass@host:3306/db` selects MySQL/MariaDB; anything else, SQLite. */
  readonly url?: string;
  /** SQLite file (embedded mode). Default `.mpstack/mpstack.db`; `:memory:` for tests. */
  readonly sqlitePath?: string;
  /** MySQL pool size. Default 10. */
  readonly connectionLimit?: number;
}

export type Db = Kysely<Database>;

export const DEFAULT_SQLITE_PATH = '.mpstack/mpstack.db';

/**
 * MySQL/MariaDB (the system of record) when `url` is a `mysql://` URL, else the embedded
 * SQLite file. Both sessions run in UTC so timestamps mean the same in either dialect.
 * Close with `db.destroy()`.
 */
export function createDatabase(config: DatabaseConfig = {}): Db {
  if (config.url?.startsWith('mysql://') === true) return createMysql(config.url, config.connectionLimit ?? 10);
  return createSqlite(config.sqlitePath ?? DEFAULT_SQLITE_PATH);
}

/** True for MySQL/MariaDB: upserts and DDL options differ between the dialects. */
export function isMysql(db: Pick<Kysely<unknown>, 'getExecutor'>): boolean {
  return db.getExecutor().adapter instanceof MysqlAdapter;
}

function createMysql(url: string, connectionLimit: number): Db {
  const pool = createPool({
    uri: url,
    connectionLimit,
    // utf8mb4 on the wire: nicknames and rule keywords carry 4-byte emoji.
    charset: 'utf8mb4_unicode_ci',
    timezone: 'Z',
    supportBigNumbers: true,
  });
  return new Kysely<Database>({
    dialect: new MysqlDialect({
      pool,
      onCreateConnection: async (connection) => {
        await connection.executeQuery(CompiledQuery.raw("SET time_zone = '+00:00'"));
      },
    }),
  });
}

function createSqlite(path: string): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const database = new SqliteDatabase(path);
  // WAL: readers never block the writer; foreign keys are off by default in SQLite.
  database.pragma('journal_mode = WAL');
  database.pragma('foreign_keys = ON');
  database.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
}

/** Current time as the UTC string both dialects store (see `schema.ts`). */
export function nowTimestamp(now: Date = new Date()): string {
  return now.toISOString().replace('T', ' ').replace('Z', '');
}

/** A stored timestamp as a `Date`, whichever dialect returned it. */
export function toDate(value: Date | string): Date {
  return value instanceof Date ? value : new Date(`${value.replace(' ', 'T')}Z`);
}
