import mysql from 'mysql2/promise';
import type { SqlSession } from './dialect.js';

/** Credentials of the operator's own administrative account. */
export interface AdminCredentials {
  readonly user: string;
  readonly password: string;
  /** A probe must fail fast: a dead pod should cost one timeout, not a TCP retry storm. */
  readonly connectTimeoutMs: number;
}

/** Where to connect (the driver passes its endpoint). */
export interface Address {
  readonly host: string;
  readonly port: number;
}

/** A `connect` function for the driver, backed by one mysql2 connection per session. */
export function mysql2Connector(credentials: AdminCredentials): (address: Address) => Promise<SqlSession> {
  return async (address) => {
    const connection = await mysql.createConnection({
      host: address.host,
      port: address.port,
      user: credentials.user,
      password: credentials.password,
      connectTimeout: credentials.connectTimeoutMs,
      multipleStatements: false,
    });
    // A killed server surfaces as an 'error' event on an idle connection; the next query
    // reports it, so the event only needs a listener to keep the process alive.
    connection.on('error', () => undefined);
    return {
      async query(sql, params) {
        const [rows] = await connection.query(sql, params === undefined ? undefined : [...params]);
        return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
      },
      async close() {
        connection.destroy();
      },
    };
  };
}
