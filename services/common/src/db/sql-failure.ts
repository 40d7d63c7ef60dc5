/**
 * A failed statement, bounded for a log line: a driver's error carries the whole statement
 * with its values inlined (mysql2's `sql`: ~100 KB for a log batch), which must not be logged.
 */
export interface SqlFailure {
  /** `INSERT IGNORE INTO log_messages`: the verb and the table, never the values. */
  readonly statement?: string;
  /** Rows the statement carried, when the code that ran it said ({@link noteStatement}). */
  readonly rows?: number;
  readonly code?: string;
  readonly errno?: number;
  readonly sqlState?: string;
  /** The server's (or driver's) words, at most {@link MESSAGE_CHARS} characters. */
  readonly message: string;
}

const MESSAGE_CHARS = 300;
const noted = new WeakMap<object, { readonly statement: string; readonly rows: number }>();

/**
 * Records, for {@link sqlFailure}, the statement an error came from: its kind (verb and
 * table) and its row count, which the error's text does not give reliably. Returns the error
 * unchanged (its code and errno still drive retries), to be rethrown.
 */
export function noteStatement(error: unknown, statement: string, rows: number): unknown {
  if (typeof error === 'object' && error !== null && !noted.has(error)) noted.set(error, { statement, rows });
  return error;
}

/** What to log of a failed statement: kind, row count, code and a bounded message — never the SQL. */
export function sqlFailure(error: unknown): SqlFailure {
  if (typeof error !== 'object' || error === null) return { message: bounded(String(error)) };
  const { code, errno, sqlState, sqlMessage, message, sql } = error as {
    code?: unknown;
    errno?: unknown;
    sqlState?: unknown;
    sqlMessage?: unknown;
    message?: unknown;
    sql?: unknown;
  };
  const statement = noted.get(error) ?? (typeof sql === 'string' ? statementKind(sql) : undefined);
  const text = typeof sqlMessage === 'string' ? sqlMessage : typeof message === 'string' ? message : String(error);
  return {
    ...(typeof statement === 'string' ? { statement } : statement),
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof errno === 'number' ? { errno } : {}),
    ...(typeof sqlState === 'string' ? { sqlState } : {}),
    message: bounded(text),
  };
}

/** `INSERT IGNORE INTO log_messages (…) VALUES …` → `INSERT IGNORE INTO log_messages`; looks at the start only. */
function statementKind(sql: string): string | undefined {
  const head = /^\s*([a-z]+(?:\s+(?:ignore|or\s+ignore|into|from))*)\s+`?([\w.$]+)`?/i.exec(sql.slice(0, 200));
  return head === null ? undefined : `${head[1]?.replace(/\s+/g, ' ')} ${head[2]}`;
}

function bounded(text: string): string {
  return text.length <= MESSAGE_CHARS ? text : `${text.slice(0, MESSAGE_CHARS)}… (${text.length} characters)`;
}
