/**
 * True when a statement failed on a primary or unique key, in either dialect (MySQL/MariaDB
 * `ER_DUP_ENTRY`, SQLite `SQLITE_CONSTRAINT_PRIMARYKEY`/`_UNIQUE`): a repository maps it to a
 * conflict without knowing which database it runs on.
 */
export function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ER_DUP_ENTRY' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
