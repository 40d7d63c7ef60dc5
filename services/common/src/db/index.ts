export * from './database.js';
export * from './migrate.js';
export {
  initialPartitions,
  LOG_MESSAGE_INDEXES,
  LOG_PARTITIONED_TABLES,
  monthStart,
  partitionName,
} from './migrations/0003-log-tables.js';
export {
  LOG_ROLLUP_INDEXES,
  LOG_TEXT_TABLE_PREFIX,
  textTableMonth,
  textTableName,
} from './migrations/0006-log-text-index.js';
export { ALL_ACCOUNTS, LOG_ROLLUP_SPAN_TABLES, ROLLUP_SPANS } from './migrations/0011-log-rollup-spans.js';
export { createTextTable } from './migrations/0013-log-text-blocks.js';
export { LOG_MONTHLY_TABLES, LOG_ROLLUP_MINUTE_DAY_TABLES } from './migrations/0014-log-rollups-by-month.js';
export {
  LOG_OUTBOUND_MONTHLY_TABLES,
  LOG_OUTBOUND_SEEN_TABLE,
  LOG_ROLLUP_OUTBOUND_TABLE,
} from './migrations/0015-log-outbound-rollups.js';
export { migrationProvider, migrations } from './migrations/index.js';
export * from './mysql-server.js';
export * from './reply-schema.js';
export * from './schema.js';
export * from './sql-failure.js';
export * from './unique-violation.js';
export * from './upsert.js';
