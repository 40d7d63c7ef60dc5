import assert from 'node:assert/strict';
import {
  describeGtidSet,
  type MysqlDialect,
  mariadbDialect,
  mysql8Dialect,
  type SqlSession,
} from '../../src/mysql/index.js';

type Row = Readonly<Record<string, unknown>>;

/** Records every statement; answers from a table keyed by a statement prefix. */
function recordingSession(answers: Readonly<Record<string, readonly Row[]>> = {}) {
  const statements: string[] = [];
  const session: SqlSession = {
    async query(sql, params) {
      statements.push(params === undefined ? sql : `${sql} ${JSON.stringify(params)}`);
      const key = Object.keys(answers).find((prefix) => sql.startsWith(prefix));
      return key === undefined ? [] : (answers[key] ?? []);
    },
    async close() {},
  };
  return { session, statements };
}

const source = { host: 'mysql-1.mysql', port: 3306, user: 'repl', password: 's3cret' };

describe('MySQL dialects', () => {
  describe('MariaDB 10.11', () => {
    it('reads executed GTIDs as binlog ∪ slave position', async () => {
      const { session } = recordingSession({
        SELECT: [{ binlog_pos: '1-1-100,2-2-3', slave_pos: '2-2-9,3-3-1' }],
      });
      assert.equal(describeGtidSet(await mariadbDialect.readGtidExecuted(session)), '1:1-100,2:1-9,3:1');
    });

    it('configures GTID replication from a peer with MASTER_USE_GTID=slave_pos after stopping the replica', async () => {
      const { session, statements } = recordingSession();
      await mariadbDialect.configureReplication(session, source);
      assert.equal(statements[0], 'STOP SLAVE');
      const change = statements.find((s) => s.startsWith('CHANGE MASTER')) ?? '';
      assert.match(change, /^CHANGE MASTER TO MASTER_HOST = \?.*MASTER_USE_GTID = slave_pos/);
      assert.match(change, /\["mysql-1\.mysql",3306,"repl","s3cret"\]$/);
    });

    it('seeds gtid_slave_pos from the binlog of a former writer, but never moves it backwards', async () => {
      const formerWriter = recordingSession({ SELECT: [{ binlog_pos: '1-1-100,2-2-9', slave_pos: '2-2-9' }] });
      await mariadbDialect.configureReplication(formerWriter.session, source);
      assert.ok(formerWriter.statements.includes('SET GLOBAL gtid_slave_pos = ? ["1-1-100,2-2-9"]'));
      const noLogSlaveUpdates = recordingSession({ SELECT: [{ binlog_pos: '1-1-100', slave_pos: '2-2-9' }] });
      await mariadbDialect.configureReplication(noLogSlaveUpdates.session, source);
      assert.ok(noLogSlaveUpdates.statements.every((s) => !s.startsWith('SET GLOBAL gtid_slave_pos')));
    });

    it('uses read_only (MariaDB has no super_read_only) and the built-in semi-sync variables', async () => {
      const { session, statements } = recordingSession();
      await mariadbDialect.setReadOnly(session, true);
      await mariadbDialect.enableSemiSync(session, { timeoutMs: 5000 });
      await mariadbDialect.disableSemiSyncSource(session);
      assert.deepEqual(statements, [
        'SET GLOBAL read_only = ON',
        "SET GLOBAL rpl_semi_sync_master_wait_point = 'AFTER_SYNC'",
        'SET GLOBAL rpl_semi_sync_master_timeout = ? [5000]',
        'SET GLOBAL rpl_semi_sync_master_wait_no_slave = ON',
        'SET GLOBAL rpl_semi_sync_master_enabled = ON',
        'SET GLOBAL rpl_semi_sync_slave_enabled = ON',
        'SET GLOBAL rpl_semi_sync_master_enabled = OFF',
      ]);
    });

    it('adopts a position: empty binlog, binlog state and slave position both set to it', async () => {
      const { session, statements } = recordingSession();
      await mariadbDialect.resetGtidState(session, '1-1-3,2-2-3');
      assert.deepEqual(statements, [
        'RESET MASTER',
        'SET GLOBAL gtid_binlog_state = ? ["1-1-3,2-2-3"]',
        'SET GLOBAL gtid_slave_pos = ? ["1-1-3,2-2-3"]',
      ]);
      assert.equal(mariadbDialect.unionPositionText('1-1-3,2-2-1', '2-2-3,3-3-1'), '1-1-3,2-2-3,3-3-1');
    });

    it('reads whether semi-sync is guarded: enabled, active, timeout, waiting without a replica', async () => {
      const { session } = recordingSession({
        SELECT: [{ enabled: 1, timeout: 60000, wait_no_slave: 1 }],
        'SHOW GLOBAL STATUS': [{ Variable_name: 'Rpl_semi_sync_master_status', Value: 'ON' }],
      });
      assert.deepEqual(await mariadbDialect.readSemiSyncSource(session), {
        enabled: true,
        active: true,
        timeoutMs: 60000,
        waitsWithoutReplica: true,
      });
    });

    it('creates the replication user outside the binlog so housekeeping mints no GTID', async () => {
      const { session, statements } = recordingSession();
      await mariadbDialect.createReplicationUser(session, 'repl', 'pw');
      assert.equal(statements[0], 'SET SESSION sql_log_bin = 0');
      assert.equal(statements.at(-1), 'SET SESSION sql_log_bin = 1');
      assert.ok(statements.some((s) => s.startsWith('GRANT REPLICATION SLAVE')));
    });

    it('reads SHOW SLAVE STATUS into health, lag, errors and whether the relay log is applied', async () => {
      const row = {
        Master_Host: 'mysql-1.mysql',
        Master_Port: 3306,
        Slave_IO_Running: 'Connecting',
        Slave_SQL_Running: 'Yes',
        Seconds_Behind_Master: null,
        Last_IO_Error: "error reconnecting to master 'repl@mysql-1.mysql:3306'",
        Last_SQL_Error: '',
        Master_Log_File: 'mysql-bin.000002',
        Read_Master_Log_Pos: 900,
        Relay_Master_Log_File: 'mysql-bin.000002',
        Exec_Master_Log_Pos: 850,
      };
      const { session } = recordingSession({ 'SHOW SLAVE STATUS': [row] });
      const status = await mariadbDialect.replicaStatus(session);
      assert.deepEqual(
        { ...status, lastIoError: status.lastIoError.slice(0, 5) },
        {
          configured: true,
          sourceHost: 'mysql-1.mysql',
          sourcePort: 3306,
          ioRunning: false,
          sqlRunning: true,
          lagSeconds: null,
          lastIoError: 'error',
          lastSqlError: '',
          relayApplied: false,
          relayDrained: false,
        },
      );
      const { session: empty } = recordingSession();
      assert.equal((await mariadbDialect.replicaStatus(empty)).configured, false);
      // The source died mid-send: a partial transaction keeps the coordinates apart forever,
      // but the SQL thread has applied every complete one.
      const partial = recordingSession({
        'SHOW SLAVE STATUS': [
          { ...row, Slave_SQL_Running_State: 'Slave has read all relay log; waiting for more updates' },
        ],
      });
      const drained = await mariadbDialect.replicaStatus(partial.session);
      assert.deepEqual([drained.relayApplied, drained.relayDrained], [false, true]);
    });
  });

  describe('MySQL 8', () => {
    it('names its own GTID source by server_uuid (MariaDB: by gtid_domain_id)', async () => {
      const { session } = recordingSession({ SELECT: [{ uuid: '3E11FA47-71CA-11E1-9E33-C80AA9429562', domain: 2 }] });
      assert.equal(await mysql8Dialect.readOwnSource(session), '3e11fa47-71ca-11e1-9e33-c80aa9429562');
      assert.equal(await mariadbDialect.readOwnSource(session), '2');
    });

    it('reads @@gtid_executed UUID interval sets', async () => {
      const { session } = recordingSession({
        SELECT: [{ executed: '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,\n8a94f357-aab4-11df-86ab-c80aa9429562:1-2' }],
      });
      assert.equal(
        describeGtidSet(await mysql8Dialect.readGtidExecuted(session)),
        '3e11fa47-71ca-11e1-9e33-c80aa9429562:1-5:7,8a94f357-aab4-11df-86ab-c80aa9429562:1-2',
      );
    });

    it('configures replication with CHANGE REPLICATION SOURCE … SOURCE_AUTO_POSITION=1', async () => {
      const { session, statements } = recordingSession();
      await mysql8Dialect.configureReplication(session, source);
      await mysql8Dialect.startReplica(session);
      assert.equal(statements[0], 'STOP REPLICA');
      assert.match(statements[1] ?? '', /^CHANGE REPLICATION SOURCE TO SOURCE_HOST = \?.*SOURCE_AUTO_POSITION = 1/);
      assert.equal(statements[2], 'START REPLICA');
    });

    it('fences with super_read_only and un-fences both flags', async () => {
      const { session, statements } = recordingSession();
      await mysql8Dialect.setReadOnly(session, true);
      await mysql8Dialect.setReadOnly(session, false);
      assert.deepEqual(statements, [
        'SET GLOBAL super_read_only = ON',
        'SET GLOBAL super_read_only = OFF',
        'SET GLOBAL read_only = OFF',
      ]);
    });

    it('adopts a position with RESET BINARY LOGS AND GTIDS (8.4) and gtid_purged, super_read_only lifted only meanwhile', async () => {
      const { session, statements } = recordingSession();
      await mysql8Dialect.resetGtidState(session, 'a:1-3,b:1-3');
      assert.deepEqual(statements, [
        'SET GLOBAL super_read_only = OFF',
        'RESET BINARY LOGS AND GTIDS',
        'SET GLOBAL gtid_purged = ? ["a:1-3,b:1-3"]',
        'SET GLOBAL super_read_only = ON',
      ]);
      const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
      const other = '4f22ab58-71ca-11e1-9e33-c80aa9429562';
      assert.equal(
        mysql8Dialect.unionPositionText(`${uuid}:1-3`, `${other}:1-2,${uuid}:4`),
        `${uuid}:1-4,${other}:1-2`,
      );
    });

    it('reads the 8.4 binary log position with SHOW BINARY LOG STATUS (SHOW MASTER STATUS is gone)', async () => {
      const { session, statements } = recordingSession({
        'SHOW BINARY LOG STATUS': [{ File: 'binlog.000004', Position: 157 }],
      });
      assert.deepEqual(await mysql8Dialect.readBinlogPosition(session), { file: 'binlog.000004', pos: 157 });
      assert.deepEqual(statements, ['SHOW BINARY LOG STATUS']);
    });

    it('reads received GTIDs as gtid_executed ∪ Retrieved_Gtid_Set', async () => {
      const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
      const { session } = recordingSession({
        SELECT: [{ executed: `${uuid}:1-5` }],
        'SHOW REPLICA STATUS': [{ Retrieved_Gtid_Set: `${uuid}:3-7` }],
      });
      assert.equal(describeGtidSet(await mysql8Dialect.readReceived(session)), `${uuid}:1-7`);
    });

    it('installs the semi-sync source and replica plugins only when they are missing', async () => {
      const { session, statements } = recordingSession({ 'SELECT COUNT(*)': [{ n: 0 }] });
      await mysql8Dialect.enableSemiSync(session, { timeoutMs: 1000 });
      assert.ok(statements.includes("INSTALL PLUGIN rpl_semi_sync_source SONAME 'semisync_source.so'"));
      assert.ok(statements.includes("INSTALL PLUGIN rpl_semi_sync_replica SONAME 'semisync_replica.so'"));
      assert.ok(statements.includes('SET GLOBAL rpl_semi_sync_source_enabled = ON'));
      const installed = recordingSession({ 'SELECT COUNT(*)': [{ n: 1 }] });
      await mysql8Dialect.enableSemiSync(installed.session, { timeoutMs: 1000 });
      assert.ok(installed.statements.every((s) => !s.startsWith('INSTALL PLUGIN')));
    });

    it('reads SHOW REPLICA STATUS with the SOURCE column names', async () => {
      const row = {
        Source_Host: 'mysql-0.mysql',
        Source_Port: 3306,
        Replica_IO_Running: 'Yes',
        Replica_SQL_Running: 'Yes',
        Seconds_Behind_Source: 2,
        Last_IO_Error: '',
        Last_SQL_Error: '',
        Source_Log_File: 'binlog.000003',
        Read_Source_Log_Pos: 157,
        Relay_Source_Log_File: 'binlog.000003',
        Exec_Source_Log_Pos: 157,
      };
      const { session } = recordingSession({ 'SHOW REPLICA STATUS': [row] });
      const status = await mysql8Dialect.replicaStatus(session);
      assert.equal(status.ioRunning && status.sqlRunning && status.relayApplied, true);
      assert.equal(status.lagSeconds, 2);
    });
  });

  for (const dialect of [mariadbDialect, mysql8Dialect] as readonly MysqlDialect[]) {
    it(`${dialect.name}: fencing kills client connections but spares kept users and replication threads`, async () => {
      const { session, statements } = recordingSession({
        'SELECT ID': [
          { id: 11, user: 'app' },
          { id: 12, user: 'system user' },
          { id: 13, user: 'repl' },
          { id: 14, user: 'operator' },
          { id: 15, user: 'app' },
        ],
      });
      assert.equal(await dialect.killClientConnections(session, ['operator', 'repl']), 2);
      assert.deepEqual(
        statements.filter((s) => s.startsWith('KILL')),
        ['KILL CONNECTION ? [11]', 'KILL CONNECTION ? [15]'],
      );
    });
  }
});
