/**
 * Per-pod server settings of the dual-master pair. Both pods get the same file except for
 * what must differ per ordinal: `server_id` (replication drops events carrying its own id,
 * which is what stops the two-way loop), `auto_increment_offset` (with increment 2, pod 0
 * generates odd ids and pod 1 even ones, so rows written on either side during a failover
 * never collide), and on MariaDB `gtid_domain_id` (each pod's own writes are a separate GTID
 * stream, so an errant transaction of a returning writer shows up as seq numbers in its
 * own domain that the other pod lacks).
 */

export const MYSQL_FLAVORS = ['mariadb', 'mysql'] as const;

/** How long a writer's commit waits for the passive's ack before it may commit alone (ms). */
export const SEMI_SYNC_TIMEOUT_MS = 60_000;
export type MySQLFlavor = (typeof MYSQL_FLAVORS)[number];

/** `mariadb:*` (any registry) is MariaDB; every other image is taken for MySQL 8. */
export function mysqlFlavor(image: string): MySQLFlavor {
  const withoutDigest = image.split('@')[0] ?? '';
  const tagAt = withoutDigest.lastIndexOf(':');
  // A ':' before the last '/' is a registry port, not a tag.
  const repository = tagAt > withoutDigest.lastIndexOf('/') ? withoutDigest.slice(0, tagAt) : withoutDigest;
  return /(^|\/)mariadb$/.test(repository) ? 'mariadb' : 'mysql';
}

export interface MySQLServerOptions {
  readonly ordinal: number;
  readonly flavor: MySQLFlavor;
  readonly semiSync: boolean;
}

/**
 * Semi-synchronous replication: a writer does not acknowledge a commit before the passive
 * has it in its relay log (AFTER_SYNC), so a failover loses no acknowledged write. The
 * replica side is on from boot on both pods; the source side is switched on by the operator
 * on the writer only, once its passive replicates (never at boot: the image's first-boot
 * statements would each wait out the timeout with no replica). The writer keeps waiting with
 * no replica connected, and the timeout is long: the operator, not a timeout, turns the
 * writer asynchronous when the passive is down (`setSemiSyncSource`), which is what lets it
 * prove an ex-writer's extra transactions were never acknowledged.
 */
function semiSyncLines(flavor: MySQLFlavor): string[] {
  if (flavor === 'mariadb') {
    return [
      'rpl_semi_sync_slave_enabled = ON',
      `rpl_semi_sync_master_timeout = ${SEMI_SYNC_TIMEOUT_MS}`,
      'rpl_semi_sync_master_wait_point = AFTER_SYNC',
      'rpl_semi_sync_master_wait_no_slave = ON',
    ];
  }
  return [
    'plugin_load_add = semisync_source.so',
    'plugin_load_add = semisync_replica.so',
    'rpl_semi_sync_replica_enabled = ON',
    `rpl_semi_sync_source_timeout = ${SEMI_SYNC_TIMEOUT_MS}`,
    'rpl_semi_sync_source_wait_point = AFTER_SYNC',
    'rpl_semi_sync_source_wait_no_replica = ON',
  ];
}

function gtidLines(flavor: MySQLFlavor, ordinal: number): string[] {
  if (flavor === 'mariadb') {
    return [
      `gtid_domain_id = ${ordinal + 1}`,
      'gtid_strict_mode = ON',
      'log_slave_updates = ON',
      // A restarted pod must not resume replication before the operator checked it for
      // errant transactions.
      'skip_slave_start = ON',
    ];
  }
  return ['gtid_mode = ON', 'enforce_gtid_consistency = ON', 'log_replica_updates = ON', 'skip_replica_start = ON'];
}

/**
 * The `[mysqld]` file of pod `ordinal`. Every pod boots `read_only`: only the operator makes
 * one writable, after deciding it is the writer. Not `super_read_only` on MySQL: the image's
 * entrypoint runs its first-boot statements as root on a temporary server with this file,
 * and super_read_only refuses them (error 1290); the operator sets it when it fences.
 */
export function mysqlServerConfig(options: MySQLServerOptions): string {
  const { ordinal, flavor, semiSync } = options;
  const lines = [
    '[mysqld]',
    `server_id = ${ordinal + 1}`,
    'auto_increment_increment = 2',
    `auto_increment_offset = ${ordinal + 1}`,
    'log_bin = mysql-bin',
    'binlog_format = ROW',
    'sync_binlog = 1',
    'innodb_flush_log_at_trx_commit = 1',
    ...gtidLines(flavor, ordinal),
    'read_only = ON',
    'skip_name_resolve = ON',
    'character_set_server = utf8mb4',
    ...(semiSync ? semiSyncLines(flavor) : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** ConfigMap key holding the file of pod `ordinal`; the init container copies the pod's own. */
export function mysqlConfigKey(ordinal: number): string {
  return `server-${ordinal}.cnf`;
}
