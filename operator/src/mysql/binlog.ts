import { col, type SqlSession } from './dialect.js';

/**
 * What a server's binary log holds, read over SQL (`SHOW BINARY LOGS` + `SHOW BINLOG EVENTS`,
 * the same in MariaDB 10.11 and MySQL 8.4). Used at bootstrap only, when the logs hold
 * nothing but what the image's entrypoint wrote on first boot: a handful of events.
 *
 * A transaction is the events from one `Gtid` event to the next. Its `fingerprint` is what
 * two pods must share for their first-boot transactions to count as the same work done twice:
 * the statements with credentials masked (MySQL logs a salted hash, so equal passwords log
 * differently) and, for row events, the tables they touch.
 */
export interface BinlogTransaction {
  /** The GTID as the server prints it (`1-1-3`, `uuid:3`). */
  readonly gtid: string;
  /** Statements other than BEGIN/COMMIT, credentials masked. */
  readonly statements: readonly string[];
  /** `db.table` of every row event. */
  readonly rowTables: readonly string[];
}

/** Masks what follows IDENTIFIED … BY/AS and PASSWORD(…): secrets never leave the server. */
export function maskCredentials(text: string): string {
  return text
    .replace(/(IDENTIFIED\s+(?:WITH\s+\S+\s+)?(?:BY|AS)\s+(?:PASSWORD\s+)?)'(?:[^'\\]|\\.|'')*'/gi, "$1'***'")
    .replace(/(PASSWORD\s*\(\s*)'(?:[^'\\]|\\.|'')*'/gi, "$1'***'")
    .replace(/(PASSWORD\s*=\s*)'(?:[^'\\]|\\.|'')*'/gi, "$1'***'");
}

/** `use \`mysql\`; CREATE …` → `CREATE …`; the default database does not change an account statement. */
function statementOf(info: string): string {
  return maskCredentials(info.replace(/^use\s+`[^`]*`\s*;\s*/i, '').trim());
}

const GTID_INFO = [/^BEGIN GTID (\S+)/, /^GTID (\S+)/, /GTID_NEXT\s*=\s*'([^']+)'/i];
const TABLE_MAP = /\(([^)]+)\)\s*$/;
const NOT_A_STATEMENT = /^(BEGIN|COMMIT|XA\b)/i;

/** Groups `SHOW BINLOG EVENTS` rows into transactions; events before the first GTID are file headers. */
export function parseBinlogEvents(rows: readonly Readonly<Record<string, unknown>>[]): BinlogTransaction[] {
  const out: { gtid: string; statements: string[]; rowTables: string[] }[] = [];
  for (const row of rows) {
    const type = col(row, 'Event_type');
    const info = col(row, 'Info');
    if (type === 'Gtid') {
      const gtid = GTID_INFO.map((re) => re.exec(info)?.[1]).find((g) => g !== undefined) ?? info;
      out.push({ gtid, statements: [], rowTables: [] });
      continue;
    }
    const current = out[out.length - 1];
    if (current === undefined) continue;
    if (type === 'Query' && !NOT_A_STATEMENT.test(info.trim())) current.statements.push(statementOf(info));
    if (type === 'Table_map') current.rowTables.push(TABLE_MAP.exec(info)?.[1] ?? info);
  }
  return out;
}

/**
 * Every transaction in the server's binary logs, or null when there are more than
 * `maxEvents` events (then it is not a first boot, and reading on would be costly).
 */
export async function readBinlogTransactions(
  session: SqlSession,
  maxEvents: number,
): Promise<BinlogTransaction[] | null> {
  const files = await session.query('SHOW BINARY LOGS');
  const rows: Readonly<Record<string, unknown>>[] = [];
  for (const file of files) {
    const left = maxEvents + 1 - rows.length;
    if (left <= 0) return null;
    rows.push(...(await session.query(`SHOW BINLOG EVENTS IN ? LIMIT ${left}`, [col(file, 'Log_name')])));
  }
  return rows.length > maxEvents ? null : parseBinlogEvents(rows);
}

/**
 * The GTIDs logged in `file` from `pos` to its end (at most `maxEvents` events; null beyond:
 * too long to prove anything). A server starts a new file at every start, so these are
 * transactions the process that wrote `pos` logged after it.
 */
export async function readBinlogTail(
  session: SqlSession,
  file: string,
  pos: number,
  maxEvents: number,
): Promise<string[] | null> {
  const rows = await session.query(`SHOW BINLOG EVENTS IN ? FROM ? LIMIT ${maxEvents + 1}`, [file, pos]);
  if (rows.length > maxEvents) return null;
  return parseBinlogEvents(rows).map((t) => t.gtid);
}

/**
 * Statements the official images run on first boot with the binary log on: the
 * application database, its account and grants (MariaDB and MySQL), and on MySQL the
 * time-zone tables (`mysql_tzinfo_to_sql` is not told to skip the log). Table DDL or
 * application rows are not first-boot work.
 */
const FIRST_BOOT_STATEMENT =
  /^(CREATE (DATABASE|SCHEMA|USER|ROLE)|ALTER USER|DROP USER|GRANT|REVOKE|SET PASSWORD|FLUSH PRIVILEGES|(TRUNCATE|ALTER) TABLE `?time_zone)/i;

/** True when a transaction only does what an image's first boot does (see above). */
export function isFirstBootTransaction(t: BinlogTransaction): boolean {
  return (
    t.statements.every((s) => FIRST_BOOT_STATEMENT.test(s)) &&
    t.rowTables.every((table) => /^mysql\.time_zone/.test(table))
  );
}

/** What must be equal across the pods: the work, not the GTID it was logged under. */
export function fingerprintOf(t: BinlogTransaction): string {
  return JSON.stringify([t.statements, t.rowTables]);
}
