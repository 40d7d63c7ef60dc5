import { createConnection } from 'mysql2/promise';
import { uniqueName } from './wait.js';

/** The test MariaDB server, without a database; tests create and drop databases of their own. */
export const MYSQL_URL = process.env['MPSTACK_TEST_MYSQL_URL'] ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  /** `mysql://…/<name>`, for `createDatabase({ url })`. */
  readonly url: string;
  drop(): Promise<void>;
}

/** Creates a database with a unique name (utf8mb4) on the test server; `drop` removes it. */
export async function createTestDatabase(prefix = 'mpstack_t'): Promise<TestDatabase> {
  const name = uniqueName(prefix).replace(/[^A-Za-z0-9_]/g, '_');
  const admin = await createConnection(MYSQL_URL);
  try {
    await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await admin.end();
  }
  return {
    url: `${MYSQL_URL}/${name}`,
    async drop() {
      const connection = await createConnection(MYSQL_URL);
      try {
        await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await connection.end();
      }
    },
  };
}
