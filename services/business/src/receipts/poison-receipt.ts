/**
 * Whether a receipt's write failed because of the receipt itself — writing it again fails the
 * same way — rather than the database being away for a while. Deterministic: a value the
 * columns refuse (SQLSTATE class 22, data exception: a status longer than its column, a number
 * out of range), a constraint it breaks (class 23), SQLite's constraint and type mismatches,
 * and a value the driver cannot bind (a TypeError or RangeError). Anything else — a connection
 * refused or lost, a deadlock, a lock wait timeout, the pool closed — is transient: the
 * message is retried whole.
 */
export function failsEveryTime(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  if (typeof error !== 'object' || error === null) return false;
  const { sqlState, errno, code } = error as { sqlState?: unknown; errno?: unknown; code?: unknown };
  if (typeof sqlState === 'string' && (sqlState.startsWith('22') || sqlState.startsWith('23'))) return true;
  // MariaDB's value errors reported with the generic HY000: 1366 incorrect value, 1292 truncated.
  if (errno === 1366 || errno === 1292) return true;
  return typeof code === 'string' && (code.startsWith('SQLITE_CONSTRAINT') || code === 'SQLITE_MISMATCH');
}
