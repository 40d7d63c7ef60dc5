import {
  createTextTable,
  type Db,
  isMysql,
  LOG_MONTHLY_TABLES,
  LOG_OUTBOUND_MONTHLY_TABLES,
  monthStart,
  partitionName,
  textTableMonth,
  textTableName,
} from '@mpstack/common/db';
import type { Logger } from '@mpstack/common/logging';
import { sql } from 'kysely';

export interface PartitionPlan {
  /** Partitions split off `pmax` so that `ahead` months after the current one exist (`table.pYYYYMM`), and text index tables created (`log_text_YYYYMM`). */
  readonly created: readonly string[];
  /** Partitions whose whole month is older than the retention, and text index tables of such months, dropped. */
  readonly dropped: readonly string[];
}

interface PartitionRow {
  readonly name: string;
  /** `VALUES LESS THAN`: ms, or `MAXVALUE`. */
  readonly bound: string;
}

/**
 * Keeps the monthly partitions of every time-partitioned log table (`LOG_MONTHLY_TABLES`: the raw
 * logs on `at`, the span rollups on `start`, the minute and latency rollups on `minute`, the day
 * rollups on `day`; and `LOG_OUTBOUND_MONTHLY_TABLES`: the sends' and receipts' keys on `at` and
 * their rollups on `start`): creates `ahead` months after the month of `now` (by splitting the empty end
 * of `pmax`) and drops every partition whose whole month ended before the retention's start —
 * whole partitions, never rows. The text index's monthly tables (`log_text_YYYYMM`) follow the
 * same months: created ahead, dropped whole. SQLite (embedded mode) has no partitions: there the
 * same retention deletes old rows (a development database).
 */
export async function maintainPartitions(
  db: Db,
  options: { readonly now: number; readonly ahead: number; readonly retentionMonths: number; readonly logger: Logger },
): Promise<PartitionPlan> {
  const cutoff = monthStart(options.now, -options.retentionMonths);
  if (!isMysql(db)) {
    for (const { table, column } of [...LOG_MONTHLY_TABLES, ...LOG_OUTBOUND_MONTHLY_TABLES]) {
      await sql`DELETE FROM ${sql.table(table)} WHERE ${sql.ref(column)} < ${cutoff}`.execute(db);
    }
    return { created: [], dropped: [] };
  }
  const created: string[] = [];
  const dropped: string[] = [];
  for (const { table } of [...LOG_MONTHLY_TABLES, ...LOG_OUTBOUND_MONTHLY_TABLES]) {
    const partitions = await listPartitions(db, table);
    const bounds = partitions.filter((p) => p.bound !== 'MAXVALUE').map((p) => Number(p.bound));
    let last = bounds.length === 0 ? monthStart(options.now) : Math.max(...bounds);
    const wanted = monthStart(options.now, options.ahead + 1);
    const split: string[] = [];
    while (last < wanted) {
      const next = monthStart(last, 1);
      split.push(`PARTITION ${partitionName(last)} VALUES LESS THAN (${next})`);
      created.push(`${table}.${partitionName(last)}`);
      last = next;
    }
    if (split.length > 0) {
      // Only rows dated beyond every existing month sit in pmax: the split copies those few.
      await sql
        .raw(
          `ALTER TABLE ${table} REORGANIZE PARTITION pmax INTO (${split.join(', ')}, PARTITION pmax VALUES LESS THAN MAXVALUE)`,
        )
        .execute(db);
    }
    // A partition holds the month before its bound; it goes once that bound is at or before the cutoff.
    // The newest bounded partition always stays (RANGE needs one besides pmax).
    const old = partitions.filter((p) => p.bound !== 'MAXVALUE' && Number(p.bound) <= cutoff);
    const keep = partitions.filter((p) => p.bound !== 'MAXVALUE').length + split.length - old.length;
    const droppable = keep > 0 ? old : old.slice(0, -1);
    if (droppable.length > 0) {
      await sql.raw(`ALTER TABLE ${table} DROP PARTITION ${droppable.map((p) => p.name).join(', ')}`).execute(db);
      dropped.push(...droppable.map((p) => `${table}.${p.name}`));
    }
  }
  const texts = await maintainTextTables(db, options.now, options.ahead, cutoff);
  created.push(...texts.created);
  dropped.push(...texts.dropped);
  if (created.length > 0 || dropped.length > 0) options.logger.info({ created, dropped }, 'log partitions maintained');
  return { created, dropped };
}

export async function listPartitions(db: Db, table: string): Promise<PartitionRow[]> {
  const result = await sql<{ name: string; bound: string }>`
    SELECT PARTITION_NAME AS name, PARTITION_DESCRIPTION AS bound
    FROM information_schema.PARTITIONS
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ${table} AND PARTITION_NAME IS NOT NULL
    ORDER BY PARTITION_ORDINAL_POSITION`.execute(db);
  return result.rows.map((row) => ({ name: row.name, bound: String(row.bound) }));
}

/** The text index tables (MariaDB/MySQL) that exist, with their month, oldest first. */
export async function listTextTables(db: Db): Promise<{ readonly name: string; readonly month: number }[]> {
  const result = await sql<{ name: string }>`
    SELECT TABLE_NAME AS name FROM information_schema.TABLES
    WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME LIKE 'log!_text!_%' ESCAPE '!'`.execute(db);
  return result.rows
    .map((row) => ({ name: row.name, month: textTableMonth(row.name) }))
    .filter((t): t is { name: string; month: number } => t.month !== undefined)
    .sort((a, b) => a.month - b.month);
}

async function maintainTextTables(
  db: Db,
  now: number,
  ahead: number,
  cutoff: number,
): Promise<{ created: string[]; dropped: string[] }> {
  const existing = await listTextTables(db);
  const names = new Set(existing.map((t) => t.name));
  const created: string[] = [];
  for (let offset = 0; offset <= ahead; offset += 1) {
    const name = textTableName(monthStart(now, offset));
    if (names.has(name)) continue;
    await createTextTable(db, name);
    created.push(name);
  }
  // A month's table goes with that month's partition: once the month ended at or before the cutoff.
  const dropped = existing.filter((t) => monthStart(t.month, 1) <= cutoff).map((t) => t.name);
  for (const name of dropped) await db.schema.dropTable(name).ifExists().execute();
  return { created, dropped };
}
