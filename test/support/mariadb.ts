import mysql from 'mysql2/promise';

const ADMIN_URL = process.env['MPSTACK_TEST_DATABASE_URL'] ?? 'mysql://root@127.0.0.1:3306';

/** Creates an empty utf8mb4 database for one test run; returns its URL. */
export async function createTestDatabase(name: string): Promise<string> {
  const connection = await mysql.createConnection(ADMIN_URL);
  try {
    await connection.query(`CREATE DATABASE \`${name}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`);
  } finally {
    await connection.end();
  }
  return `${ADMIN_URL}/${name}`;
}

export async function dropTestDatabase(name: string): Promise<void> {
  const connection = await mysql.createConnection(ADMIN_URL);
  try {
    await connection.query(`DROP DATABASE IF EXISTS \`${name}\``);
  } finally {
    await connection.end();
  }
}
