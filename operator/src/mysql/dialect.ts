import type { GtidSet } from './gtid.js';

/**
 * The SQL seam of the MySQL dual-master logic. Every statement the operator sends to a
 * database goes through a {@link MysqlDialect}, so MariaDB 10.11 (`CHANGE MASTER …
 * MASTER_USE_GTID`, `SHOW SLAVE STATUS`, built-in semi-sync, domain-server-seq GTIDs) and
 * MySQL 8 (`CHANGE REPLICATION SOURCE … SOURCE_AUTO_POSITION`, `SHOW REPLICA STATUS`,
 * `super_read_only`, the semi-sync plugin, UUID interval GTIDs) differ in one file each.
 */

/** One open connection to one server; the dialect never opens or pools connections. */
export interface SqlSession {
  /** Runs one statement; `params` are client-side escaped into `?` placeholders. */
  query(sql: string, params?: readonly unknown[]): Promise<readonly Readonly<Record<string, unknown>>[]>;
  close(): Promise<void>;
}

/** Where a replica pulls from (as the replica reaches it, e.g. the pod's DNS name). */
export interface ReplicationSource {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
}

/** The replication thread state of one server, read from SHOW SLAVE/REPLICA STATUS. */
export interface ReplicaStatus {
  /** False when the server has no replication source configured at all. */
  readonly configured: boolean;
  readonly sourceHost: string | null;
  readonly sourcePort: number | null;
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  /** Seconds behind the source; null when the server does not know (threads stopped). */
  readonly lagSeconds: number | null;
  readonly lastIoError: string;
  readonly lastSqlError: string;
  /**
   * True when the SQL thread has executed everything the IO thread received (executed
   * coordinates equal read coordinates). Failover waits for this so a transaction the old
   * writer's semi-sync acknowledged (it is in the relay log) is applied before promotion.
   */
  readonly relayApplied: boolean;
  /**
   * The SQL thread has applied every complete transaction in the relay log and waits for
   * more (`… has read all relay log; waiting for more updates`). After the source died
   * mid-send the relay log can end in a partial transaction the IO thread will never
   * finish: the coordinates never meet, yet nothing acknowledged is left to apply (a
   * semi-sync replica acknowledges a transaction only once it received all of it).
   */
  readonly relayDrained: boolean;
}

/** Semi-synchronous replication settings. */
export interface SemiSyncOptions {
  /** How long a commit waits for a replica's ack before the source falls back to async. */
  readonly timeoutMs: number;
}

/** A place in a server's binary log. */
export interface BinlogPosition {
  readonly file: string;
  readonly pos: number;
}

/** The source side of semi-sync on one server, as it is now. */
export interface SemiSyncSourceState {
  /** The source side is switched on (`rpl_semi_sync_master/source_enabled`). */
  readonly enabled: boolean;
  /** Commits are waiting for acks right now (status ON: no fallback to async in force). */
  readonly active: boolean;
  readonly timeoutMs: number;
  /** The source keeps waiting when no replica is connected (`…_wait_no_slave/replica`). */
  readonly waitsWithoutReplica: boolean;
}

/** The dialect port; implementations: {@link mariadbDialect}, {@link mysql8Dialect}. */
export interface MysqlDialect {
  readonly name: 'mariadb-10.11' | 'mysql-8';
  /** Everything this server has executed (own writes and applied replicated ones). */
  readGtidExecuted(session: SqlSession): Promise<GtidSet>;
  /** The GTID source key this server's own writes get (MariaDB: its domain id; MySQL: server_uuid). */
  readOwnSource(session: SqlSession): Promise<string>;
  readReadOnly(session: SqlSession): Promise<boolean>;
  /** read_only on/off; on MySQL 8 also super_read_only, so even SUPER users are fenced. */
  setReadOnly(session: SqlSession, readOnly: boolean): Promise<void>;
  /** Points this server at `source` with GTID auto-positioning (stops the replica first). */
  configureReplication(session: SqlSession, source: ReplicationSource): Promise<void>;
  startReplica(session: SqlSession): Promise<void>;
  stopReplica(session: SqlSession): Promise<void>;
  replicaStatus(session: SqlSession): Promise<ReplicaStatus>;
  /** Turns on both the source and the replica side of semi-sync on this server. */
  enableSemiSync(session: SqlSession, options: SemiSyncOptions): Promise<void>;
  /**
   * Turns off the source side of semi-sync. Failover calls it on the new writer: its only
   * replica is the dead pod, and every commit (including the relay-log transactions it is
   * still applying) would otherwise wait the full semi-sync timeout for an ack.
   */
  disableSemiSyncSource(session: SqlSession): Promise<void>;
  /** The source side of semi-sync as it is now. */
  readSemiSyncSource(session: SqlSession): Promise<SemiSyncSourceState>;
  /** Where this server's binary log ends now (MariaDB SHOW MASTER STATUS, MySQL 8.4 SHOW BINARY LOG STATUS). */
  readBinlogPosition(session: SqlSession): Promise<BinlogPosition | null>;
  /**
   * Everything this server has received, applied or not: executed ∪ what the IO thread
   * wrote to the relay log (MariaDB `Gtid_IO_Pos`, MySQL `Retrieved_Gtid_Set`). A semi-sync
   * replica acknowledges on receipt, so this is what the source may have acknowledged.
   */
  readReceived(session: SqlSession): Promise<GtidSet>;
  /** The executed position in the server's own syntax (MariaDB `d-s-n,…`, MySQL a GTID set). */
  readPositionText(session: SqlSession): Promise<string>;
  /** The union of two positions in the server's own syntax. */
  unionPositionText(a: string, b: string): string;
  /**
   * Empties the binary log and records `position` as executed (MariaDB: binlog state and
   * slave position; MySQL: gtid_purged). Only for a pod that applies nothing and takes no
   * writes: bootstrap, and after a re-seed.
   */
  resetGtidState(session: SqlSession, position: string): Promise<void>;
  /** Creates (or re-passwords) the replication user, outside the binlog. */
  createReplicationUser(session: SqlSession, user: string, password: string): Promise<void>;
  /** Kills every client connection except `keepUsers` and replication threads; returns the count. */
  killClientConnections(session: SqlSession, keepUsers: readonly string[]): Promise<number>;
}

/** Reads the File/Position row of a binary-log status statement. */
export async function readBinlogPositionVia(session: SqlSession, statement: string): Promise<BinlogPosition | null> {
  const [row] = await session.query(statement);
  const pos = numCol(row, 'Position');
  return row === undefined || pos === null ? null : { file: col(row, 'File'), pos };
}

/** Milliseconds since the server process started (`Uptime`, whole seconds, rounded down). */
export async function readUptimeMs(session: SqlSession): Promise<number> {
  const [row] = await session.query("SHOW GLOBAL STATUS LIKE 'Uptime'");
  return (numCol(row, 'Value') ?? 0) * 1000;
}

/** Reads one column as a string ('' for null/absent). */
export function col(row: Readonly<Record<string, unknown>> | undefined, name: string): string {
  const value = row?.[name];
  if (value === null || value === undefined) return '';
  return String(value);
}

/** Reads a numeric column; null when absent or NULL. */
export function numCol(row: Readonly<Record<string, unknown>> | undefined, name: string): number | null {
  const value = row?.[name];
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

/** Column names of SHOW SLAVE STATUS (MariaDB) vs SHOW REPLICA STATUS (MySQL 8). */
export interface ReplicaStatusColumns {
  readonly host: string;
  readonly port: string;
  readonly io: string;
  readonly sql: string;
  readonly lag: string;
  readonly readFile: string;
  readonly readPos: string;
  readonly execFile: string;
  readonly execPos: string;
  readonly sqlState: string;
}

/** Maps a status row to {@link ReplicaStatus}; `undefined` row = not configured. */
export function parseReplicaStatus(
  row: Readonly<Record<string, unknown>> | undefined,
  c: ReplicaStatusColumns,
): ReplicaStatus {
  if (row === undefined) {
    return {
      configured: false,
      sourceHost: null,
      sourcePort: null,
      ioRunning: false,
      sqlRunning: false,
      lagSeconds: null,
      lastIoError: '',
      lastSqlError: '',
      relayApplied: true,
      relayDrained: true,
    };
  }
  const relayApplied =
    col(row, c.readFile) === col(row, c.execFile) && numCol(row, c.readPos) === numCol(row, c.execPos);
  return {
    configured: col(row, c.host) !== '',
    sourceHost: col(row, c.host) || null,
    sourcePort: numCol(row, c.port),
    ioRunning: col(row, c.io) === 'Yes',
    sqlRunning: col(row, c.sql) === 'Yes',
    lagSeconds: numCol(row, c.lag),
    lastIoError: col(row, 'Last_IO_Error'),
    lastSqlError: col(row, 'Last_SQL_Error'),
    relayApplied,
    relayDrained: relayApplied || /has read all relay log/i.test(col(row, c.sqlState)),
  };
}

/** Users whose threads are never killed by fencing: server-internal threads. */
const INTERNAL_USERS = ['system user', 'event_scheduler'];

/** Shared by both dialects: information_schema.PROCESSLIST exists in both. */
export async function killClientConnectionsVia(session: SqlSession, keepUsers: readonly string[]): Promise<number> {
  const rows = await session.query(
    'SELECT ID AS id, USER AS user FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()',
  );
  const keep = new Set([...INTERNAL_USERS, ...keepUsers]);
  let killed = 0;
  for (const row of rows) {
    if (keep.has(col(row, 'user'))) continue;
    try {
      await session.query('KILL CONNECTION ?', [numCol(row, 'id')]);
      killed += 1;
    } catch {
      // The connection ended between the listing and the kill: that is the goal anyway.
    }
  }
  return killed;
}
