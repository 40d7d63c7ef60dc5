import { ALL_ACCOUNTS, type Db } from '@mpstack/common/db';
import { sql } from 'kysely';
import { coverWindow, type DashboardWindow, minutesMet } from './rollup-window.js';

export type { DashboardWindow } from './rollup-window.js';

/** Receipt outcomes as counted. */
export interface ReceiptCounts {
  success: number;
  userBlock: number;
  systemFailed: number;
}

/** One bucket of `step`: sends by `family:outcome` (`template:sent`, `mass:refused`, …) and receipts. */
export interface OutboundBucket {
  t: number;
  sends: Record<string, number>;
  receipts: ReceiptCounts;
}

export interface OutboundTotals {
  sent: number;
  failed: number;
  refused: number;
  /** Sends by `family:outcome`. */
  sends: Record<string, number>;
  receipts: ReceiptCounts;
  /** The most frequent failures and refusals: family, outcome, errcode or reason, count (at most 10). */
  failures: { family: string; outcome: string; detail: string; count: number }[];
}

interface Row {
  start: number | string;
  kind: string;
  family: string;
  outcome: string;
  detail: string;
  count: number | string;
}

/** The rows of `[from, to)` with no span wider than `step`: one statement, each row once (unique by key). */
async function rowsOf(db: Db, account: string | undefined, from: number, to: number, step: number): Promise<Row[]> {
  const pieces = coverWindow(from, to, step);
  if (pieces.length === 0) return [];
  const ranges = pieces.map((p) => sql`(span = ${p.span} AND start >= ${p.from} AND start < ${p.to})`);
  const result = await sql<Row>`
    SELECT start, kind, family, outcome, detail, count FROM log_rollup_outbound
    WHERE account = ${account ?? ALL_ACCOUNTS} AND (${sql.join(ranges, sql` OR `)})`.execute(db);
  return result.rows;
}

const noReceipts = (): ReceiptCounts => ({ success: 0, userBlock: 0, systemFailed: 0 });

function isReceiptOutcome(outcome: string): outcome is keyof ReceiptCounts {
  return outcome === 'success' || outcome === 'userBlock' || outcome === 'systemFailed';
}

/** The buckets of `step` with traffic, oldest first, and the window's totals. */
function fold(rows: readonly Row[], step: number): { series: OutboundBucket[]; totals: OutboundTotals } {
  const buckets = new Map<number, OutboundBucket>();
  const totals: OutboundTotals = { sent: 0, failed: 0, refused: 0, sends: {}, receipts: noReceipts(), failures: [] };
  const failures = new Map<string, OutboundTotals['failures'][number]>();
  for (const r of rows) {
    const start = Number(r.start);
    const count = Number(r.count);
    const t = start - (start % step);
    let bucket = buckets.get(t);
    if (bucket === undefined) {
      bucket = { t, sends: {}, receipts: noReceipts() };
      buckets.set(t, bucket);
    }
    if (r.kind === 'receipt') {
      if (!isReceiptOutcome(r.outcome)) continue;
      bucket.receipts[r.outcome] += count;
      totals.receipts[r.outcome] += count;
      continue;
    }
    const label = `${r.family}:${r.outcome}`;
    bucket.sends[label] = (bucket.sends[label] ?? 0) + count;
    totals.sends[label] = (totals.sends[label] ?? 0) + count;
    if (r.outcome === 'sent' || r.outcome === 'failed' || r.outcome === 'refused') totals[r.outcome] += count;
    if (r.outcome === 'sent') continue;
    const key = `${label}:${r.detail}`;
    const failure = failures.get(key) ?? { family: r.family, outcome: r.outcome, detail: r.detail, count: 0 };
    failure.count += count;
    failures.set(key, failure);
  }
  totals.failures = [...failures.values()].sort((a, b) => b.count - a.count).slice(0, 10);
  return { series: [...buckets.values()].sort((a, b) => a.t - b.t), totals };
}

/**
 * The dashboard's sends and receipts over `[from, to]` (the minutes it meets) at `step`, from
 * `log_rollup_outbound` only (each account's, or all accounts' `''` rows), through the coarsest
 * rows that answer the window exactly (`coverWindow`); with `shift`, the same of the window
 * `shift` earlier (`compare`, `compareSeries`). Receipts count in the bucket of their CreateTime.
 */
export async function outboundDashboard(db: Db, q: DashboardWindow) {
  const [lo, hi] = minutesMet(q.from, q.to);
  const [loBefore, hiBefore] = minutesMet(q.from - q.shift, q.to - q.shift);
  const [now, before] = await Promise.all([
    rowsOf(db, q.account, lo, hi, q.step),
    q.shift === 0 ? undefined : rowsOf(db, q.account, loBefore, hiBefore, q.step),
  ]);
  const { series, totals } = fold(now, q.step);
  const previous = before === undefined ? undefined : fold(before, q.step);
  return {
    step: q.step,
    series,
    totals,
    ...(previous === undefined ? {} : { compare: previous.totals, compareSeries: previous.series }),
  };
}
