import { type Connection, createConnection } from 'mysql2/promise';
import { AppError, ErrorCode } from '../errors/app-error.js';

/** Where a `mysql://` URL points, without the password: what an error message may show. */
export interface MysqlTarget {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly database: string;
}

export function mysqlTarget(url: string): MysqlTarget {
  const parsed = new URL(url);
  return {
    host: parsed.hostname || 'localhost',
    port: parsed.port === '' ? 3306 : Number(parsed.port),
    user: decodeURIComponent(parsed.username),
    database: decodeURIComponent(parsed.pathname.replace(/^\//, '')),
  };
}

/** `MySQL at 127.0.0.1:3306 as user "root", database "mpstack"`. */
export function describeMysqlTarget(target: MysqlTarget): string {
  const user = target.user === '' ? '(no user)' : `"${target.user}"`;
  return `MySQL at ${target.host}:${target.port} as user ${user}, database "${target.database}"`;
}

/** The server's (or the socket's) own words: `ER_ACCESS_DENIED_ERROR: Access denied for …`. */
export function mysqlErrorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, sqlMessage } = error as Error & { code?: string; sqlMessage?: string };
  const text = sqlMessage ?? error.message;
  // AggregateError (every address of the host refused) has an empty message.
  if (text === '' && error instanceof AggregateError) return error.errors.map(mysqlErrorText).join('; ');
  return code === undefined || text.includes(code) ? text : `${code}: ${text}`;
}

/**
 * Makes sure the database of a `mysql://` URL exists before migrations run: connects to the
 * server without a database and creates it (utf8mb4) when it is not there, so `mpstack dev`
 * and `mpstack migrate` work on a fresh server. Any failure names the host, port, user and
 * database and quotes the server's error, never the password.
 */
export async function ensureMysqlDatabase(url: string): Promise<{ readonly created: boolean }> {
  const target = mysqlTarget(url);
  const where = describeMysqlTarget(target);
  if (target.database === '') {
    throw new AppError(ErrorCode.configInvalid, `${where}: the URL names no database (mysql://user@host:3306/<name>)`);
  }
  const parsed = new URL(url);
  let connection: Connection;
  try {
    connection = await createConnection({
      host: target.host,
      port: target.port,
      user: target.user,
      password: decodeURIComponent(parsed.password),
      charset: 'utf8mb4_unicode_ci',
      connectTimeout: 10_000,
    });
  } catch (error) {
    throw new AppError(ErrorCode.unavailable, `cannot connect to ${where}: ${mysqlErrorText(error)}`, {
      cause: error,
    });
  }
  try {
    const [rows] = await connection.query('SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = ?', [
      target.database,
    ]);
    if ((rows as unknown[]).length > 0) return { created: false };
    const identifier = `\`${target.database.replaceAll('`', '``')}\``;
    try {
      await connection.query(
        `CREATE DATABASE IF NOT EXISTS ${identifier} CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
      );
    } catch (error) {
      throw new AppError(
        ErrorCode.unavailable,
        `${where}: the database does not exist (or the user cannot see it) and creating it failed: ${mysqlErrorText(error)}`,
        { cause: error },
      );
    }
    return { created: true };
  } finally {
    await connection.end().catch(() => undefined);
  }
}
