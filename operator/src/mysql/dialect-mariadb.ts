import {
  col,
  killClientConnectionsVia,
  type MysqlDialect,
  parseReplicaStatus,
  type ReplicationSource,
  readBinlogPositionVia,
  type SemiSyncOptions,
  type SqlSession,
} from './dialect.js';
import { isGtidSubset, unionGtidSets } from './gtid.js';
import { formatMariadbPosition, type MariadbGtid, parseMariadbGtidSet, parseMariadbPosition } from './gtid-format.js';

/** Per domain the later of two positions (MariaDB sequence numbers grow within a domain). */
function unionPositions(a: string, b: string): string {
  const byDomain = new Map<number, MariadbGtid>();
  for (const g of [...parseMariadbPosition(a), ...parseMariadbPosition(b)]) {
    const seen = byDomain.get(g.domain);
    if (seen === undefined || g.seq > seen.seq) byDomain.set(g.domain, g);
  }
  return formatMariadbPosition([...byDomain.values()]);
}

async function statusOn(session: SqlSession, name: string): Promise<boolean> {
  const [row] = await session.query('SHOW GLOBAL STATUS LIKE ?', [name]);
  return col(row, 'Value').toUpperCase() === 'ON';
}

/**
 * A former writer's own transactions are in its binlog but not in `gtid_slave_pos`; with
 * MASTER_USE_GTID=slave_pos it would ask the peer for its own domain from the beginning,
 * which fails (error 1236) once the peer has purged those binlogs. So the slave position
 * is seeded from the binlog position, but only when the binlog holds everything the slave
 * position does (log_slave_updates on) — never moving the position backwards.
 */
async function seedSlavePos(session: SqlSession): Promise<void> {
  const [row] = await session.query(
    'SELECT @@GLOBAL.gtid_binlog_pos AS binlog_pos, @@GLOBAL.gtid_slave_pos AS slave_pos',
  );
  const binlog = parseMariadbGtidSet(col(row, 'binlog_pos'));
  const slave = parseMariadbGtidSet(col(row, 'slave_pos'));
  if (isGtidSubset(slave, binlog) && !isGtidSubset(binlog, slave)) {
    await session.query('SET GLOBAL gtid_slave_pos = ?', [col(row, 'binlog_pos')]);
  }
}

/**
 * MariaDB 10.11. Executed = `gtid_binlog_pos` ∪ `gtid_slave_pos` rather than
 * `gtid_current_pos`, because current_pos prefers the binlog only for domains whose last
 * event has this server's id and can hide an applied-but-unlogged position otherwise.
 * `read_only` does not stop accounts with READ_ONLY ADMIN (root has it): fencing relies on
 * application accounts not holding it, plus killing their connections.
 */
export const mariadbDialect: MysqlDialect = {
  name: 'mariadb-10.11',

  async readGtidExecuted(session: SqlSession) {
    const [row] = await session.query(
      'SELECT @@GLOBAL.gtid_binlog_pos AS binlog_pos, @@GLOBAL.gtid_slave_pos AS slave_pos',
    );
    return unionGtidSets(parseMariadbGtidSet(col(row, 'binlog_pos')), parseMariadbGtidSet(col(row, 'slave_pos')));
  },

  async readOwnSource(session: SqlSession) {
    const [row] = await session.query('SELECT @@GLOBAL.gtid_domain_id AS domain');
    return col(row, 'domain');
  },

  async readReadOnly(session: SqlSession) {
    const [row] = await session.query('SELECT @@GLOBAL.read_only AS read_only');
    return col(row, 'read_only') === '1';
  },

  async setReadOnly(session: SqlSession, readOnly: boolean) {
    await session.query(readOnly ? 'SET GLOBAL read_only = ON' : 'SET GLOBAL read_only = OFF');
  },

  async configureReplication(session: SqlSession, source: ReplicationSource) {
    await session.query('STOP SLAVE');
    await seedSlavePos(session);
    await session.query(
      'CHANGE MASTER TO MASTER_HOST = ?, MASTER_PORT = ?, MASTER_USER = ?, MASTER_PASSWORD = ?, ' +
        'MASTER_USE_GTID = slave_pos, MASTER_CONNECT_RETRY = 1, MASTER_HEARTBEAT_PERIOD = 1',
      [source.host, source.port, source.user, source.password],
    );
  },

  async startReplica(session: SqlSession) {
    await session.query('START SLAVE');
  },

  async stopReplica(session: SqlSession) {
    await session.query('STOP SLAVE');
  },

  async replicaStatus(session: SqlSession) {
    const [row] = await session.query('SHOW SLAVE STATUS');
    return parseReplicaStatus(row, {
      host: 'Master_Host',
      port: 'Master_Port',
      io: 'Slave_IO_Running',
      sql: 'Slave_SQL_Running',
      lag: 'Seconds_Behind_Master',
      readFile: 'Master_Log_File',
      readPos: 'Read_Master_Log_Pos',
      execFile: 'Relay_Master_Log_File',
      sqlState: 'Slave_SQL_Running_State',
      execPos: 'Exec_Master_Log_Pos',
    });
  },

  async enableSemiSync(session: SqlSession, options: SemiSyncOptions) {
    // Built into 10.11 (no plugin). AFTER_SYNC: the commit is not visible to anyone until a
    // replica has the event, so an acknowledged write can never be missing after failover.
    await session.query("SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'");
    await session.query('SET GLOBAL rpl_semi_sync_master_timeout = ?', [options.timeoutMs]);
    // Keep waiting when the replica is gone: only the timeout (or the operator) may switch
    // a writer to asynchronous commits.
    await session.query('SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON');
    await session.query('SET GLOBAL rpl_semi_sync_master_enabled = ON');
    await session.query('SET GLOBAL rpl_semi_sync_slave_enabled = ON');
  },

  async disableSemiSyncSource(session: SqlSession) {
    await session.query('SET GLOBAL rpl_semi_sync_master_enabled = OFF');
  },

  async readSemiSyncSource(session: SqlSession) {
    const [row] = await session.query(
      'SELECT @@GLOBAL.rpl_semi_sync_master_enabled AS enabled, @@GLOBAL.rpl_semi_sync_master_timeout AS timeout, ' +
        '@@GLOBAL.rpl_semi_sync_master_wait_no_slave AS wait_no_slave',
    );
    return {
      enabled: col(row, 'enabled') === '1',
      active: await statusOn(session, 'Rpl_semi_sync_master_status'),
      timeoutMs: Number(col(row, 'timeout')),
      waitsWithoutReplica: col(row, 'wait_no_slave') === '1',
    };
  },

  readBinlogPosition: (session: SqlSession) => readBinlogPositionVia(session, 'SHOW MASTER STATUS'),

  async readReceived(session: SqlSession) {
    const executed = await mariadbDialect.readGtidExecuted(session);
    const [row] = await session.query('SHOW SLAVE STATUS');
    return unionGtidSets(executed, parseMariadbGtidSet(col(row, 'Gtid_IO_Pos')));
  },

  async readPositionText(session: SqlSession) {
    const [row] = await session.query(
      'SELECT @@GLOBAL.gtid_binlog_pos AS binlog_pos, @@GLOBAL.gtid_slave_pos AS slave_pos',
    );
    return unionPositions(col(row, 'binlog_pos'), col(row, 'slave_pos'));
  },

  unionPositionText: unionPositions,

  async resetGtidState(session: SqlSession, position: string) {
    // The binlog state too, not only the slave position: a peer asking for a domain this
    // server never logged finds it in the new binlog's GTID list instead of failing (1236),
    // and this server's next own transaction continues its domain's sequence.
    await session.query('RESET MASTER');
    await session.query('SET GLOBAL gtid_binlog_state = ?', [position]);
    await session.query('SET GLOBAL gtid_slave_pos = ?', [position]);
  },

  async createReplicationUser(session: SqlSession, user: string, password: string) {
    // Outside the binlog: operator housekeeping must not mint GTIDs that would later look
    // like errant transactions on a read-only pod.
    await session.query('SET SESSION sql_log_bin = 0');
    try {
      await session.query("CREATE USER IF NOT EXISTS ?@'%' IDENTIFIED BY ?", [user, password]);
      await session.query("ALTER USER ?@'%' IDENTIFIED BY ?", [user, password]);
      await session.query("GRANT REPLICATION SLAVE, REPLICATION CLIENT ON *.* TO ?@'%'", [user]);
    } finally {
      await session.query('SET SESSION sql_log_bin = 1');
    }
  },

  killClientConnections: killClientConnectionsVia,
};
