/**
 * The re-seed of a fenced pod from the writer: a dump of a consistent snapshot of every
 * application database (everything but `mysql`, `information_schema`,
 * `performance_schema`, `sys`) restored over the pod's own, outside the pod's binary log,
 * with the snapshot's GTID position recorded as the pod's executed set. It runs the image's
 * own client tools (`mariadb-dump`/`mysqldump`), so views, routines, triggers and every
 * column type survive; in a cluster it is the command of a Job using the MySQL image.
 *
 * Accounts (`mysql` schema) are not copied: both pods' accounts come from the same Secret
 * and the operator's housekeeping stays out of the binary log; an account change on the
 * writer between the failover and the re-seed would have to be repeated by hand (runbook).
 *
 * Environment: SOURCE_HOST, SOURCE_PORT (the writer), TARGET_HOST, TARGET_PORT (the pod),
 * MYSQL_PWD (root's password; both clients read it, so it never appears in a command line).
 */
import type { MySQLFlavor } from '../resources/mysql-config.js';

const APP_SCHEMAS =
  "SELECT schema_name FROM information_schema.schemata WHERE schema_name NOT IN ('mysql','information_schema','performance_schema','sys')";

interface Tools {
  readonly client: string;
  readonly dump: string;
  /** Fence the target and empty its binary log (this drops its extra transactions' GTIDs). */
  readonly resetTarget: string;
  readonly dumpFlags: string;
  /** Sets the position when there is nothing to dump (the dump records it otherwise). */
  readonly positionFromSource: string;
}

const TOOLS: Readonly<Record<MySQLFlavor, Tools>> = {
  mariadb: {
    client: 'mariadb',
    dump: 'mariadb-dump',
    resetTarget: 'SET GLOBAL read_only = ON; STOP SLAVE; RESET MASTER',
    // --master-data=2 writes the snapshot's position as a comment: `-- SET GLOBAL gtid_slave_pos='…';`
    dumpFlags: '--single-transaction --gtid --master-data=2 --routines --events --triggers',
    positionFromSource:
      'pos=$($src -N -e "SELECT @@GLOBAL.gtid_binlog_pos"); $dst -e "SET GLOBAL gtid_slave_pos = \'$pos\'"',
  },
  mysql: {
    client: 'mysql',
    dump: 'mysqldump',
    resetTarget:
      'SET GLOBAL super_read_only = OFF; SET GLOBAL read_only = ON; STOP REPLICA; RESET BINARY LOGS AND GTIDS',
    // --set-gtid-purged=ON makes the dump itself set gtid_purged to the snapshot's gtid_executed.
    dumpFlags: '--single-transaction --set-gtid-purged=ON --routines --events --triggers',
    positionFromSource:
      'pos=$($src -N -e "SELECT @@GLOBAL.gtid_executed"); $dst -e "SET GLOBAL gtid_purged = \'$pos\'"',
  },
};

/** The shell script (POSIX sh) of a re-seed for `flavor`. */
export function reseedScript(flavor: MySQLFlavor): string {
  const t = TOOLS[flavor];
  const restorePosition =
    flavor === 'mariadb'
      ? `  pos=$(sed -n "s/^-- SET GLOBAL gtid_slave_pos='\\(.*\\)';$/\\1/p" "$dump")\n  $dst -e "SET GLOBAL gtid_slave_pos = '$pos'"\n`
      : '';
  return [
    'set -eu',
    `src="${t.client} --protocol=tcp -uroot -h $SOURCE_HOST -P $SOURCE_PORT"`,
    `dst="${t.client} --protocol=tcp -uroot -h $TARGET_HOST -P $TARGET_PORT"`,
    `$dst -e "${t.resetTarget}"`,
    `for db in $($dst -N -e "${APP_SCHEMAS}"); do`,
    '  $dst -e "SET SESSION sql_log_bin = 0; DROP DATABASE \\`$db\\`"',
    'done',
    `dbs=$($src -N -e "${APP_SCHEMAS}")`,
    'if [ -z "$dbs" ]; then',
    `  ${t.positionFromSource}`,
    'else',
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, run by sh in the Job
    '  dump="${TMPDIR:-/tmp}/mpstack-reseed.sql"',
    `  ${t.dump} --protocol=tcp -uroot -h "$SOURCE_HOST" -P "$SOURCE_PORT" ${t.dumpFlags} --databases $dbs > "$dump"`,
    '  $dst --init-command="SET SESSION sql_log_bin = 0" < "$dump"',
    `${restorePosition}  rm -f "$dump"`,
    'fi',
    '',
  ].join('\n');
}
