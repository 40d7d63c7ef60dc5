import assert from 'node:assert/strict';
import { maskCredentials, parseBinlogEvents } from '../../src/mysql/binlog.js';
import { reseedScript } from '../../src/mysql/reseed.js';

const ev = (Event_type: string, Info: string) => ({ Event_type, Info });

describe('binary log reading (SHOW BINLOG EVENTS)', () => {
  it('groups MariaDB events into transactions by GTID, masking credentials', () => {
    const txs = parseBinlogEvents([
      ev('Format_desc', 'Server ver: 10.11'),
      ev('Gtid_list', '[]'),
      ev('Gtid', 'GTID 1-1-1'),
      ev('Query', 'CREATE DATABASE IF NOT EXISTS `mpstack`'),
      ev('Gtid', 'GTID 1-1-2'),
      ev('Query', "use `mysql`; CREATE USER 'mpstack'@'%' IDENTIFIED BY 'pw'"),
      ev('Gtid', 'BEGIN GTID 1-1-3'),
      ev('Annotate_rows', 'INSERT INTO shop.orders VALUES (1)'),
      ev('Table_map', 'table_id: 33 (shop.orders)'),
      ev('Write_rows_v1', 'table_id: 33 flags: STMT_END_F'),
      ev('Xid', 'COMMIT /* xid=9 */'),
    ]);
    assert.deepEqual(txs, [
      { gtid: '1-1-1', statements: ['CREATE DATABASE IF NOT EXISTS `mpstack`'], rowTables: [] },
      { gtid: '1-1-2', statements: ["CREATE USER 'mpstack'@'%' IDENTIFIED BY '***'"], rowTables: [] },
      { gtid: '1-1-3', statements: [], rowTables: ['shop.orders'] },
    ]);
  });

  it('reads MySQL 8.4 GTID_NEXT events and masks the salted hash MySQL logs for an account', () => {
    const uuid = '3e11fa47-71ca-11e1-9e33-c80aa9429562';
    const txs = parseBinlogEvents([
      ev('Previous_gtids', ''),
      ev('Gtid', `SET @@SESSION.GTID_NEXT= '${uuid}:4'`),
      ev('Query', "use `mysql`; CREATE USER 'mpstack'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '$A$005$x'"),
    ]);
    assert.deepEqual(txs, [
      {
        gtid: `${uuid}:4`,
        statements: ["CREATE USER 'mpstack'@'%' IDENTIFIED WITH 'caching_sha2_password' AS '***'"],
        rowTables: [],
      },
    ]);
  });

  it('masks PASSWORD(...) and SET PASSWORD = forms too', () => {
    assert.equal(
      maskCredentials("SET PASSWORD FOR root@localhost = PASSWORD('x''y')"),
      "SET PASSWORD FOR root@localhost = PASSWORD('***')",
    );
    assert.equal(maskCredentials("CHANGE MASTER TO MASTER_PASSWORD='s'"), "CHANGE MASTER TO MASTER_PASSWORD='***'");
  });
});

describe('re-seed script', () => {
  it('MariaDB: fences the target, empties its binlog, dumps a consistent snapshot with its GTID position, restores outside the binlog', () => {
    const script = reseedScript('mariadb');
    assert.match(script, /SET GLOBAL read_only = ON; STOP SLAVE; RESET MASTER/);
    assert.match(script, /mariadb-dump .*--single-transaction --gtid --master-data=2/);
    assert.match(script, /--init-command="SET SESSION sql_log_bin = 0"/);
    assert.match(script, /SET GLOBAL gtid_slave_pos/);
    assert.doesNotMatch(script, /\s-p\S|--password/, 'the password comes from MYSQL_PWD only');
  });

  it('MySQL 8.4: lifts super_read_only, resets binary logs and GTIDs, and lets the dump set gtid_purged', () => {
    const script = reseedScript('mysql');
    assert.match(
      script,
      /SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = ON; STOP REPLICA; RESET BINARY LOGS AND GTIDS/,
    );
    assert.match(script, /mysqldump .*--single-transaction --set-gtid-purged=ON/);
    assert.doesNotMatch(script, /RESET MASTER|SHOW MASTER/);
  });
});
