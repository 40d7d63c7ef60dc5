import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { createConnection } from 'mysql2/promise';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { MYSQL_ADMIN_URL } from '../contract/mysql-support.js';
import { uniqueSuffix } from '../contract/support.js';

describe('MariaDB database', () => {
  const name = `mpstack_t_${uniqueSuffix()}`;
  let admin: Awaited<ReturnType<typeof createConnection>>;

  before(async () => {
    admin = await createConnection(MYSQL_ADMIN_URL);
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1`);
  });
  after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });

  it('replicas migrating at the same moment apply each migration exactly once', async () => {
    const replicas = [1, 2, 3].map(() => createDatabase({ url: `${MYSQL_ADMIN_URL}/${name}`, connectionLimit: 2 }));
    try {
      const results = await Promise.all(replicas.map((db) => migrateToLatest(db)));
      assert.deepEqual(
        results.flatMap((r) => r.applied),
        Object.keys(migrations),
      );
    } finally {
      await Promise.all(replicas.map((db) => db.destroy()));
    }
  });

  it('tables are utf8mb4 even in a database whose default charset is latin1', async () => {
    const [rows] = await admin.query(
      'SELECT TABLE_NAME AS t, TABLE_COLLATION AS c FROM information_schema.TABLES WHERE TABLE_SCHEMA = ? ORDER BY 1',
      [name],
    );
    const collations = (rows as { t: string; c: string }[]).filter((r) => !r.t.startsWith('kysely_'));
    // Every table the migrations create, whichever they are (the next migration adds its own).
    for (const table of ['accounts', 'reply_rules', 'spooled_messages', 'log_messages']) {
      assert.ok(
        collations.some((r) => r.t === table),
        `${table} missing`,
      );
    }
    assert.deepEqual(
      collations.filter((r) => r.c !== 'utf8mb4_unicode_ci').map((r) => [r.t, r.c]),
      [],
    );
  });

  it('an emoji is stored as its 4 UTF-8 bytes, not mangled to ?', async () => {
    const db = createDatabase({ url: `${MYSQL_ADMIN_URL}/${name}` });
    try {
      await db
        .insertInto('accounts')
        .values({ id: 'emoji', name: '🧧', app_id: 'wx', app_secret: 's', token: 't', encrypt_mode: 'plain' })
        .execute();
      const { rows } = await sql<{ h: string }>`SELECT HEX(name) AS h FROM accounts WHERE id = 'emoji'`.execute(db);
      assert.equal(rows[0]?.h, 'F09FA7A7');
    } finally {
      await db.destroy();
    }
  });
});

describe('SQLite database', () => {
  it('a file database runs in WAL mode with foreign keys on, creating its folder', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'mpstack-db-'));
    const db = createDatabase({ sqlitePath: join(dir, 'a', 'b.db') });
    try {
      const mode = await sql<{ journal_mode: string }>`PRAGMA journal_mode`.execute(db);
      const keys = await sql<{ foreign_keys: number }>`PRAGMA foreign_keys`.execute(db);
      assert.equal(mode.rows[0]?.journal_mode, 'wal');
      assert.equal(keys.rows[0]?.foreign_keys, 1);
    } finally {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
