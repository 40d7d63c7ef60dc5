import {
  col,
  killClientConnectionsVia,
  type MysqlDialect,
  numCol,
  parseReplicaStatus,
  type ReplicationSource,
  readBinlogPositionVia,
  type SemiSyncOptions,
  type SqlSession,
} from './dialect.js';
import { unionGtidSets } from './gtid.js';
import { formatMysqlGtidSet, parseMysqlGtidSet } from './gtid-format.js';

async function ensurePlugin(session: SqlSession, name: string, soname: string): Promise<void> {
  const [row] = await session.query(
    'SELECT COUNT(*) AS n FROM information_schema.PLUGINS WHERE PLUGIN_NAME = ? AND PLUGIN_STATUS = ?',
    [name, 'ACTIVE'],
  );
  if ((numCol(row, 'n') ?? 0) === 0) await session.query(`INSTALL PLUGIN ${name} SONAME '${soname}'`);
}

/**
 * MySQL 8.4 (the SOURCE/REPLICA vocabulary, `RESET BINARY LOGS AND GTIDS`). Fencing uses `super_read_only`, which
 * also stops SUPER accounts. Not exercised against a real server on these machines (no
 * MySQL 8 binary): its SQL is checked statement by statement in the unit tests only.
 */
export const mysql8Dialect: MysqlDialect = {
  name: 'mysql-8',

  async readGtidExecuted(session: SqlSession) {
    const [row] = await session.query('SELECT @@GLOBAL.gtid_executed AS executed');
    return parseMysqlGtidSet(col(row, 'executed'));
  },

  async readOwnSource(session: SqlSession) {
    const [row] = await session.query('SELECT @@GLOBAL.server_uuid AS uuid');
    return col(row, 'uuid').toLowerCase();
  },

  async readReadOnly(session: SqlSession) {
    const [row] = await session.query('SELECT @@GLOBAL.read_only AS read_only');
    return col(row, 'read_only') === '1';
  },

  async setReadOnly(session: SqlSession, readOnly: boolean) {
    if (readOnly) {
      await session.query('SET GLOBAL super_read_only = ON');
    } else {
      await session.query('SET GLOBAL super_read_only = OFF');
      await session.query('SET GLOBAL read_only = OFF');
    }
  },

  async configureReplication(session: SqlSession, source: ReplicationSource) {
    await session.query('STOP REPLICA');
    await session.query(
      'CHANGE REPLICATION SOURCE TO SOURCE_HOST = ?, SOURCE_PORT = ?, SOURCE_USER = ?, SOURCE_PASSWORD = ?, ' +
        'SOURCE_AUTO_POSITION = 1, SOURCE_CONNECT_RETRY = 1, SOURCE_HEARTBEAT_PERIOD = 1, GET_SOURCE_PUBLIC_KEY = 1',
      [source.host, source.port, source.user, source.password],
    );
  },

  async startReplica(session: SqlSession) {
    await session.query('START REPLICA');
  },

  async stopReplica(session: SqlSession) {
    await session.query('STOP REPLICA');
  },

  async replicaStatus(session: SqlSession) {
    const [row] = await session.query('SHOW REPLICA STATUS');
    return parseReplicaStatus(row, {
      host: 'Source_Host',
      port: 'Source_Port',
      io: 'Replica_IO_Running',
      sql: 'Replica_SQL_Running',
      lag: 'Seconds_Behind_Source',
      readFile: 'Source_Log_File',
      readPos: 'Read_Source_Log_Pos',
      execFile: 'Relay_Source_Log_File',
      sqlState: 'Replica_SQL_Running_State',
      execPos: 'Exec_Source_Log_Pos',
    });
  },

  async enableSemiSync(session: SqlSession, options: SemiSyncOptions) {
    await ensurePlugin(session, 'rpl_semi_sync_source', 'semisync_source.so');
    await ensurePlugin(session, 'rpl_semi_sync_replica', 'semisync_replica.so');
    await session.query("SET GLOBAL rpl_semi_sync_source_wait_point = 'AFTER_SYNC'");
    await session.query('SET GLOBAL rpl_semi_sync_source_timeout = ?', [options.timeoutMs]);
    await session.query('SET GLOBAL rpl_semi_sync_source_wait_no_replica = ON');
    await session.query('SET GLOBAL rpl_semi_sync_source_enabled = ON');
    await session.query('SET GLOBAL rpl_semi_sync_replica_enabled = ON');
  },

  async disableSemiSyncSource(session: SqlSession) {
    const [row] = await session.query(
      "SELECT COUNT(*) AS n FROM information_schema.PLUGINS WHERE PLUGIN_NAME = 'rpl_semi_sync_source'",
    );
    if ((numCol(row, 'n') ?? 0) > 0) await session.query('SET GLOBAL rpl_semi_sync_source_enabled = OFF');
  },

  async readSemiSyncSource(session: SqlSession) {
    const rows = await session.query(
      "SELECT VARIABLE_NAME AS name, VARIABLE_VALUE AS value FROM performance_schema.global_variables WHERE VARIABLE_NAME IN ('rpl_semi_sync_source_enabled', 'rpl_semi_sync_source_timeout', 'rpl_semi_sync_source_wait_no_replica')",
    );
    const value = (name: string) =>
      col(
        rows.find((r) => col(r, 'name') === name),
        'value',
      );
    const [status] = await session.query("SHOW GLOBAL STATUS LIKE 'Rpl_semi_sync_source_status'");
    return {
      enabled: value('rpl_semi_sync_source_enabled') === 'ON',
      active: col(status, 'Value') === 'ON',
      timeoutMs: Number(value('rpl_semi_sync_source_timeout') || '0'),
      waitsWithoutReplica: value('rpl_semi_sync_source_wait_no_replica') === 'ON',
    };
  },

  readBinlogPosition: (session: SqlSession) => readBinlogPositionVia(session, 'SHOW BINARY LOG STATUS'),

  async readReceived(session: SqlSession) {
    const executed = await mysql8Dialect.readGtidExecuted(session);
    const [row] = await session.query('SHOW REPLICA STATUS');
    return unionGtidSets(executed, parseMysqlGtidSet(col(row, 'Retrieved_Gtid_Set')));
  },

  async readPositionText(session: SqlSession) {
    return formatMysqlGtidSet(await mysql8Dialect.readGtidExecuted(session));
  },

  unionPositionText(a: string, b: string) {
    return formatMysqlGtidSet(unionGtidSets(parseMysqlGtidSet(a), parseMysqlGtidSet(b)));
  },

  async resetGtidState(session: SqlSession, position: string) {
    // super_read_only refuses the reset; read_only stays on, so only the operator writes.
    await session.query('SET GLOBAL super_read_only = OFF');
    try {
      // 8.4 spelling (RESET MASTER is gone in 8.4); gtid_purged may only be set on an empty gtid_executed.
      await session.query('RESET BINARY LOGS AND GTIDS');
      await session.query('SET GLOBAL gtid_purged = ?', [position]);
    } finally {
      await session.query('SET GLOBAL super_read_only = ON');
    }
  },

  async createReplicationUser(session: SqlSession, user: string, password: string) {
    // super_read_only refuses even binlog-less user changes, so this only works while the
    // pod is writable (bootstrap) or when the user already exists (checked first).
    const [row] = await session.query("SELECT COUNT(*) AS n FROM mysql.user WHERE user = ? AND host = '%'", [user]);
    if ((numCol(row, 'n') ?? 0) > 0) return;
    await session.query('SET SESSION sql_log_bin = 0');
    try {
      await session.query("CREATE USER ?@'%' IDENTIFIED WITH caching_sha2_password BY ?", [user, password]);
      await session.query("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'%'", [user]);
    } finally {
      await session.query('SET SESSION sql_log_bin = 1');
    }
  },

  killClientConnections: killClientConnectionsVia,
};
