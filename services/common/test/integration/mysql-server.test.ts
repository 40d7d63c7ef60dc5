import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { createConnection } from 'mysql2/promise';
import { createDatabase } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { migrations } from '../../src/db/migrations/index.js';
import { ensureMysqlDatabase } from '../../src/db/mysql-server.js';
import { isAppError } from '../../src/errors/app-error.js';
import { MYSQL_ADMIN_URL } from '../contract/mysql-support.js';
import { uniqueSuffix } from '../contract/support.js';

/** A loopback port nothing listens on (bound, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

function withPath(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

describe('a MySQL database URL on a fresh server', () => {
  const name = `mpstack_t_${uniqueSuffix()}`;
  let admin: Awaited<ReturnType<typeof createConnection>>;

  before(async () => {
    admin = await createConnection(MYSQL_ADMIN_URL);
  });
  after(async () => {
    await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
    await admin.end();
  });

  it('a missing database is created with utf8mb4, once, and migrations then run in it', async () => {
    const url = withPath(MYSQL_ADMIN_URL, name);
    assert.deepEqual(await ensureMysqlDatabase(url), { created: true });
    assert.deepEqual(await ensureMysqlDatabase(url), { created: false });
    const [rows] = await admin.query(
      'SELECT DEFAULT_CHARACTER_SET_NAME AS cs, DEFAULT_COLLATION_NAME AS co FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?',
      [name],
    );
    assert.deepEqual(rows, [{ cs: 'utf8mb4', co: 'utf8mb4_unicode_ci' }]);
    const db = createDatabase({ url, connectionLimit: 1 });
    try {
      assert.deepEqual((await migrateToLatest(db)).applied, Object.keys(migrations).sort());
    } finally {
      await db.destroy();
    }
  });

  it('a closed port names host, port, user and database and the refusal', async () => {
    const port = await closedPort();
    await assert.rejects(ensureMysqlDatabase(`mysql://someone:secret@127.0.0.1:${port}/mpstack`), (error) => {
      assert.ok(isAppError(error));
      assert.equal(
        error.message,
        `cannot connect to MySQL at 127.0.0.1:${port} as user "someone", database "mpstack": connect ECONNREFUSED 127.0.0.1:${port}`,
      );
      return true;
    });
  });

  it('wrong credentials quote the server and never show the password', async () => {
    const parsed = new URL(MYSQL_ADMIN_URL);
    const url = `mysql://mpstack_nosuch_user:hunter2@${parsed.host}/mpstack`;
    await assert.rejects(ensureMysqlDatabase(url), (error) => {
      assert.ok(isAppError(error));
      assert.match(
        error.message,
        /^cannot connect to MySQL at .+:\d+ as user "mpstack_nosuch_user", database "mpstack": ER_ACCESS_DENIED\w*: Access denied for user 'mpstack_nosuch_user'@/,
      );
      assert.doesNotMatch(error.message, /hunter2/);
      return true;
    });
  });

  it('a URL without a database name says so', async () => {
    await assert.rejects(ensureMysqlDatabase(MYSQL_ADMIN_URL), /the URL names no database/);
  });

  it('a migration failure quotes the cause instead of "migration unknown failed"', async () => {
    const port = await closedPort();
    const db = createDatabase({ url: `mysql://root@127.0.0.1:${port}/mpstack`, connectionLimit: 1 });
    try {
      await assert.rejects(migrateToLatest(db), /^AppError: migrations could not run: connect ECONNREFUSED/);
    } finally {
      await db.destroy();
    }
  });
});
