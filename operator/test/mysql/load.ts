import mysql from 'mysql2/promise';

/**
 * A client-side insert load: inserts one row at a time as the unprivileged `app` account
 * and remembers the id of every insert the server acknowledged. Stops on `stop()` or on
 * the first error (the writer went read-only or died), which is what an application sees.
 */
export interface InsertLoad {
  readonly acked: number[];
  /** Resolves with the error that ended the load, or null when stopped. */
  readonly done: Promise<Error | null>;
  stop(): void;
}

export function startInsertLoad(port: number, origin: string): InsertLoad {
  const acked: number[] = [];
  let stopped = false;
  const done = (async (): Promise<Error | null> => {
    let connection: mysql.Connection | null = null;
    try {
      connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'app', password: 'app-secret' });
      connection.on('error', () => undefined);
      while (!stopped) {
        const [result] = await connection.query<mysql.ResultSetHeader>('INSERT INTO shop.orders (origin) VALUES (?)', [
          origin,
        ]);
        acked.push(result.insertId);
      }
      return null;
    } catch (error) {
      return error as Error;
    } finally {
      connection?.destroy();
    }
  })();
  return {
    acked,
    done,
    stop: () => {
      stopped = true;
    },
  };
}

/** Runs one statement as root over TCP. */
export async function sqlOn(port: number, query: string, params: readonly unknown[] = []): Promise<unknown[]> {
  const connection = await mysql.createConnection({ host: '127.0.0.1', port, user: 'root', connectTimeout: 2000 });
  try {
    const [rows] = await connection.query(query, [...params]);
    return Array.isArray(rows) ? rows : [];
  } finally {
    connection.destroy();
  }
}

/** The ids present in shop.orders on a server. */
export async function orderIds(port: number): Promise<Set<number>> {
  const rows = (await sqlOn(port, 'SELECT id FROM shop.orders')) as { id: number }[];
  return new Set(rows.map((r) => r.id));
}

/** Creates the application schema and the `app` account (no READ_ONLY ADMIN) on the writer. */
export async function createAppSchema(port: number): Promise<void> {
  await sqlOn(port, 'CREATE DATABASE IF NOT EXISTS shop');
  await sqlOn(
    port,
    'CREATE TABLE IF NOT EXISTS shop.orders (id INT AUTO_INCREMENT PRIMARY KEY, origin VARCHAR(16) NOT NULL)',
  );
  await sqlOn(port, "CREATE USER IF NOT EXISTS app@'%' IDENTIFIED BY 'app-secret'");
  await sqlOn(port, "GRANT SELECT, INSERT, UPDATE, DELETE ON shop.* TO app@'%'");
}
