import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createConnection } from 'mysql2/promise';
import { createDatabase } from '../../src/db/database.js';
import { describeDatabaseContract } from './database.contract.js';
import { MYSQL_ADMIN_URL } from './mysql-support.js';
import { uniqueSuffix } from './support.js';

describeDatabaseContract('sqlite', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'mpstack-db-'));
  const db = createDatabase({ sqlitePath: join(dir, 'nested', 'mpstack.db') });
  return {
    db,
    cleanup: async () => {
      await db.destroy();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describeDatabaseContract('mariadb', async () => {
  const name = `mpstack_t_${uniqueSuffix()}`;
  const admin = await createConnection(MYSQL_ADMIN_URL);
  // latin1 on purpose: the tables themselves must ask for utf8mb4.
  await admin.query(`CREATE DATABASE \`${name}\` CHARACTER SET latin1`);
  const db = createDatabase({ url: `${MYSQL_ADMIN_URL}/${name}`, connectionLimit: 4 });
  return {
    db,
    cleanup: async () => {
      await db.destroy();
      await admin.query(`DROP DATABASE IF EXISTS \`${name}\``);
      await admin.end();
    },
  };
});
