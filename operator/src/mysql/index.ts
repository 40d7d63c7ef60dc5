/**
 * Public API of the MySQL dual-master logic. The reconciler runs one round per probe
 * interval: `observeMysql` → `decide` → `executeMysql`, then persists `decision.state`
 * (when every action succeeded) and the conditions into the custom resource's status.
 */

export { type BinlogTransaction, maskCredentials, parseBinlogEvents } from './binlog.js';
export { decide } from './decision.js';
export {
  ConditionType,
  type Decision,
  type DecisionInput,
  defaultMysqlSettings,
  initialMysqlState,
  KubeSignal,
  type MysqlAction,
  type MysqlCondition,
  type MysqlSettings,
  type MysqlState,
  type PodObservation,
} from './decision-types.js';
export type { MysqlDialect, ReplicaStatus, ReplicationSource, SemiSyncOptions, SqlSession } from './dialect.js';
export { mariadbDialect } from './dialect-mariadb.js';
export { mysql8Dialect } from './dialect-mysql.js';
export { type ActionResult, executeMysql } from './driver.js';
export { type ObserveOptions, observeMysql } from './driver-observe.js';
export {
  type DriverOptions,
  defaultDriverTimeouts,
  type KubeEffects,
  type PodEndpoint,
  type ReseedProgress,
} from './driver-types.js';
export {
  countGtids,
  describeGtidSet,
  emptyGtidSet,
  errantTransactions,
  type GtidSet,
  gtidSetFrom,
  gtidSetsEqual,
  type Interval,
  isCaughtUp,
  isEmptyGtidSet,
  isGtidSubset,
  missingOwnTransactions,
  subtractGtidSets,
  unionGtidSets,
} from './gtid.js';
export {
  formatMariadbPosition,
  formatMysqlGtidSet,
  GtidParseError,
  type MariadbGtid,
  mariadbPositionToSet,
  parseMariadbGtidSet,
  parseMariadbPosition,
  parseMysqlGtidSet,
} from './gtid-format.js';
export { type AdminCredentials, mysql2Connector } from './mysql2-session.js';
export { reseedScript } from './reseed.js';
