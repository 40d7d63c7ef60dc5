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
  /** The server container's memory (its limit, else its request), in bytes: sizes the buffer pool. */
  readonly memoryBytes?: number | undefined;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

/**
 * `innodb_buffer_pool_size` for a container of `memoryBytes`: three quarters of it from 1 GiB
 * up, half below (connections' buffers, the binlog cache and the server itself need a fixed few
 * hundred MB), in whole MiB. Undefined (the server's 128 MiB default) when the memory is unknown
 * or the share would be smaller. Left at the default, a pod with gigabytes read a million-row
 * push's recipients and receipts from disk; above the container's memory it is OOM-killed,
 * which in the pair is a failover.
 */
export function bufferPoolMiB(memoryBytes: number | undefined): number | undefined {
  if (memoryBytes === undefined || !Number.isFinite(memoryBytes)) return undefined;
  const share = memoryBytes >= GiB ? 0.75 : 0.5;
  const mib = Math.floor((memoryBytes * share) / MiB);
  return mib > 128 ? mib : undefined;
}

const quantityUnits: Readonly<Record<string, number>> = {
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  '': 1,
  k: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
};

/** A Kubernetes quantity (`512Mi`, `2G`, `1.5Gi`, `1e9`) as a number; undefined when it is not one. */
export function quantityValue(quantity: string | undefined): number | undefined {
  const match = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([KMGTPE]i|[numkMGTPE])?|[eE]([+-]?\d+))$/.exec(quantity ?? '');
  if (match === null) return undefined;
  const [, number, unit, exponent] = match;
  const scale = exponent !== undefined ? 10 ** Number(exponent) : quantityUnits[unit ?? ''];
  return scale === undefined ? undefined : Number(number) * scale;
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
  const bufferPool = bufferPoolMiB(options.memoryBytes);
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
    ...(bufferPool === undefined ? [] : [`innodb_buffer_pool_size = ${bufferPool}M`]),
    ...(semiSync ? semiSyncLines(flavor) : []),
  ];
  return `${lines.join('\n')}\n`;
}

/** ConfigMap key holding the file of pod `ordinal`; the init container copies the pod's own. */
export function mysqlConfigKey(ordinal: number): string {
  return `server-${ordinal}.cnf`;
}
